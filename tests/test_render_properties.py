"""Property tests: whatever text a source or an LLM sends, the post stays well formed.

The front matter reads back exactly as meant, with every string still a string (no YAML
bool or date coercion), and the body never lets paper text open structure of its own: no
raw HTML, code fence, heading, quote, Nunjucks tag or Hugo shortcode.
"""

from __future__ import annotations

import re
from typing import Any

import frontmatter
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devtools.pages import Math, mathjax_read
from paperpress.config import SiteConfig
from paperpress.escape import math_pieces, md_inline, md_paragraphs, md_url, plain
from paperpress.models import DigestSummary, Keyword, Paper, Score, SummaryRecord
from paperpress.render import (
    Entry,
    front_matter,
    make_environment,
    make_post,
    render_digest,
)
from paperpress.render.labels import labels as labels_for
from paperpress.text import one_line, strip_controls, tex_safe, urls_in
from tests.helpers import ROOT

DAY = "2025-11-11"
ENV = make_environment(ROOT / "templates")
SETTINGS = settings(max_examples=200, deadline=None)

# Pieces that have broken Markdown, YAML, Nunjucks or Hugo somewhere, mixed with any text.
FRAGMENTS = [
    "{{", "}}", "{%", "%}", "{#", "#}", "{{<", ">}}", "{{%", "{{ .Title }}", "{% raw %}",
    "<script>", "</script>", "<!--", "```", "~~~", "#", "# ", " #", "- ", "-", "+ ", "1. ",
    "1) ", "> ", "* ", "_", "*", "---", "===", ": ", " #", "'", '"', "\\", "$\\alpha_i$",
    "$25", "\\%", "\\&", "&amp;", "&#123;", "&", "[", "](", ")", "![", "|", "y", "no", "on",
    "null", "~", "2025-11-11", "\n", "\n\n", "\r\n", "\t", " ", "    ", "\x00", "\x07", "\x1b",
    "\x7f", "\x85", "\u2028", "\ufeff", "\u202e", "😀", "مرحبا", "שלום", "javascript:",
    "http://x.y/", "ftp://", "www.", "@", "a@b.c",
]  # fmt: skip
CHARS = st.characters(exclude_categories=("Cs",))  # control characters included
TEXT = st.one_of(
    st.text(CHARS, max_size=60),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(CHARS, max_size=3)), max_size=20).map(
        "".join
    ),
)
# Something left once control characters go (LLM strings lose them on validation).
NONEMPTY = TEXT.filter(lambda text: len(strip_controls(text)) > 0)
FLAVORS = st.sampled_from(["hexo", "hugo"])
LANGUAGES = st.sampled_from(["en", "zh"])
BOOLEAN_KEYS = {"draft", "toc", "mathjax", "math"}


def _site(flavor: str, author: str = "paperpress", categories: list[str] | None = None):
    return SiteConfig(
        flavor=flavor,
        timezone="Asia/Shanghai",
        author=author,
        categories=["Papers"] if categories is None else categories,
    )


def _strings_stay_strings(meta: dict[str, Any]) -> None:
    for key, value in meta.items():
        if key in BOOLEAN_KEYS:
            assert value is True or value is False, key
        elif isinstance(value, list):
            assert all(type(item) is str for item in value), (key, value)
        elif isinstance(value, dict):
            assert all(type(item) is str for item in value.values()), (key, value)
        else:
            assert type(value) is str, (key, value)


def _reads_back(post) -> None:
    loaded = frontmatter.loads(post.text)
    assert loaded.metadata == post.front_matter
    _strings_stay_strings(loaded.metadata)
    assert loaded.content == post.body.strip()


# --- Front matter ----------------------------------------------------------------------


@SETTINGS
@given(
    flavor=FLAVORS,
    title=TEXT,
    tags=st.lists(TEXT, max_size=4),
    author=TEXT,
    categories=st.lists(TEXT, max_size=3),
    description=TEXT,
    keywords=st.lists(TEXT, max_size=4),
)
def test_front_matter_reads_back_as_meant(
    flavor: str,
    title: str,
    tags: list[str],
    author: str,
    categories: list[str],
    description: str,
    keywords: list[str],
) -> None:
    site = _site(flavor, author, categories)
    meta = front_matter(
        site,
        title=title,
        day=DAY,
        tags=tags,
        description=plain(description, 200),
        keywords=[plain(keyword) for keyword in keywords],
        cover="https://example.com/cover.png",
    )
    assert meta["title"] == plain(title)
    assert meta["author"] == plain(author)
    assert meta["tags"] == [plain(tag) for tag in tags if plain(tag)]
    post = make_post(site, "post.md", meta, "body")
    _reads_back(post)
    if flavor == "hexo":
        assert meta["date"] == meta["updated"] == "2025-11-11 00:00:00"
    else:
        assert meta["date"] == meta["lastmod"] == "2025-11-11T00:00:00+08:00"
        assert meta["draft"] is False


# --- Digest body -----------------------------------------------------------------------


@st.composite
def digests(draw: st.DrawFn) -> DigestSummary:
    def score() -> Score:
        return Score(score=draw(st.sampled_from([1, 2.5, 5])), reason=draw(NONEMPTY))

    return DigestSummary(
        tldr=draw(NONEMPTY),
        main_work=draw(NONEMPTY),
        highlights=draw(st.lists(NONEMPTY, min_size=2, max_size=5)),
        keywords=[
            Keyword(term=term, translation=translation)
            for term, translation in draw(
                st.lists(st.tuples(NONEMPTY, NONEMPTY), min_size=3, max_size=6)
            )
        ],
        practicality=score(),
        innovation=score(),
        recommendation=score(),
    )


@st.composite
def entries(draw: st.DrawFn) -> Entry:
    number = draw(st.integers(10000, 99999))
    paper = Paper(
        arxiv_id=f"2511.{number}",
        title=draw(TEXT),
        authors=tuple(draw(st.lists(TEXT, max_size=3))),
        abstract=draw(TEXT),
        ai_keywords=tuple(draw(st.lists(TEXT, max_size=2))),
        thumbnail=draw(st.sampled_from([None, "https://example.com/t.png"])),
    )
    summary = draw(st.one_of(st.none(), digests()))
    if summary is None:
        record = draw(st.sampled_from([None, "pending"]))
        if record is None:
            return Entry(paper, None)
        return Entry(
            paper,
            SummaryRecord(status="pending", key="k", model="m", language="en", prompt_hash="h"),
        )
    record = SummaryRecord(
        status="done",
        key="k",
        model=draw(st.sampled_from(["extractive", "gpt-4o-mini"])),
        language="en",
        prompt_hash="h",
        content=summary.model_dump(mode="json"),
    )
    return Entry(paper, record)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff]")


@SETTINGS
@given(
    flavor=FLAVORS,
    language=LANGUAGES,
    tags=st.lists(TEXT, max_size=3),
    items=st.lists(entries(), min_size=1, max_size=3, unique_by=lambda e: e.paper.arxiv_id),
)
def test_digest_body_is_inert(
    flavor: str, language: str, tags: list[str], items: list[Entry]
) -> None:
    post = render_digest(
        ENV,
        _site(flavor),
        feed_name="hf-daily",
        tags=tags,
        day=DAY,
        entries=items,
        language=language,
    )
    _reads_back(post)
    body = post.body
    labels = labels_for(language, "digest")
    ours = {
        f"### {labels[name]}"
        for name in ("tldr", "main_work", "highlights", "keywords", "scores", "links", "abstract")
    }
    assert "<" not in body, "raw HTML"
    assert not re.search(r"\{[{%#]", body), "a Nunjucks tag or Hugo shortcode"
    assert not _CONTROL.search(body)
    headings = []
    for line in body.splitlines():
        assert not line.lstrip().startswith(("```", "~~~")), line
        assert not line.startswith(("    ", "\t")), f"indented code: {line!r}"
        if line.startswith("#"):
            assert re.match(r"## \d+\. ", line) or line in ours, line
            headings.append(line)
        if line.startswith(">"):
            assert line == ">" or line.startswith(("> 💡 ", "> ⏳ ")), line
    assert sum(line.startswith("## ") for line in headings) == len(items)
    assert post.front_matter["title"] == labels["digest_title"].format(day=DAY)


# --- md_inline, md_paragraphs, md_url --------------------------------------------------

_DECODE = re.compile(r"\\([!-/:-@\[-`{-~])|&(amp|lt|gt|#58|#46|#64);")
# ":" and "." of URLs, "@" of e-mail addresses
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "#58": ":", "#46": ".", "#64": "@"}


def _rendered(markdown: str) -> str:
    """What a CommonMark renderer shows for inline text made by ``md_inline``: backslash
    escapes and character references resolved (the only constructs md_inline emits)."""
    return _DECODE.sub(lambda m: m.group(1) or _ENTITIES[m.group(2)], markdown)


def _tex_text(text: str) -> str:
    """TeX's ``\\$``, ``\\%`` and ``\\&`` in running text, as readers should see them."""
    return re.sub(r"\\(.)", lambda m: m.group(1) if m.group(1) in "$%&" else m.group(0), text)


def _shown(markdown: str) -> list[str | Math]:
    """What a reader sees of ``md_inline`` output: rendered, then read by MathJax."""
    return mathjax_read(_rendered(markdown), dollars_only=True)


def _source(pieces: list[str | Math]) -> str:
    return "".join(piece if isinstance(piece, str) else piece.source for piece in pieces)


@SETTINGS
@given(text=TEXT)
def test_md_inline_renders_to_the_text_itself(text: str) -> None:
    escaped = md_inline(text)
    pieces = math_pieces(tex_safe(one_line(text)))  # TeX that links or styles: neutralized
    shown = _shown(escaped)
    # MathJax typesets exactly the math the rule found, and shows all the rest as written.
    assert [p.source for p in shown if isinstance(p, Math)] == [p for p, math in pieces if math]
    assert _source(shown) == "".join(p if math else _tex_text(p) for p, math in pieces)
    # Without MathJax (math=False), the page shows the same text with bare dollars.
    bare = _rendered(md_inline(text, math=False))
    assert bare == "".join(p if math else _tex_text(p) for p, math in pieces)
    # Every "&" starts one of our own references; nothing else a renderer would decode.
    assert not re.search(r"&(?!(amp|lt|gt|#58|#46|#64);)", escaped)
    assert "\n" not in escaped and "<" not in escaped
    # No Nunjucks tag or Hugo shortcode can start: a backslash before "{" does not stop them.
    assert not re.search(r"\{[{%#]", escaped)
    # Markdown-significant characters (and braces) are always escaped, wherever they are.
    assert not re.search(r"[`*_\[\]~|#\\{}]", _DECODE.sub("", escaped))
    assert not re.match(r"([-+=]|\d+[.)])", escaped)


DOLLAR_FRAGMENTS = ["$", "$$", "\\$", "\\", "5", "10", " ", "x", "\\alpha", "^\\circ", "{", "}"]
DOLLAR_TEXT = st.lists(
    st.one_of(st.sampled_from(DOLLAR_FRAGMENTS), st.text(CHARS, max_size=2)), max_size=16
).map("".join)


def _inline_math_can_open(line: str, start: int) -> bool:
    """Whether the "$" at ``start`` opens inline math by the rule, with MathJax's own
    pairing (devtools/pages.py) to find the "$" that would close it."""
    pieces = mathjax_read(line[start:], dollars_only=True)
    math = pieces[0] if pieces and isinstance(pieces[0], Math) else None
    if math is None or math.open != "$":
        return False
    after = line[start + len(math.source) : start + len(math.source) + 1]
    return not math.tex[0].isspace() and not math.tex[-1].isspace() and not after.isdigit()


@SETTINGS
@given(text=st.one_of(DOLLAR_TEXT, TEXT))
def test_a_dollar_opens_math_only_by_the_rule(text: str) -> None:
    """Inline math opens at a "$" with a non-space after it and closes at a "$" with a
    non-space before it and no digit after it; "$$" pairs with "$$"; every other "$" (and
    "\\$") is a dollar on the page."""
    line = one_line(text)
    offset = 0
    for piece, math in math_pieces(line):
        if math and piece.startswith("$$"):
            assert piece.endswith("$$") and piece[2:-2].strip(), piece
        elif math:
            after = line[offset + len(piece) : offset + len(piece) + 1]
            assert not piece[1].isspace() and not piece[-2].isspace(), piece
            assert not (after.isascii() and after.isdigit()), (piece, after)
        else:  # each "$" of the text, neither escaped nor part of a "$$", opened no math
            position = offset
            while position < offset + len(piece):
                if line[position] == "\\":
                    position += 2
                    continue
                lone = line[position] == "$" and "$" not in line[max(position - 1, 0) : position]
                if lone and line[position + 1 : position + 2] != "$":
                    assert not _inline_math_can_open(line, position), (line, position)
                position += 1
        offset += len(piece)


@SETTINGS
@given(
    amounts=st.lists(st.integers(0, 10**6), min_size=2, max_size=5),
    words=st.lists(st.sampled_from(["and", "per run,", "or", "to", "vs.", "-"]), min_size=5),
    math=st.sampled_from(["", "$\\alpha$", "$360^\\circ$", "$$E = mc^2$$", "$x_{\\$}$"]),
)
def test_prices_are_dollars_and_math_stays_math(
    amounts: list[int], words: list[str], math: str
) -> None:
    sentence = " ".join(f"${amount} {word}" for amount, word in zip(amounts, words, strict=False))
    text = f"Costs {sentence} {math}."
    shown = _shown(md_inline(text))
    assert _source(shown) == text
    assert [piece.source for piece in shown if isinstance(piece, Math)] == [math] * bool(math)


@SETTINGS
@given(text=TEXT)
def test_md_paragraphs_keeps_each_paragraph_on_one_line(text: str) -> None:
    escaped = md_paragraphs(text)
    for paragraph in escaped.split("\n\n") if escaped else []:
        assert paragraph and "\n" not in paragraph
        assert paragraph == paragraph.strip()
        assert not re.match(r"([-+=#>]|\d+[.)])", paragraph)


@pytest.mark.parametrize(
    ("text", "markdown"),
    [
        ("$\\alpha_i$", "$\\\\alpha\\_i$"),
        (
            "$x^{2}$ and $\\frac{a}{b}$",
            "$x^\\{2\\}$ and $\\\\frac\\{a\\}\\{b\\}$",
        ),
        ("50\\% less \\& more", "50% less &amp; more"),
        ("$25 and $30", "\\\\$25 and \\\\$30"),
        ("Costs $5 and $10 per run.", "Costs \\\\$5 and \\\\$10 per run."),
        ("$360^\\circ$ and $$E = mc^2$$", "$360^\\\\circ$ and $$E = mc^2$$"),
        ("US$5-$10 and $x$5", "US\\\\$5-\\\\$10 and \\\\$x\\\\$5"),
        ("a \\$5 and $50\\%$", "a \\\\$5 and $50\\\\%$"),
        ("\\\\$x$", "\\\\\\\\\\\\\\\\$x$"),
        ("# heading", "\\# heading"),
        ("C #", "C \\#"),
        ("- item", "\\- item"),
        ("1. item", "1\\. item"),
        ("2025) x", "2025\\) x"),
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        (
            "{{< shortcode >}} {% raw %} {# c #}",
            "\\{\\{&lt; shortcode &gt;\\}\\} \\{\\% raw %\\} \\{\\# c \\#\\}",
        ),
        ("```py\nx\n```", "\\`\\`\\`py x \\`\\`\\`"),
        ("a\x00b\x1bc\u2028d", "abcd"),
        ("[x](javascript:alert(1))", "\\[x\\](javascript:alert(1))"),
    ],
)
def test_md_inline_examples(text: str, markdown: str) -> None:
    assert md_inline(text) == markdown


def test_md_inline_keeps_latex_backslashes_for_mathjax() -> None:
    source = r"$\mathcal{L} = \sum_i \|x_i\|^2$"
    assert _rendered(md_inline(source)) == source


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "java\nscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "//example.com/x",
        "example.com/x",
        "http://",
        "https:///path",
        "http://[x",
        "http://[::1/",
        "http://\uff0f\uff0fevil.com/",
        "",
        None,
    ],
)
def test_md_url_rejects_what_is_not_a_web_link(url: str | None) -> None:
    assert md_url(url) is None


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://arxiv.org/abs/2511.03506", "https://arxiv.org/abs/2511.03506"),
        ("https://example.com/a b(c)", "https://example.com/a%20b%28c%29"),
        (
            "https://example.com/x) [y](javascript:1)",
            "https://example.com/x%29%20[y]%28javascript:1%29",
        ),
        ('https://example.com/<b>"q"\'', "https://example.com/%3Cb%3E%22q%22%27"),
        ("https://example.com/{{ .Title }}", "https://example.com/%7B%7B%20.Title%20%7D%7D"),
        ("https://example.com/a%20b?q=1&r=2#top", "https://example.com/a%20b?q=1&r=2#top"),
        ("https://example.com/\\_x", "https://example.com/%5C_x"),
        ("  https://example.com/a\nb  ", "https://example.com/a%20b"),
        ("/images/papers/2501.00001v1-p2.webp", "/images/papers/2501.00001v1-p2.webp"),
        ("/images/a b).webp", "/images/a%20b%29.webp"),
        ("/\\evil.example/x", "/%5Cevil.example/x"),
    ],
)
def test_md_url_percent_encodes_what_would_end_the_link(url: str, safe: str) -> None:
    assert md_url(url) == safe


@SETTINGS
@given(rest=TEXT, scheme=st.sampled_from(["http://", "https://", "HTTP://", "ftp://", ""]))
def test_md_url_is_always_one_inert_link_target(rest: str, scheme: str) -> None:
    url = md_url(scheme + "example.com/" + rest)
    if scheme in ("ftp://", ""):
        assert url is None
        return
    assert url is not None
    assert url.lower().startswith(("http://", "https://"))
    assert not re.search(r"[\s()<>\"'`{}\\]", url), url


@SETTINGS
@given(url=TEXT)
def test_md_url_never_raises(url: str) -> None:
    safe = md_url(url)
    assert safe is None or safe.lower().startswith(("http://", "https://", "/"))
    assert safe is None or not safe.startswith("//")


# --- Autolinks: only the paper's own URLs, as the autolinkers take them ---------------------

OWN = "https://own.example/project"


@pytest.mark.parametrize(
    "text",
    [
        "ftp://evil.example/x",
        "FTP://evil.example/x and HTTP://evil.example",
        "mail evil@evil.example or a.b+c@evil.example",
        "<evil@evil.example>",
        "mailto:evil@evil.example",
        "www.evil.example/login and wwww.evil.example",
        "xhttps://evil.example/a",  # marked links it from inside a word
        "https://evil.example/www.evil.example",  # two starts: neither may link
        # An allowed URL with more after it: goldmark's linkify and marked take it all.
        OWN + "'/../../../attacker/malware",
        OWN + '"/../../../attacker/malware',
        OWN + "</../../attacker",  # "<" is written "&lt;", which ends no link
        OWN + "/@evil.example",
        OWN + ")/../evil",
    ],
)
def test_md_inline_links_no_url_but_the_papers_own_as_the_autolinkers_take_it(text: str) -> None:
    escaped = md_inline(text, urls={OWN})
    assert _rendered(escaped) == one_line(text)  # shown as written ...
    assert not _AUTOLINK_START.search(escaped), escaped  # ... with no link in it
    assert not _MAIL.search(escaped), escaped


@pytest.mark.parametrize(
    ("text", "url"),
    [
        (f"See {OWN}.", OWN),
        (f"See {OWN}, then", OWN),
        (f"({OWN})", OWN),
        (f"'{OWN}'", OWN),
        (f"{OWN}?!", OWN),
        (f"{OWN}:", OWN),
        ("https://en.wikipedia.org/wiki/Foo_(bar)", "https://en.wikipedia.org/wiki/Foo_(bar)"),
        ("(https://en.wikipedia.org/wiki/Foo_(bar))", "https://en.wikipedia.org/wiki/Foo_(bar)"),
        ("www.commonmark.org/a.b.", "www.commonmark.org/a.b"),
        ("a&b;", None),
    ],
)
def test_urls_in_takes_what_gfm_autolinks_and_md_inline_keeps_it(text: str, url: str | None):
    assert urls_in(text) == ({url} if url else set())
    if url:
        assert "&#" not in md_inline(text, urls={url})  # a link as written
        assert "&#" in md_inline(text, urls={url + "/"})  # another's: none


URLISH = [OWN, OWN + "/", "https://", "ftp://", "www.", "WWW.", "@", "a@b.c", "evil.example"]
URLISH += ["/", ".", "..", ")", "(", "'", '"', "<", ">", " ", "_", "\\", "&", ";", "$"]
URLISH_TEXT = st.lists(st.one_of(st.sampled_from(URLISH), st.text(CHARS, max_size=2)), max_size=12)


@SETTINGS
@given(text=URLISH_TEXT.map("".join))
def test_every_link_md_inline_leaves_is_the_papers_own(text: str) -> None:
    """Where an autolinker would start a link in the Markdown, what it takes (up to a space)
    is an allowed URL and at most trailing punctuation (some linkers trim less than GFM)."""
    escaped = md_inline(text, urls={OWN})
    for match in _AUTOLINK_START.finditer(escaped):
        link = _rendered(escaped[match.start() :].split(" ")[0])
        assert link.startswith(OWN) and not set(link[len(OWN) :]) - _TRIMMED, (text, escaped)
    assert not _MAIL.search(escaped.replace(OWN, "")), escaped


_AUTOLINK_START = re.compile(r"(?i)(?:https?|ftp)://|www\.")
_MAIL = re.compile(r"(?i)[!-~]@[a-z0-9_-]")
_TRIMMED = set("?!.,:*_~'\";)\\")
