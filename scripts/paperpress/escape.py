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

Which ``$`` opens math (pandoc's ``tex_math_dollars`` rule, paired the way MathJax pairs):

- ``$$`` opens display math, closed by the next ``$$`` outside braces; it must hold more
  than spaces.
- ``$`` opens inline math if the character after it is not a space. It closes at the next
  ``$`` outside braces, if the character before that one is not a space and the character
  after it is not a digit; otherwise this ``$`` opens nothing.
- ``\\$`` is a dollar, never a delimiter (like ``\\%`` and ``\\&`` outside math).

So ``$\\alpha$``, ``$360^\\circ$`` and ``$$E = mc^2$$`` are math, and in "costs $5 and $10"
neither ``$`` is. MathJax (as the example blogs configure it) would pair those two, so
every ``$`` that opens no math reaches the page as ``\\$``, which MathJax's
``processEscapes`` shows as ``$`` (and a backslash MathJax would read as an escape, as
``\\\\``). Math itself is passed through as written, ``\\%`` and ``\\&`` included.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from urllib.parse import quote, urlsplit

from paperpress.text import URL_START, one_line, paragraphs, tex_safe, url_at

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# "#" anywhere, not only first: a heading's trailing " #" is a closing sequence Markdown drops.
_BACKSLASHED = set("\\`*_[]~|#{}")
_BLOCK_START = re.compile(r"^([-+=]|\d+[.)])")
# TeX's escapes in running text, which readers should see as the character itself.
_TEX_TEXT_ESCAPE = re.compile(r"\\(.)")
_TEX_TEXT_CHARACTERS = set("$%&")


def md_inline(text: str | None, *, math: bool = True, urls: Collection[str] = frozenset()) -> str:
    """One line of plain text as Markdown that renders to exactly that text, as MathJax
    shows it: math (by the rule above) typeset, every other ``$`` a dollar, and TeX's
    ``\\$``, ``\\%`` and ``\\&`` outside math shown as ``$``, ``%`` and ``&``. TeX that
    would make a link or a style (``\\href``, ``\\style`` ...) is neutralized.

    A bare URL becomes a link only if it is one of ``urls`` (the paper's own), as the
    autolinkers take it (``text.url_at``): Hugo's linkify and marked's GFM autolinks would
    link any other, so its ``://`` (or ``www.``) is written as character references, which
    read the same and link nothing; so is the ``@`` of an e-mail address, for any.

    ``math=False`` is for pages without MathJax (Hugo's list pages show ``summary``):
    the dollars stay bare, as a reader should see them there."""
    line = _unlinked(tex_safe(one_line(text)), urls)
    pieces = math_pieces(line)
    shown = []
    for index, (piece, is_math) in enumerate(pieces):
        if is_math:
            shown.append(piece)
            continue
        piece = _TEX_TEXT_ESCAPE.sub(_tex_text, piece)
        before_math = index + 1 < len(pieces)  # what follows a piece of text is math
        shown.append(_mathjax_text(piece, before_math) if math else piece)
    return _markdown("".join(shown)).translate(_REFERENCES)


# Private-use stand-ins until the text is escaped, then character references.
_COLON, _DOT, _AT = "\ue000", "\ue001", "\ue002"
_REFERENCES = str.maketrans({_COLON: "&#58;", _DOT: "&#46;", _AT: "&#64;"})
# A link's start: a URL's, or an e-mail address's "@" (after what may end its local part,
# before what may start its domain, in marked's and goldmark's rules).
_LINK_START = re.compile(URL_START.pattern + r"|(?<=[!-~])@(?=[a-z0-9_-])")


def _unlinked(line: str, urls: Collection[str]) -> str:
    """``line`` with stand-ins where an autolinker would start a link to anything but one
    of ``urls``: in a URL's ``://`` or ``www.``, for an e-mail address its ``@``."""
    out, done = [], 0
    while match := _LINK_START.search(line, done):
        start, found = match.start(), match.group(0)
        url = url_at(line, start) if found != "@" else ""
        if len(url) > len(found) and url in urls:  # linked whole: nothing in it starts one
            out.append(line[done : start + len(url)])
            done = start + len(url)
            continue
        if found == "@":
            stand_in = _AT
        elif found.endswith("."):
            stand_in = found[:3] + _DOT
        else:
            stand_in = found.replace("://", _COLON + "//")
        out.append(line[done:start] + stand_in)
        done = match.end()
    return "".join(out) + line[done:]


def _tex_text(match: re.Match[str]) -> str:
    return match.group(1) if match.group(1) in _TEX_TEXT_CHARACTERS else match.group(0)


def _mathjax_text(text: str, before_math: bool) -> str:
    """Text that MathJax shows as written: ``$`` as ``\\$``, and a backslash before a
    backslash or a ``$`` (a math piece's opening one included) as ``\\\\``."""
    if "$" not in text and "\\" not in text:
        return text
    out = []
    for index, char in enumerate(text):
        following = text[index + 1 : index + 2] or ("$" if before_math else "")
        if char == "$":
            out.append("\\$")
        elif char == "\\" and following in ("\\", "$"):
            out.append("\\\\")
        else:
            out.append(char)
    return "".join(out)


_MARKDOWN = str.maketrans({**_ENTITIES, **{char: "\\" + char for char in _BACKSLASHED}})


def _markdown(text: str) -> str:
    escaped = text.translate(_MARKDOWN).replace("\\{%", "\\{\\%")  # "\{%" is still "{%"
    # A paragraph starting with "-", "1." ... would become a list (or "=", "-" a setext line).
    return _BLOCK_START.sub(lambda m: m.group(0)[:-1] + "\\" + m.group(0)[-1], escaped, count=1)


def math_pieces(line: str) -> list[tuple[str, bool]]:
    """``line`` cut into text and math (delimiters included), by the rule above."""
    if "$" not in line:
        return [(line, False)] if line else []
    pieces: list[tuple[str, bool]] = []
    done = position = 0
    while position < len(line):
        char = line[position]
        if char != "$":
            position += 2 if char == "\\" else 1
            continue
        delimiter = "$$" if line.startswith("$$", position) else "$"
        end = _math_end(line, position, delimiter)
        if end is None:
            position += len(delimiter)
            continue
        if done < position:
            pieces.append((line[done:position], False))
        pieces.append((line[position:end], True))
        done = position = end
    if done < len(line):
        pieces.append((line[done:], False))
    return pieces


def _math_end(line: str, start: int, delimiter: str) -> int | None:
    """The end of the math that ``delimiter`` at ``start`` opens, or None if it opens none."""
    inner = start + len(delimiter)
    close = _closing(line, inner, delimiter)
    if close is None:
        return None
    tex, end = line[inner:close], close + len(delimiter)
    after = line[end : end + 1]
    if delimiter == "$$":
        opens = not tex.isspace() and tex != ""
    else:
        opens = tex != "" and not tex[0].isspace() and not tex[-1].isspace()
        opens = opens and not (after.isascii() and after.isdigit())
    return end if opens else None


def _closing(line: str, position: int, delimiter: str) -> int | None:
    """MathJax's pairing: the next ``delimiter`` outside braces; ``\\x`` is skipped whole."""
    depth = 0
    while position < len(line):
        char = line[position]
        if char == "\\":
            position += 2
            continue
        if depth == 0 and line.startswith(delimiter, position):
            return position
        if char == "{":
            depth += 1
        elif char == "}" and depth:
            depth -= 1
        position += 1
    return None


_ALT_SPECIAL = set("\\`*_[]~|#!-+=:&<>{}\"'")


def md_alt(text: str | None) -> str:
    """Image alt text: like ``md_inline`` but with character references only, because some
    renderers (hexo-renderer-marked) copy the alt text raw, where a backslash would show."""
    return "".join(f"&#{ord(c)};" if c in _ALT_SPECIAL else c for c in tex_safe(one_line(text)))


def md_paragraphs(text: str | None, *, urls: Collection[str] = frozenset()) -> str:
    """Multi-paragraph text (an abstract): each paragraph escaped, blank lines between."""
    return "\n\n".join(md_inline(paragraph, urls=urls) for paragraph in paragraphs(text))


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
    """A single clean line for front matter (TeX that would link or style neutralized, as
    themes put titles where MathJax runs); cut at ``limit`` characters with an ellipsis."""
    line = tex_safe(one_line(text))
    if limit is not None and len(line) > limit:
        return line[: limit - 1].rstrip() + "…"
    return line
