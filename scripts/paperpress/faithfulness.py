"""The faithfulness guard's check, pure: no figure and no name in a summary that its
source lacks (what the summarizer does about one is ``guard``'s).

A claim is a number with a unit or suffix (``37%``, ``11.1×``, ``7B``, ``15 ms``,
``2.5 GB``, ``5×5``), with a decimal point or a thousands separator (``0.85``, ``1,000``),
or a count of 100 or more that is no year or reference (``1000 GPUs``, not ``2024`` or
``Table 101``); or a name that looks like a model, dataset or benchmark (``ImageNet``,
``MMLU``, ``GPT-4o``, ``Qwen2.5-VL``). Both sides are normalized before the look-up: NFKC
(full-width digits), LaTeX (``$93.6\\%$``), spacing (``90.8 %``), ``×``/``x``/``times``/
``倍``, sizes (``5×5`` = ``5 x 5``), thousands separators, K/M/B (``万``/``亿``) counts,
and names in any case and with any separators (``GPT4o`` = ``gpt-4o``), so a Chinese
summary that quotes the paper's Arabic figures is checked like an English one. An acronym
is supported as written, or (three letters or more) when adjacent words of the source
spell it out (``LMMs``: "large multimodal models"). Scores and their reasons are not claims.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cached_property
from itertools import accumulate, filterfalse
from operator import itemgetter
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
_UNIT_CLASS = {spelling: unit for unit, spellings in _UNITS.items() for spelling in spellings}


def _spelling(word: str) -> str:
    """A unit's pattern: a word unit ends where the word does ("5 s", not "5 steps")."""
    return re.escape(word) + ("(?![a-z0-9])" if word[-1].isascii() and word[-1].isalpha() else "")


# One pass finds a number with what follows it: a size (5x5, 224 × 224) or a unit.
_NUMBER = re.compile(
    # "(?<![A-Za-z0-9._])" in front, written after the first character: a pattern that
    # starts with a character class lets the engine skip to the digits (2.5 times faster)
    r"([0-9.](?<![A-Za-z0-9._][0-9.])(?:(?<=[0-9])[0-9]*(?:,[0-9]+)*(?:\.[0-9]+)?|(?<=\.)[0-9]+))"
    rf"(?:((?:\s*[x×]\s*{_DIGITS})+)(?![A-Za-z0-9]|\.[0-9])"
    rf"|\s*({'|'.join(map(_spelling, _UNIT_CLASS))}))?",
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


def _key(digits: str, size: str, unit: str) -> tuple[str, str]:
    """("value", "unit class") of one number found: "7B" is ("7000000000", "n")."""
    if size:
        sides = [digits, *_SIZE_SEPARATOR.split(size.strip())[1:]]
        return "x".join(_value(side) for side in sides), "size"
    unit = _UNIT_CLASS[unit.lower()] if unit else "n"
    if unit in _SCALE:
        try:
            scaled = Decimal(digits.replace(",", "")) * _SCALE[unit]
        except InvalidOperation:
            return _value(digits), "n"
        return format(scaled.normalize(), "f"), "n"
    return _value(digits), _CLASS.get(unit, unit)


def _is_list(digits: str) -> bool:
    """ "3,4" is two numbers, "1,000" one."""
    return "," in digits and not _THOUSANDS.fullmatch(digits)


def numbers(text: str) -> Iterator[tuple[str, str, bool]]:
    """(as written, key, is a claim) for every number in ``text`` (normalized already);
    not the digits inside a name ("Qwen2.5", "GPT-4o" stays a name). A claim has a unit, a
    decimal point or a thousands separator, is a size, or is a count of 100 or more that
    is not a year or a reference (Section 123)."""
    for match in _NUMBER.finditer(text):
        digits, size, unit = match.groups()
        if _is_list(digits):
            for part in digits.split(","):
                yield part, f"{_value(part)}|n", False
            continue
        value, unit_class = _key(digits, size, unit)
        if size or unit or "." in digits or "," in digits:
            claim = True
        else:
            claim = _counts(text, match.start(), int(digits))
        yield match.group(0), f"{value}|{unit_class}", claim


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
    for digits, size, unit in set(_NUMBER.findall(text)):  # each spelling once
        if _is_list(digits):
            keys = [(_value(part), "n") for part in digits.split(",")]
        else:
            keys = [_key(digits, size, unit)]
            if size:
                keys += [(side, "n") for side in keys[0][0].split("x")]
        for value, unit_class in keys:
            found.setdefault(value, set()).add(unit_class)
    return found


# What else supports a figure of a unit: "12.5 percentage points" is often "12.5 points"
# or "+12.5%" in the paper; a bare number ("1,000") is supported by its value in any unit.
_SAME = {"pp": ["pp", "%", "n"], "%": ["%", "pp"]}


# Words an acronym leaves out ("reinforcement learning from human feedback" is RLHF); they
# may sit inside the run of words that spells it, but give it no letter.
_FUNCTION_WORDS = {
    "of", "and", "the", "for", "in", "on", "to", "a", "an", "with", "via", "by", "from", "at",
    "as", "or", "is", "are", "was", "were", "be", "been", "we", "our", "it", "its", "this",
    "that", "these", "those", "which", "can", "than", "such", "not", "also", "both", "each",
    "into", "over", "while", "how", "what", "when", "where", "who", "has", "have", "do", "does",
    "their", "they", "but", "if", "so", "then", "thus", "only", "all", "any", "no", "e", "g",
    "i", "vs",
}  # fmt: skip
# The words, and what ends a run of them: punctuation, and a full stop before a space
# (not a hyphen, a space, or the "." of "Qwen2.5", which join the parts of one name).
_TOKEN = re.compile(r"[a-z0-9]+|[^a-z0-9\s\-_./]|\.(?=\s)")


class Source:
    """What a summary was made from, indexed once for the look-ups of every claim: its
    figures when made (under a millisecond for a topic's 24,000-character full text), the
    words and initials when a name not found as written first needs them (about one more);
    devtools/checkbench.py times it."""

    def __init__(self, text: str) -> None:
        self.text = normalize(text)
        self.casefolded = self.text.casefold()
        self.units = _units(self.casefolded)
        self._verdicts: dict[tuple[str, str], bool] = {}

    @classmethod
    def of(cls, *texts: str | None) -> Source:
        """The texts as one source; no run of words crosses from one into the next."""
        return cls("\n|\n".join(t for t in texts if t))

    def supports(self, claim: Claim) -> bool:
        """Whether the source has ``claim`` (a summary repeats its figures: each is looked
        up once)."""
        verdict = self._verdicts.get((claim.text, claim.key))
        if verdict is None:
            verdict = self._verdicts[claim.text, claim.key] = self._supports(claim)
        return verdict

    def _supports(self, claim: Claim) -> bool:
        if claim.kind == "number":
            value, unit = claim.key.split("|")
            units = self.units.get(value)
            return bool(units) and (unit == "n" or not units.isdisjoint(_SAME.get(unit, [unit])))
        text = claim.text
        singular = text[:-1] if text[-1] == "s" and text[:-1].isupper() else text
        if singular.isalpha() and singular.isupper() and len(singular) <= 3:
            found = _has_word(self.text, singular)  # "IT" is not "it"
        elif "_words" in self.__dict__:  # made already: one look-up does
            found = self.has_name(claim.key)
        else:  # most names are there as written: no index needed
            found = _has_word(self.casefolded, text.casefold()) or self.has_name(claim.key)
        return found or self.spells(singular)

    def has_name(self, key: str) -> bool:
        """A run of whole words that reads ``key`` (a name's letters and digits, casefolded)
        when joined, with any separators: "gpt4o" is GPT-4o, GPT4o or "gpt 4o", but not in
        "GPT-4obis"; a plural (GPT-4os, LLMs) counts as its singular."""
        key = key[:-1] if key.endswith("s") and key[:-1] else key
        if key not in self._squeezed:  # no run of words reads it either: the common miss
            return False
        joined, bounds = self._words
        start = joined.find(key)
        while start >= 0:
            end = start + len(key)
            if start in bounds and (
                end in bounds or (joined[end : end + 1] == "s" and end + 1 in bounds)
            ):
                return True
            start = joined.find(key, start + 1)
        return False

    def spells(self, name: str) -> bool:
        """Whether ``name`` is an acronym (capitals at least half its letters, three or more)
        that adjacent words of the source spell out: LMM, "large multimodal models"; a
        comma or a full stop ends the run. A random three-letter acronym passes against a
        long text about one time in ten; a made-up one of two letters never does."""
        letters = name.replace("-", "")
        capitals = "".join(c for c in letters if c.isupper()).lower()
        if len(capitals) < 3 or not letters.isalpha() or 2 * len(capitals) < len(letters):
            return False
        return capitals in self._initials

    @cached_property
    def _squeezed(self) -> str:
        return self.casefolded.translate(_SEPARATORS)

    @cached_property
    def _tokens(self) -> list[str]:
        return _TOKEN.findall(self.casefolded)

    @cached_property
    def _words(self) -> tuple[str, frozenset[int]]:
        """The words (and what ends a run) joined, and where each starts in that string."""
        tokens = self._tokens
        return "".join(tokens), frozenset(accumulate(map(len, tokens), initial=0))

    @cached_property
    def _initials(self) -> str:
        """The initials of all but function words, with what ends a run kept: "large
        language models (llms), for the" is "llm(l),"."""
        kept = filterfalse(_FUNCTION_WORDS.__contains__, self._tokens)
        return "".join(map(itemgetter(0), kept))


def _has_word(text: str, word: str) -> bool:
    """``word`` in ``text`` as a word of its own (or its plural), by ASCII letters and digits:
    "MMLU" in "在MMLU上" and "MMLU-Pro", not in "MMLUX"."""
    start = text.find(word)
    while start >= 0:
        end = start + len(word)
        end += text[end : end + 1] == "s"
        if not (_is_alnum(text, start - 1) or _is_alnum(text, end)):
            return True
        start = text.find(word, start + 1)
    return False


def _is_alnum(text: str, index: int) -> bool:
    return 0 <= index < len(text) and text[index].isascii() and text[index].isalnum()


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
