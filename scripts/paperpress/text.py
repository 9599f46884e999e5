"""Pure text clean-up for whatever the sources and the LLM send us."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# C0/C1 controls, line/paragraph separators, the BOM, and the bidirectional marks,
# embeddings, overrides and isolates (U+200E/F, U+061C, U+202A..U+202E, U+2066..U+2069),
# which can make text read otherwise than it is ("Trojan Source"); and lone surrogates,
# which JSON can carry ("\ud800") and UTF-8 cannot: writing one would end the run.
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029"
    r"\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]"
)
_SPACES = re.compile(r"\s+")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


def strip_controls(text: str) -> str:
    """Drop NUL, other control characters and bidirectional controls; keep newlines, tabs."""
    return _CONTROL.sub("", text)


# TeX commands that make links, styles, attributes or raw HTML once MathJax runs, or that
# load the extensions that do (MathJax 3: html's \href \class \style \cssId, base's
# \mmlToken with its href=, style=, class= and id= attributes, bbox's style option,
# action's tooltips and toggles, unicode's font, \require, setoptions): their backslash
# becomes a full-width one, which reads the same and that MathJax takes for a plain character.
_ACTIVE_TEX = re.compile(
    r"\\(?=(?:href|url|style|class|cssId|html[A-Za-z]*|require|unicode|data|attr|mmlToken"
    r"|bbox|texttip|mathtip|toggle|setOptions)(?![A-Za-z]))"
)


def tex_safe(text: str) -> str:
    """``text`` with TeX's link, style and HTML commands neutralized (``\\href`` ...)."""
    return _ACTIVE_TEX.sub("\uff3c", text)


_UNTIDY = re.compile(r"[^\S ]|  |^ | $")  # any whitespace one_line would change


def one_line(text: str | None) -> str:
    """Collapse every run of whitespace (hard wraps, doubled spaces) into one space."""
    if not text:
        return ""
    # Most text is tidy already (a Paper cleans its fields each time it is made): say so
    # cheaply, without building three new strings.
    tidy = not _UNTIDY.search(text) and not _CONTROL.search(text)
    if tidy and unicodedata.is_normalized("NFC", text):
        return text
    return _SPACES.sub(" ", strip_controls(unicodedata.normalize("NFC", text))).strip()


# Where an autolinker starts a link: marked's GFM autolinks (Hexo) and goldmark's linkify
# (Hugo) link http(s) and ftp URLs and www. addresses, marked even in the middle of a word.
URL_START = re.compile(r"(?i)(?:https?|ftp)://|www\.")
_SPACE = re.compile(r"\s")
_TRAILING = frozenset("?!.,:*_~'\";")


def url_at(text: str, start: int) -> str:
    """The URL an autolinker takes from ``start`` (where ``URL_START`` matches): up to the
    next whitespace, less trailing punctuation and unmatched ``)`` as GFM trims them. Not
    up to a ``<``, as GFM says: a post writes it as ``&lt;``, which ends no link."""
    space = _SPACE.search(text, start)
    url = text[start : space.start() if space else len(text)]
    while url and (url[-1] in _TRAILING or (url[-1] == ")" and url.count(")") > url.count("("))):
        url = url[:-1]
    return url


def urls_in(*texts: str | None) -> frozenset[str]:
    """The URLs (``url_at``) an autolinker would link in ``texts``."""
    found = set()
    for text in texts:
        position = 0
        while match := URL_START.search(text or "", position):
            url = url_at(text or "", match.start())
            if len(url) > len(match.group(0)):
                found.add(url)
            position = match.start() + max(len(url), len(match.group(0)))
    return frozenset(found)


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
    match = re.fullmatch(r"(.*?)v([0-9]+)", identifier)
    if match:
        return match.group(1), int(match.group(2))
    return identifier, None


# ASCII digits only: "\d" takes Arabic-Indic and full-width ones too.
ARXIV_ID = re.compile(r"(?:[0-9]{4}\.[0-9]{4,5}|[a-z][a-z-]*(?:\.[A-Z]{2})?/[0-9]{7})")


def is_arxiv_id(arxiv_id: str) -> bool:
    """A base id of either style arXiv uses: ``2501.00001`` (2007 on) or ``hep-th/9901002``."""
    return bool(ARXIV_ID.fullmatch(arxiv_id))


def safe_filename(arxiv_id: str) -> str:
    """A file name for an id, different for different ids and never hidden: an old-style
    id's ``/`` becomes ``_`` (no arXiv id has one), any other character outside
    ``[A-Za-z0-9.-]`` and a leading ``.`` become ``%XX`` per UTF-8 byte (two hex digits
    each: a code point's own number is not, and U+0FF1 "2" read as U+FF12)."""
    name = "".join(
        "_" if char == "/" else char if char.isascii() and (char.isalnum() or char in ".-")
        else "".join(f"%{byte:02X}" for byte in char.encode("utf-8", "surrogatepass"))
        for char in arxiv_id
    )  # fmt: skip
    return "%2E" + name[1:] if name.startswith(".") else name or "%"


def printable(text: str | None) -> str:
    """Outside text on one line of a log: no newline (a new line could start a GitHub
    workflow command) and no ``::`` (how one starts; ``:::`` too)."""
    return _DOUBLE_COLON.sub(": ", one_line(text))


_DOUBLE_COLON = re.compile(r":(?=:)")


_TAG = re.compile(r"<[A-Za-z/!?][^<>]*>")
_TAG_OPENING = re.compile(r"<(?=[A-Za-z/!?])")
_DELIMITER = re.compile(r"\{(?=[{%#<])|(?<=[}%#>])\}")


def inert(text: str | None) -> str:
    """One line of plain text that a theme may print unescaped: no HTML tag (nor the start
    of one), no template delimiter (``{{``, ``{%``, ``{#``, ``{{<`` and their ends), no
    control character. What reads as text stays: ``a < b``, ``{x}``, ``5 > 3``."""
    line = tex_safe(one_line(text))
    while True:  # "<scr<b>ipt>" must not come back together as "<script>"
        shorter = _DELIMITER.sub("", _TAG.sub("", line))
        if shorter == line:
            break
        line = shorter
    return _TAG_OPENING.sub("", line).strip()


def error_text(text: str, most: int = 500) -> str:
    """An error's text as a data file keeps it: ``printable`` (an error may quote a reply or
    an error body), within ``most`` characters."""
    return cut(printable(text), most)


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every secret in it (an API key, a token) replaced: a provider that
    echoes the key in its error body must not get it into a log or a data file."""
    for secret in secrets:
        if secret and len(secret) >= 6:
            text = text.replace(secret, "[redacted]")
    return text


_SENTENCE_ENDS = (". ", "! ", "? ", "。", "！", "？", "; ", "；")


def cut(text: str, most: int) -> str:
    """``text`` within ``most`` characters: at the last sentence end that keeps half of it,
    else at a space, with an ellipsis. An LLM reply of 200 KB must not make a 9 MB post."""
    if len(text) <= most:
        return text
    head = text[: most - 1]
    end = max(head.rfind(mark) + len(mark.rstrip()) for mark in _SENTENCE_ENDS)
    if end >= most // 2:
        return head[:end].rstrip()
    space = head.rfind(" ")
    return (head[:space] if space >= most // 2 else head).rstrip() + "…"
