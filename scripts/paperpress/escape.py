"""Make outside text (titles, abstracts, LLM replies) inert inside a Markdown post.

The rendered page must show the text exactly as written, and the text must never open
structure of its own: no raw HTML, no code fence or heading, no link, no Nunjucks tag
(Hexo renders ``{{ }}``, ``{% %}`` and ``{# #}`` in post bodies) and no Hugo shortcode
(``{{< >}}``, ``{{% %}}``). Backslash escapes keep LaTeX intact: ``a\\_i`` renders as
``a_i``, which is what MathJax or KaTeX reads from the page.

Braces are backslash-escaped too (``\\{``, and a ``%`` right after one as ``\\%``), so the
Markdown source holds no ``{{``, ``{%`` or ``{#`` for Nunjucks or Hugo to read. Character
references would do the same for the page, but Hugo and Hexo make heading ids from the
source text, and ``&#123;`` left ``-123-`` in every id.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from paperpress.text import one_line, paragraphs

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# "#" anywhere, not only first: a heading's trailing " #" is a closing sequence Markdown drops.
_BACKSLASHED = set("\\`*_[]~|#{}")
_BLOCK_START = re.compile(r"^([-+=]|\d+[.)])")


_TEX_TEXT_ESCAPES = re.compile(r"\\([%&])")


def md_inline(text: str | None) -> str:
    """One line of plain text as Markdown that renders to exactly that text (except TeX's
    ``\\%`` and ``\\&``, which abstracts carry and readers should see as ``%`` and ``&``)."""
    out = []
    previous = ""
    for char in _TEX_TEXT_ESCAPES.sub(r"\1", one_line(text)):
        if char in _ENTITIES:
            out.append(_ENTITIES[char])
        elif char in _BACKSLASHED or (char == "%" and previous == "{"):  # "\{%" is still "{%"
            out.append("\\" + char)
        else:
            out.append(char)
        previous = char
    escaped = "".join(out)
    # A paragraph starting with "-", "1." ... would become a list (or "=", "-" a setext line).
    return _BLOCK_START.sub(lambda m: m.group(0)[:-1] + "\\" + m.group(0)[-1], escaped, count=1)


_ALT_SPECIAL = set("\\`*_[]~|#!-+=:&<>{}\"'")


def md_alt(text: str | None) -> str:
    """Image alt text: like ``md_inline`` but with character references only, because some
    renderers (hexo-renderer-marked) copy the alt text raw, where a backslash would show."""
    return "".join(f"&#{ord(c)};" if c in _ALT_SPECIAL else c for c in one_line(text))


def md_paragraphs(text: str | None) -> str:
    """Multi-paragraph text (an abstract): each paragraph escaped, blank lines between."""
    return "\n\n".join(md_inline(paragraph) for paragraph in paragraphs(text))


def md_url(url: str | None) -> str | None:
    """An http(s) URL, or a path on the blog's own site (``/images/x.webp``), made safe
    inside ``[text](url)``; None for anything else (``javascript:``, ``//host`` ...)."""
    cleaned = one_line(url)
    try:
        parts = urlsplit(cleaned)
    except ValueError:  # "http://[x" (a bad IPv6 host), a netloc that NFKC changes ...
        return None
    # "//host" is a link to another host (protocol-relative), not a site path
    site_path = not parts.scheme and cleaned.startswith("/") and not cleaned.startswith("//")
    site_path = site_path and not parts.netloc
    if not site_path and (parts.scheme not in ("http", "https") or not parts.netloc):
        return None
    return quote(cleaned, safe=":/?#@!$&*+,;=%~-._[]")


def plain(text: str | None, limit: int | None = None) -> str:
    """A single clean line for front matter; cut at ``limit`` characters with an ellipsis."""
    line = one_line(text)
    if limit is not None and len(line) > limit:
        return line[: limit - 1].rstrip() + "…"
    return line
