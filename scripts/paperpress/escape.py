"""Make outside text (titles, abstracts, LLM replies) inert inside a Markdown post.

The rendered page must show the text exactly as written, and the text must never open
structure of its own: no raw HTML, no code fence or heading, no link, no Nunjucks tag
(Hexo renders ``{{ }}``, ``{% %}`` and ``{# #}`` in post bodies) and no Hugo shortcode
(``{{< >}}``, ``{{% %}}``). Backslash escapes keep LaTeX intact: ``a\\_i`` renders as
``a_i``, which is what MathJax or KaTeX reads from the page.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from paperpress.text import one_line, paragraphs

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "{": "&#123;", "}": "&#125;"}
_BACKSLASHED = set("\\`*_[]~|")
_BLOCK_START = re.compile(r"^(#|[-+=]|\d+[.)])")


_TEX_TEXT_ESCAPES = re.compile(r"\\([%&])")


def md_inline(text: str | None) -> str:
    """One line of plain text as Markdown that renders to exactly that text (except TeX's
    ``\\%`` and ``\\&``, which abstracts carry and readers should see as ``%`` and ``&``)."""
    out = []
    for char in _TEX_TEXT_ESCAPES.sub(r"\1", one_line(text)):
        if char in _ENTITIES:
            out.append(_ENTITIES[char])
        elif char in _BACKSLASHED:
            out.append("\\" + char)
        else:
            out.append(char)
    escaped = "".join(out)
    # A paragraph starting with "#", "-", "1." ... would become a heading or a list.
    return _BLOCK_START.sub(lambda m: m.group(0)[:-1] + "\\" + m.group(0)[-1], escaped, count=1)


def md_paragraphs(text: str | None) -> str:
    """Multi-paragraph text (an abstract): each paragraph escaped, blank lines between."""
    return "\n\n".join(md_inline(paragraph) for paragraph in paragraphs(text))


def md_url(url: str | None) -> str | None:
    """An http(s) URL safe inside ``[text](url)``, or None for anything else."""
    cleaned = one_line(url)
    parts = urlsplit(cleaned)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return quote(cleaned, safe=":/?#@!$&*+,;=%~-._[]")


def plain(text: str | None, limit: int | None = None) -> str:
    """A single clean line for front matter; cut at ``limit`` characters with an ellipsis."""
    line = one_line(text)
    if limit is not None and len(line) > limit:
        return line[: limit - 1].rstrip() + "…"
    return line
