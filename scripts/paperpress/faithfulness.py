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
_DIGITS = r"(?:[0-9]+(?:,[0-9]+)*(?:\.[0-9]+)?|\.[0-9]+)"
_UNITS = {  # unit class -> its spellings after a number, in any case
    "pct": ["%", "percent", "per cent"],
    "pp": ["percentage points", "percentage point", "pp", "个百分点", "百分点"],
    "x": ["×", "x", "-fold", "fold", "times", "倍"],
    "ms": ["ms", "milliseconds", "millisecond", "毫秒"],
    "s": ["s", "sec", "secs", "seconds", "second", "秒"],
    "min": ["min", "mins", "minutes", "minute", "分钟"],
    "h": ["h", "hr", "hrs", "hours", "hour", "小时"],
    "d": ["days", "day", "天"],
    "kb": ["kb", "kib"], "mb": ["mb", "mib"], "gb": ["gb", "gib"], "tb": ["tb", "tib"],
    "k": ["k", "thousand"], "wan": ["万"], "m": ["m", "million"], "yi": ["亿"],
    "b": ["b", "billion"], "t": ["t", "trillion"],
}  # fmt: skip
_SCALE = {"k": 10**3, "wan": 10**4, "m": 10**6, "yi": 10**8, "b": 10**9, "t": 10**12}
_CLASS = {"pct": "%", **{name: "n" for name in _SCALE}}  # the rest: their own name


def _spelling(word: str) -> str:
    """A unit's pattern: a word unit ends where the word does ("5 s", not "5 steps")."""
    return re.escape(word) + ("(?![a-z0-9])" if word[-1].isascii() and word[-1].isalpha() else "")


# One pass finds a number with what follows it: a size (5x5, 224 × 224) or a unit.
_NUMBER = re.compile(
    rf"(?<![A-Za-z0-9._])(?P<digits>{_DIGITS})"
    rf"(?:(?P<by>(?:\s*[x×]\s*{_DIGITS})+)(?![A-Za-z0-9]|\.[0-9])|\s*(?:"
    + "|".join(f"(?P<{name}>{'|'.join(map(_spelling, words))})" for name, words in _UNITS.items())
    + "))?",
    re.IGNORECASE,
)
_THOUSANDS = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")
_SIZE_SEPARATOR = re.compile(r"\s*[x×]\s*", re.IGNORECASE)
# A bare 123 after these is a reference, not a count: Section 123, Table 101, 图 100
_REFERENCE = re.compile(
    r"(?:(?<![A-Za-z])(?:sec(?:tion)?s?|fig(?:ure)?s?|tab(?:le)?s?|eqs?|equations?|appendix|"
    r"alg(?:orithm)?|lines?|pages?|pp?|chapters?|refs?)|§|图|表|式|第|章|节|页)\.?\s*\(?$"
    r"|[A-Za-z]-$",
    re.IGNORECASE,
)
_NAME = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z0-9]*(?:[-./][A-Za-z0-9]+)*(?![A-Za-z0-9])")
_SMALL_WORDS = {"of", "and", "the", "for", "in", "on", "to", "a", "an", "with", "via", "by"}
# Words too common to check, and units ("2.5 GB" is checked as one figure).
GENERIC = {
    "AI", "ML", "DL", "NLP", "CV", "LM", "LLM", "VLM", "MLLM", "LVLM", "RL", "SOTA", "GPU",
    "CPU", "TPU", "API", "UI", "GUI", "QA", "RAG", "MoE", "CoT", "SFT", "RLHF", "DPO", "PhD",
    "URL", "HTTP", "JSON", "OCR", "ASR", "TTS", "AGI", "IoT", "SQL", "CNN", "RNN", "GAN",
    "VAE", "MLP", "ViT", "LoRA", "KV", "FLOPs", "TL", "DR", "arXiv", "GitHub", "PyTorch",
    "KB", "MB", "GB", "TB", "KiB", "MiB", "GiB", "TiB", "FPS", "GFLOPs", "TFLOPs",
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


def _value(digits: str) -> str:
    """``digits`` as a canonical decimal: "1,000" and "1000.0" are "1000", ".5" is "0.5"."""
    value = digits.replace(",", "")
    if "." in value:
        value = value.rstrip("0").rstrip(".")
    value = value.lstrip("0") or "0"
    return "0" + value if value.startswith(".") else value


def _key(match: re.Match[str]) -> tuple[str, str]:
    """("value", "unit class") of one number found: "7B" is ("7000000000", "n")."""
    digits, unit = match.group("digits"), _unit(match)
    if match.group("by"):
        sides = [digits, *_SIZE_SEPARATOR.split(match.group("by").strip())[1:]]
        return "x".join(_value(side) for side in sides), "size"
    if unit in _SCALE:
        try:
            scaled = Decimal(digits.replace(",", "")) * _SCALE[unit]
        except InvalidOperation:
            return _value(digits), "n"
        return format(scaled.normalize(), "f"), "n"
    return _value(digits), _CLASS.get(unit or "", unit or "n")


def numbers(text: str) -> Iterator[tuple[str, str, bool]]:
    """(as written, key, is a claim) for every number in ``text`` (normalized already);
    not the digits inside a name ("Qwen2.5", "GPT-4o" stays a name). A claim has a unit, a
    decimal point or a thousands separator, is a size, or is a count of 100 or more that
    is not a year or a reference (Section 123); "3,4" is a list of two numbers."""
    for match in _NUMBER.finditer(text):
        digits = match.group("digits")
        if "," in digits and not _THOUSANDS.fullmatch(digits):
            for part in digits.split(","):
                yield part, f"{_value(part)}|n", False
            continue
        value, unit = _key(match)
        if unit == "n" and _unit(match) is None and "." not in digits and "," not in digits:
            claim = _counts(text, match.start(), int(digits))
        else:
            claim = True
        yield match.group(0), f"{value}|{unit}", claim


def _unit(match: re.Match[str]) -> str | None:
    """The name of the unit's group (``_UNITS``), if a unit follows the number."""
    return None if match.lastgroup in ("digits", "by") else match.lastgroup


def _counts(text: str, start: int, number: int) -> bool:
    """Whether a bare integer is a count worth checking: 1000 GPUs, not 2024 or Table 101."""
    if number < 100 or 1900 <= number <= 2100:
        return False
    return not _REFERENCE.search(text, max(0, start - 12), start)


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


def _units(text: str) -> dict[str, set[str]]:
    """The unit classes each value has in ``text``; a size's sides count as numbers too."""
    found: dict[str, set[str]] = {}
    for match in _NUMBER.finditer(text):
        value, unit = _key(match)
        found.setdefault(value, set()).add(unit)
        if unit == "size":
            for side in value.split("x"):
                found.setdefault(side, set()).add("n")
    return found


# What else supports a figure of a unit: "12.5 percentage points" is often "12.5 points"
# or "+12.5%" in the paper; a bare number ("1,000") is supported by its value in any unit.
_SAME = {"pp": ["pp", "%", "n"], "%": ["%", "pp"]}


class Source:
    """What a summary was made from, indexed for the look-ups (under 5 ms for a full text;
    the word list for acronyms is made only when one needs it)."""

    def __init__(self, text: str) -> None:
        self.casefolded = normalize(text).casefold()
        self.units = _units(self.casefolded)
        self.compact = _compact(self.casefolded)
        self._words: list[str] | None = None

    @classmethod
    def of(cls, *texts: str | None) -> Source:
        return cls(" \n ".join(t for t in texts if t))

    def supports(self, claim: Claim) -> bool:
        if claim.kind == "number":
            value, unit = claim.key.split("|")
            units = self.units.get(value)
            return bool(units) and (unit == "n" or not units.isdisjoint(_SAME.get(unit, [unit])))
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
