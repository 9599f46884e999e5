"""Pure text clean-up for whatever the sources and the LLM send us."""

from __future__ import annotations

import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff]")
_SPACES = re.compile(r"\s+")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


def strip_controls(text: str) -> str:
    """Drop NUL and other control characters; keep newlines and tabs."""
    return _CONTROL.sub("", text)


def one_line(text: str | None) -> str:
    """Collapse every run of whitespace (hard wraps, doubled spaces) into one space."""
    if not text:
        return ""
    return _SPACES.sub(" ", strip_controls(unicodedata.normalize("NFC", text))).strip()


def paragraphs(text: str | None) -> list[str]:
    """Split an abstract into paragraphs: blank lines separate, single hard wraps join."""
    if not text:
        return []
    cleaned = strip_controls(unicodedata.normalize("NFC", text)).replace("\r\n", "\n")
    return [line for line in (one_line(p) for p in _PARAGRAPH_BREAK.split(cleaned)) if line]


def base_arxiv_id(raw: str) -> tuple[str, int | None]:
    """``http://arxiv.org/abs/2501.00001v2`` -> ("2501.00001", 2); old ids keep their slash."""
    identifier = raw.strip().rsplit("/abs/", 1)[-1].removeprefix("arXiv:").removeprefix("oai:")
    identifier = identifier.removeprefix("arXiv.org:")
    match = re.match(r"^(.*?)v(\d+)$", identifier)
    if match:
        return match.group(1), int(match.group(2))
    return identifier, None


def safe_filename(arxiv_id: str) -> str:
    """Old-style ids (``hep-th/9901002``) contain a slash; file names must not."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", arxiv_id)


_TAG = re.compile(r"<[A-Za-z/!?][^<>]*>")
_TAG_OPENING = re.compile(r"<(?=[A-Za-z/!?])")
_DELIMITER = re.compile(r"\{(?=[{%#<])|(?<=[}%#>])\}")


def inert(text: str | None) -> str:
    """One line of plain text that a theme may print unescaped: no HTML tag (nor the start
    of one), no template delimiter (``{{``, ``{%``, ``{#``, ``{{<`` and their ends), no
    control character. What reads as text stays: ``a < b``, ``{x}``, ``5 > 3``."""
    line = one_line(text)
    while True:  # "<scr<b>ipt>" must not come back together as "<script>"
        shorter = _DELIMITER.sub("", _TAG.sub("", line))
        if shorter == line:
            break
        line = shorter
    return _TAG_OPENING.sub("", line).strip()
