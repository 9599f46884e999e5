"""The faithfulness guard, pure: no figure and no name in a summary that its source lacks.

A claim is a number with a unit or suffix (``37%``, ``11.1×``, ``7B``, ``1,000``, ``0.85``)
or a name that looks like a model, dataset or benchmark (``ImageNet``, ``MMLU``,
``GPT-4o``, ``Qwen2.5-VL``). Both sides are normalized before the look-up: NFKC (full-width
digits), LaTeX (``$93.6\\%$``), spacing (``90.8 %``), ``×``/``x``/``-fold``/``倍``, thousands
separators, and K/M/B (``万``/``亿``) counts, so a Chinese summary that quotes the paper's
Arabic figures is checked like an English one. An acronym the source spells out
(``LLM`` for "large language model") is supported. Scores and their reasons are not claims.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

_LATEX = [
    (re.compile(r"\\%"), "%"),
    (re.compile(r"\\times\b|\\cdot\b"), "×"),
    (re.compile(r"\{,\}"), ","),
    (re.compile(r"\\[,;:!]|~"), " "),
    (re.compile(r"[$]"), ""),
    (re.compile(r"\\(?:mathrm|text|textbf|mathbf|rm|bf)\b"), ""),
]
_DIGITS = re.compile(r"[0-9][0-9,]*(?:\.[0-9]+)?|\.[0-9]+")  # ASCII after NFKC: fast
_THOUSANDS = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")
_UNIT = re.compile(
    r"\s*(%|percentage points?\b|percent\b|per cent\b|pp\b|个百分点|百分点|×|x\b|-fold\b|fold\b|倍|"
    r"[kK](?![A-Za-z])|[mM](?![A-Za-z])|[bB](?![A-Za-z])|[tT](?![A-Za-z])|"
    r"thousand\b|million\b|billion\b|trillion\b|万|亿)"
)
_SCALE = {
    "k": 10**3, "thousand": 10**3, "万": 10**4, "m": 10**6, "million": 10**6, "亿": 10**8,
    "b": 10**9, "billion": 10**9, "t": 10**12, "trillion": 10**12,
}  # fmt: skip
_NAME = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z0-9]*(?:[-./][A-Za-z0-9]+)*(?![A-Za-z0-9])")
_SMALL_WORDS = {"of", "and", "the", "for", "in", "on", "to", "a", "an", "with", "via", "by"}
GENERIC = {
    "AI", "ML", "DL", "NLP", "CV", "LM", "LLM", "VLM", "MLLM", "LVLM", "RL", "SOTA", "GPU",
    "CPU", "TPU", "API", "UI", "GUI", "QA", "RAG", "MoE", "CoT", "SFT", "RLHF", "DPO", "PhD",
    "URL", "HTTP", "JSON", "OCR", "ASR", "TTS", "AGI", "IoT", "SQL", "CNN", "RNN", "GAN",
    "VAE", "MLP", "ViT", "LoRA", "KV", "FLOPs", "TL", "DR", "arXiv", "GitHub", "PyTorch",
}  # fmt: skip


@dataclass(frozen=True)
class Claim:
    field: str  # where it is: "main_work", "highlights[1]", "conclusion.performance"
    text: str  # as written: "37%", "GPT-4o"
    kind: str  # "number" or "name"
    key: str  # normalized: "37|%", "gpt4o"


def normalize(text: str) -> str:
    """Full-width forms, LaTeX markup and odd spaces as plain text."""
    text = unicodedata.normalize("NFKC", text or "")
    if "\\" not in text and "$" not in text and "~" not in text and "{" not in text:
        return text  # no LaTeX to read: most fields of most summaries
    for pattern, replacement in _LATEX:
        text = pattern.sub(replacement, text)
    return text


def _number_key(digits: str, unit: str | None) -> tuple[str, bool] | None:
    """("value|unit class", whether it is a claim on its own) for one number found."""
    unit = (unit or "").lower()
    value = digits.replace(",", "")
    if unit in _SCALE:
        try:
            scaled = Decimal(value) * _SCALE[unit]
        except InvalidOperation:
            return None
        value, unit_class = format(scaled.normalize(), "f"), "n"
    else:
        if "." in value:
            value = value.rstrip("0").rstrip(".")
        value = value.lstrip("0") or "0"
        if value.startswith("."):
            value = "0" + value
        unit_class = _UNIT_CLASS.get(unit, "n")
    claim = bool(unit) or "." in digits or "," in digits
    return f"{value}|{unit_class}", claim


_UNIT_CLASS = {"%": "%", "percent": "%", "per cent": "%", "×": "x", "x": "x", "-fold": "x",
               "fold": "x", "倍": "x", "pp": "pp", "percentage point": "pp",
               "percentage points": "pp", "个百分点": "pp", "百分点": "pp"}  # fmt: skip


def numbers(text: str) -> Iterator[tuple[str, str, bool]]:
    """(as written, key, is a claim) for every number in ``text`` (normalized already);
    not the digits inside a name ("Qwen2.5", "GPT-4o" stays a name)."""
    for match in _DIGITS.finditer(text):
        start, end = match.span()
        before = text[start - 1] if start else " "
        if (before.isascii() and before.isalnum()) or before in "._":
            continue  # "GPT4", "v1.5"; a figure right after 了 or 的 is one
        digits = match.group(0).rstrip(",")
        if "," in digits and not _THOUSANDS.fullmatch(digits):  # "3,4": a list, not 34
            for part in filter(None, digits.split(",")):
                if found := _number_key(part, None):
                    yield part, *found
            continue
        end = start + len(digits)
        unit = _UNIT.match(text, end)
        found = _number_key(digits, unit.group(1) if unit else None)
        if found:
            yield text[start : unit.end() if unit else end].strip(), found[0], found[1]


_SEPARATORS = str.maketrans("", "", " \t\n-_./")


def _compact(name: str) -> str:
    return name.translate(_SEPARATORS).casefold()


def names(text: str) -> Iterator[tuple[str, str]]:
    """(as written, key) for every word that looks like a model, dataset or benchmark name:
    CamelCase, an acronym, or a name with digits (GPT-4o); ``text`` is normalized already."""
    for word in _NAME.findall(text):
        if word.isalpha() and (word.islower() or word.istitle()):
            continue  # a plain word, capitalized or not: "results", "Results"
        word = word.rstrip(".")
        letters = word.translate(_SEPARATORS)
        if letters.isalpha() and word[1:] == word[1:].lower():
            continue  # "Fine-tuning", "State-of-the-art"
        singular = word[:-1] if len(word) > 2 and word[-1] == "s" and word[:-1].isupper() else word
        if singular not in GENERIC and word not in GENERIC:
            yield word, _compact(singular)


class Source:
    """What a summary was made from, indexed for the look-ups (under 5 ms for a full text;
    the word list for acronyms is made only when one needs it)."""

    def __init__(self, text: str) -> None:
        self.casefolded = normalize(text).casefold()
        self.numbers = frozenset(key for _, key, _ in numbers(self.casefolded))
        self.compact = _compact(self.casefolded)
        self._words: list[str] | None = None

    @classmethod
    def of(cls, *texts: str | None) -> Source:
        return cls(" \n ".join(t for t in texts if t))

    def supports(self, claim: Claim) -> bool:
        if claim.kind == "number":
            value, unit = claim.key.split("|")
            if unit == "pp":  # "12.5 percentage points" is often written "12.5 points"
                return any(f"{value}|{u}" in self.numbers for u in ("pp", "%", "n"))
            return claim.key in self.numbers or (
                unit == "n" and any(key.split("|")[0] == value for key in self.numbers)
            )
        if len(claim.key) >= 4 and claim.key in self.compact:
            return True
        parts = [re.escape(p) for p in re.split(r"[\W_]+", claim.text.casefold()) if p]
        pattern = r"(?<![a-z0-9])" + r"[\W_]*".join(parts) + r"(?![a-z0-9])"
        if parts and re.search(pattern, self.casefolded):
            return True
        letters = claim.key.rstrip("s") if claim.text[:-1].isupper() else claim.key
        return claim.text.replace("-", "").isalpha() and self.spells(letters)

    def spells(self, letters: str) -> bool:
        """Whether a run of words has ``letters`` as initials ("large language model")."""
        if not 2 <= len(letters) <= 8:
            return False
        if self._words is None:
            self._words = re.findall(r"[^\W_]+", self.casefolded)
        words = self._words
        for start, word in enumerate(words):
            if word[0] != letters[0]:
                continue
            for keep_small in (True, False):
                run = [
                    w
                    for w in words[start : start + 2 * len(letters)]
                    if keep_small or w not in _SMALL_WORDS
                ]
                if "".join(w[0] for w in run[: len(letters)]) == letters:
                    return True
        return False


def claims(content: dict[str, Any]) -> list[Claim]:
    """Every claim in the text fields of a summary (as a dict), scores and reasons aside."""
    found = []
    for field, raw_text in text_fields(content):
        text = normalize(raw_text)
        found += [Claim(field, raw, "number", key) for raw, key, claim in numbers(text) if claim]
        found += [Claim(field, raw, "name", key) for raw, key in names(text)]
    return found


def text_fields(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(path, text) for every string in a summary, but scores, reasons and ``omitted``."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from text_fields(item, f"{path}[{index}]")
    elif isinstance(value, dict) and not {"score", "reason"} <= set(value):
        for key, item in value.items():
            if key != "omitted":
                yield from text_fields(item, f"{path}.{key}" if path else key)


def unsupported(content: dict[str, Any], source: Source) -> list[Claim]:
    return [claim for claim in claims(content) if not source.supports(claim)]


_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|(?<=[。！？；])\s*")  # "93.6%" is no end


def without(content: dict[str, Any], bad: list[Claim]) -> tuple[dict[str, Any], list[dict]]:
    """``content`` with every sentence that carries one of ``bad`` removed from its field
    (a list item left empty goes); and what was removed, for the data file."""
    removed: list[dict] = []

    def clean(value: Any, path: str) -> Any:
        if isinstance(value, str):
            mine = [c for c in bad if c.field == path]
            if not mine:
                return value
            kept = []
            for sentence in filter(None, _SENTENCE_END.split(value)):
                carried = [c.text for c in mine if c.text in normalize(sentence)]
                if carried:
                    removed.append({"field": path, "sentence": sentence, "claims": carried})
                else:
                    kept.append(sentence)
            return " ".join(kept).strip()
        if isinstance(value, list):
            cleaned = [clean(item, f"{path}[{i}]") for i, item in enumerate(value)]
            return [item for item in cleaned if item not in ("", None)]
        if isinstance(value, dict) and not {"score", "reason"} <= set(value):
            return {
                key: item if key == "omitted" else clean(item, f"{path}.{key}" if path else key)
                for key, item in value.items()
            }
        return value

    return clean(content, ""), removed


# --- What the summarizer does with it -----------------------------------------------------


def source_of(paper: Any, material: str | None = None) -> Source:
    """What a summary of ``paper`` may quote: its title, abstract, comment, authors and
    organization, and the full text when the model read it."""
    return Source.of(
        paper.title,
        paper.abstract,
        paper.comment,
        ", ".join(paper.authors),
        paper.organization,
        material,
    )


def repair_request(bad: list[Claim]) -> str:
    listed = "; ".join(sorted({claim.text for claim in bad}))
    return (
        f"These figures and names are not in the paper's text: {listed}. Answer again with "
        "the same JSON object: leave them out, or use the figures and names the text gives; "
        "keep everything else as it was."
    )


def settle(content: dict[str, Any], optional: set[str], reason: str) -> dict[str, Any]:
    """An optional field that removal left empty is left out, saying why (as a section the
    model could not write is); a required one stays empty and fails validation."""
    settled = dict(content)
    for name in optional:
        if name in settled and settled[name] in ("", [], {}):
            settled[name] = None if not isinstance(settled[name], list) else []
            settled.setdefault("omitted", {})
            settled["omitted"] = {**settled["omitted"], name: reason}
    return settled


def record(
    found: list[Claim],
    first: list[Claim],
    still: list[Claim],
    removed: list[dict],
) -> dict[str, Any]:
    """For the data file: every claim of the first reply with its verdict and what was done
    (kept, repaired by the second call, removed with its sentence), and the counts."""
    bad_keys = {(c.field, c.key) for c in first}
    left = {c.key for c in still}
    claims_seen = []
    for claim in found:
        supported = (claim.field, claim.key) not in bad_keys
        action = "kept" if supported else ("removed" if claim.key in left else "repaired")
        claims_seen.append(
            {"field": claim.field, "claim": claim.text, "kind": claim.kind,
             "verdict": "supported" if supported else "unsupported", "action": action}
        )  # fmt: skip
    return {
        "claims": claims_seen,
        "found": len(first),
        "repaired": len({c.key for c in first} - left),
        "removed": len(still),
        "removed_sentences": removed,
    }
