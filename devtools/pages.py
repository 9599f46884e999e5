"""A built page of the example blogs (templates/site/) read as a reader sees it: its title,
body and meta tags, any code in it that would run, its text, headings and table of contents,
and the math MathJax would typeset (a model of MathJax 3.2.2's FindTeX as the layouts
configure it, which tests/test_blog.py checks against MathJax itself in Chromium).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import unquote

# --- A built page ---------------------------------------------------------------------------


def post_title(page: str) -> str:
    """The page's title as shown: the layouts wrap a date in it in a span, and escape the
    rest, so any tag in it is the layout's."""
    title = page.split('<h1 class="post-title">', 1)[1].split("</h1>", 1)[0]
    return html.unescape(re.sub(r"<[^>]*>", "", title))


def post_content(page: str) -> str:
    """The post's rendered body, between the layout's ``post-content`` div and its end."""
    inner = page.split('<div class="post-content">', 1)[1]
    return inner.rsplit("</article>", 1)[0].rsplit("</div>", 1)[0]


def head_meta(page: str, name: str) -> list[str]:
    head = page.split("</head>", 1)[0]
    found = re.findall(rf'<meta (?:name|property)="{re.escape(name)}" content="([^"]*)"', head)
    return [html.unescape(value) for value in found]


# The layouts' own scripts: MathJax's config and loader, in <head>, on posts with math.
_LAYOUT_SCRIPTS = re.compile(
    r"<script>\nMathJax = \{\n  loader: \{ load: \[\"ui/safe\"\] \},\n[^<]*</script>\n"
    r'<script async src="https://cdn\.jsdelivr\.net/npm/mathjax@3\.2\.2/es5/tex-mml-chtml\.js">'
    r"</script>"
)


class _Code(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.found.append(f"<script {attrs}>")
        for name, value in attrs:
            link = name in ("href", "src") and (value or "").strip().lower()
            if name.startswith("on") or (link and link.startswith("javascript:")):
                self.found.append(f"<{tag} {name}={value!r}>")


def foreign_code(page: str) -> list[str]:
    """Anything in a page that would run and is not the layout's: a script element, an
    event-handler attribute, a ``javascript:`` link. Empty for a clean page."""
    head, _, body = page.partition("</head>")
    parser = _Code()
    parser.feed(_LAYOUT_SCRIPTS.sub("", head, count=1) + "</head>" + body)
    parser.close()
    return parser.found


# --- What MathJax reads in a page ---------------------------------------------------------

# MathJax 3.2.2's FindTeX as the layouts configure it: inline $...$ and \(...\), display
# $$...$$ and \[...\] (the default), \begin{env}...\end{env}, \ref and \eqref, and
# processEscapes, which shows "\$" as "$" and "\\" as "\". Alternatives in MathJax's order.
_MATHJAX_START = re.compile(
    r"\$\$|\\\(|\\\[|\$"
    r"|\\begin\s*\{(?P<environment>[^}]*)\}"
    r"|\\(?P<escaped>[\\$])"
    r"|(?P<ref>\\(?:eq)?ref\s*\{[^}]*\})"
)
_MATHJAX_DOLLARS = re.compile(r"\$\$|\$|\\(?P<escaped>[\\$])")
_MATHJAX_CLOSE = {"$$": "$$", "\\(": "\\)", "\\[": "\\]", "$": "$"}


@dataclass(frozen=True)
class Math:
    """One piece of math MathJax typesets: its delimiters and the TeX between them."""

    open: str
    tex: str
    close: str

    @property
    def source(self) -> str:
        return self.open + self.tex + self.close


def _mathjax_end(text: str, start: int, end: re.Pattern[str], close: str) -> re.Match | None:
    """MathJax's findEnd: the first ``close`` outside braces; ``\\x`` pairs are skipped."""
    depth = 0
    for match in end.finditer(text, start):
        delimiter = (match.group(1) if end.groups else None) or match.group(0)
        if delimiter == close and depth == 0:
            return match
        if match.group(0) == "{":
            depth += 1
        elif match.group(0) == "}" and depth:
            depth -= 1
    return None


def mathjax_read(text: str, *, dollars_only: bool = False) -> list[str | Math]:
    """One text node as MathJax reads it: text (escapes resolved) and the math it typesets.
    tests/test_blog.py checks this model against MathJax itself in Chromium.
    ``dollars_only``: as if ``$`` and ``$$`` were the only delimiters."""
    pieces: list[str | Math] = []
    done = scan = 0  # text[:done] is in pieces; the next opening is searched from scan
    start = _MATHJAX_DOLLARS if dollars_only else _MATHJAX_START
    while found := start.search(text, scan):
        groups = found.groupdict()
        if groups["escaped"] is not None:  # an escape: the character as text
            pieces.append(text[done : found.start()] + groups["escaped"])
            done = scan = found.end()
            continue
        if groups.get("ref") is not None:
            math, stop = Math("", groups["ref"], ""), found.end()
        else:
            environment = groups.get("environment")
            if environment is not None:
                close = "{" + environment + "}"
                pattern = rf"\\end\s*(\{{{re.escape(environment)}\}})|\\.|[{{}}]"
            else:
                close = _MATHJAX_CLOSE[found.group(0)]
                pattern = rf"{re.escape(close)}|\\.|[{{}}]"
            end = _mathjax_end(text, found.end(), re.compile(pattern), close)
            if end is None:  # no closing delimiter: the opening one stays text
                scan = found.end()
                continue
            inner = text[found.end() : end.start()]
            math = (
                Math("", text[found.start() : end.end()], "")
                if environment is not None
                else Math(found.group(0), inner, end.group(0))
            )
            stop = end.end()
        pieces += [text[done : found.start()], math]
        done = scan = stop
    pieces.append(text[done:])
    merged: list[str | Math] = []
    for piece in pieces:
        if isinstance(piece, str) and merged and isinstance(merged[-1], str):
            merged[-1] += piece
        elif piece != "":
            merged.append(piece)
    return merged


def mathjax_shown(text: str, math: str = "{}") -> str:
    """The text a reader sees once MathJax ran: each piece of math as ``math`` formatted
    with its source (``"{}"``: the source itself)."""
    return "".join(
        piece if isinstance(piece, str) else math.format(piece.source)
        for piece in mathjax_read(text)
    )


# --- The text a reader sees -------------------------------------------------------------------


class PageText(HTMLParser):
    """The text a reader sees, and the tags the page really contains. ``text`` is the
    page's text as it is; ``shown`` what a reader sees once MathJax ran (math as its
    source), ``prose`` that without the math, and ``maths`` the math MathJax typesets."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.shown_parts: list[str] = []
        self.prose_parts: list[str] = []
        self.maths: list[Math] = []
        self.tags: list[str] = []
        self.headings: list[tuple[str, str]] = []
        self._heading: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self._heading = tag
            self.headings.append((tag, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == self._heading:
            self._heading = None
        for parts in (self.parts, self.shown_parts, self.prose_parts):
            parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        pieces = mathjax_read(data)  # one text node, as MathJax reads it
        self.maths += [piece for piece in pieces if isinstance(piece, Math)]
        shown = "".join(piece if isinstance(piece, str) else piece.source for piece in pieces)
        self.shown_parts.append(shown)
        self.prose_parts.append("".join(p if isinstance(p, str) else " " for p in pieces))
        if self._heading:
            tag, text = self.headings[-1]
            self.headings[-1] = (tag, text + shown)

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.parts))

    @property
    def shown(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.shown_parts))

    @property
    def prose(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.prose_parts))


def read_html(markup: str) -> PageText:
    """``markup`` (a page, or a part of one) as a reader sees it."""
    parser = PageText()
    parser.feed(markup)
    parser.close()
    return parser


# Hugo's default typographer makes quotes curly and dashes long: the blog's style, not ours.
# ``text.translate(TYPOGRAPHY)`` undoes it, to compare a page's text with what was written.
TYPOGRAPHY = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "“": '"',
        "”": '"',
        "–": "--",
        "—": "---",
        "…": "...",
        "«": "<<",
        "»": ">>",
    }
)


def heading_ids(content: str, levels: str = "1-6") -> list[str]:
    """The ids of the headings of these ``levels`` (a character class: "2", "12"), in order."""
    found = re.findall(rf'<h[{levels}][^>]* id="([^"]*)"', content)
    return [html.unescape(anchor) for anchor in found]


def table_of_contents(page: str) -> list[tuple[str, str]]:
    """The table of contents above the post, as (target id, text) per link; [] if none."""
    found = re.search(
        r'<details class="toc" open>\s*<summary>[^<]+</summary>(.*?)</details>', page, re.S
    )
    if not found:
        return []
    links = re.findall(r'<a [^>]*href="#([^"]*)"[^>]*>(.*?)</a>', found.group(1), re.S)
    return [
        (unquote(html.unescape(target)), read_html(text).shown.strip()) for target, text in links
    ]
