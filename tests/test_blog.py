"""The proof a reader sees: real posts built into the example blogs, read as HTML and in a
browser.

The posts are what ``make demo`` makes from the recorded fixtures (the real CLI, offline):
every digest and topic post, in Hexo (Chinese) and Hugo (English). Beside them, a digest and
a topic post of hostile input per flavor (tests/helpers.py). ``make site``'s own code
(devtools/site.py) builds them, and fails on what Hugo and Hexo only keep quiet about.
Headless Chromium then loads a digest and a topic post of each site over 127.0.0.1 and saves
full-page screenshots to build/screenshots/ (CI keeps them as an artifact).

``PAPERPRESS_UPDATE_SCREENSHOT=1`` also rewrites docs/screenshot-digest.png for the README.
"""

from __future__ import annotations

import dataclasses
import html
import json
import os
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageStat

from devtools.browser import Chromium
from devtools.pages import TYPOGRAPHY, foreign_code, post_content, read_html
from devtools.recordings import main as make_recordings
from devtools.site import Page, build_hexo, build_hugo, find_assets, find_posts
from paperpress.cli import main as paperpress
from paperpress.config import ArxivTopicFeed, load_config
from paperpress.escape import plain
from paperpress.models import Paper as PaperRecord
from paperpress.render import make_environment, render_digest, render_topic
from tests import helpers
from tests.helpers import (
    DOLLARS,
    MATH,
    blog_site,
    check_math,
    check_readable_id,
    hostile_entries,
    hostile_papers,
    hostile_topic_entries,
)

ROOT = Path(__file__).resolve().parent.parent
DAY = "2025-11-11"
SHOTS = ROOT / "build" / "screenshots"
SCREENS = {"desktop": (1280, 900, False), "phone": (390, 844, True)}  # CSS px; a phone's viewport
README_SHOT = ROOT / "docs" / "screenshot-digest.png"
HOSTILE_FEED_TITLE = "<script>alert(1)</script> {{ .Title }} {% raw %} - y: no"
DEMO_CONFIGS = {"hexo": ("config.yaml", "data"), "hugo": ("config-hugo.yaml", "data-en")}
ROUNDUP = "2025-W46-weekly"  # the demo's weekly roundup: the week of DAY, from its Monday
MONDAY = "2025-11-10"
FEEDS = {"hugo": "index.xml", "hexo": "rss2.xml"}  # each blog's RSS, at the site root


@dataclass(frozen=True)
class Paper:
    """What a post must show of one paper."""

    title: str
    urls: list[str]  # links and images


@dataclass(frozen=True)
class Site:
    out: Path
    pages: dict[str, Page]  # by post file stem
    papers: dict[str, list[Paper]]  # by post file stem
    hostile: set[str]  # the stems of the hostile posts


def _demo_posts(tmp: Path) -> dict[str, dict[str, list[Paper]]]:
    """Run what `make demo` runs into ``tmp/preview``; the papers of each post, by flavor."""
    recordings = tmp / "recordings"
    make_recordings(recordings)
    papers: dict[str, dict[str, list[Paper]]] = {}
    for flavor, (name, data) in DEMO_CONFIGS.items():
        config = tmp / name
        text = (ROOT / "demo" / name).read_text().replace("../", f"{ROOT}/")
        config.write_text(text.replace(f"{ROOT}/preview", str(tmp / "preview")))
        args = ["run", "--config", str(config), "--date", DAY, "--replay", str(recordings)]
        assert paperpress(args, environ={}) == 0
        _roundup_from_a_fresh_checkout(config)
        papers[flavor] = _papers_by_post(tmp / "preview" / data / "papers")
    return papers


def _roundup_from_a_fresh_checkout(config: Path) -> None:
    """The roundup written again as the next run sees it when the posts go to a blog
    repository of their own (PUBLISH_REPO): data/ and no posts. It takes the place of the
    first one, so the link checks below check the links it makes from data/ alone."""
    posts = load_config(config).site.posts_dir
    first = (posts / f"{ROUNDUP}.md").read_bytes()
    blog = posts.with_name(f"{posts.name}.blog")
    posts.rename(blog)
    args = ["run", "--config", str(config), "--date", DAY, "--feed", "weekly"]
    assert paperpress(args, environ={}) == 0
    fresh = (posts / f"{ROUNDUP}.md").read_bytes()
    shutil.rmtree(posts)
    blog.rename(posts)
    (posts / f"{ROUNDUP}.md").write_bytes(fresh)
    assert fresh == first


def _papers_by_post(folder: Path) -> dict[str, list[Paper]]:
    """From the run's data files: each paper's title, links and images, by post."""
    posts: dict[str, list[Paper]] = {}
    for path in sorted(folder.glob("*.json")):
        record = json.loads(path.read_text("utf-8"))
        paper = record["paper"]
        urls = [url for url in paper["links"].values() if url]
        urls += [figure["url"] for figure in record["figures"]]
        urls += [paper["thumbnail"]] if paper.get("thumbnail") else []
        for listing in record["listings"]:
            stem = f"{listing['day']}-{listing['feed']}"
            posts.setdefault(stem, []).append(Paper(plain(paper["title"]), urls))
    return posts


def _hostile_posts(folder: Path, flavor: str) -> dict[str, list[Paper]]:
    """A digest and a topic post of hostile input (tests/helpers.py), written to ``folder``.
    The first paper of each is the hostile one: its URLs are mangled or dropped on purpose
    (test_site_*.py check how), so only the others' URLs are expected as they are."""
    env = make_environment(ROOT / "templates")
    folder.mkdir(parents=True)
    digest = render_digest(
        env,
        blog_site(flavor),
        feed_name="hostile-digest",
        tags=["Hugging Face", "y", "no"],
        day=DAY,
        entries=hostile_entries(hostile_papers(), "en"),
        language="en",
    )
    feed = ArxivTopicFeed(
        kind="arxiv_topic", name="hostile-topic", title=HOSTILE_FEED_TITLE, keywords=["x"]
    )
    entries = hostile_topic_entries("en")
    topic = render_topic(env, blog_site(flavor), feed, day=DAY, entries=entries, language="en")
    for post in (digest, topic):
        (folder / post.path).write_text(post.text, encoding="utf-8")
    nasty, *papers = hostile_papers()
    nasty_entry, *topic_entries = entries
    return {
        Path(digest.path).stem: [
            Paper(plain(nasty.title), []),
            *(Paper(plain(paper.title), _urls(paper)) for paper in papers),
        ],
        Path(topic.path).stem: [
            Paper(plain(nasty_entry.paper.title), []),
            *(
                Paper(plain(entry.paper.title), _urls(entry.paper, entry.figures))
                if entry.summary and entry.summary.status == "done"
                # A pending topic paper has no detailed summary, so no links line: its PDF.
                else Paper(plain(entry.paper.title), [entry.paper.links.pdf or ""])
                for entry in topic_entries
            ),
        ],
    }


def _urls(paper: PaperRecord, figures: Iterable[dict[str, str]] = ()) -> list[str]:
    links = [url for url in dataclasses.astuple(paper.links) if url]
    return links + [paper.thumbnail] * bool(paper.thumbnail) + [f["url"] for f in figures]


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Site]:
    helpers.hugo()
    helpers.node()
    helpers.hexo_modules()
    tmp = tmp_path_factory.mktemp("blog")
    papers = _demo_posts(tmp)
    assets = find_assets([tmp / "preview"])
    built = {}
    for flavor, build in (("hugo", build_hugo), ("hexo", build_hexo)):
        hostile = _hostile_posts(tmp / "hostile" / flavor, flavor)
        posts = [
            post
            for post in find_posts(tmp / "preview") + find_posts(tmp / "hostile" / flavor)
            if post.flavor == flavor
        ]
        assert len(posts) == 5, [post.path for post in posts]  # 2 daily, 1 roundup, 2 hostile
        out = tmp / "build" / flavor
        pages = {page.source.name: page for page in build(posts, assets, out)}
        built[flavor] = Site(out, pages, papers[flavor] | hostile, set(hostile))
    return built


# --- The builds: every post, as written -----------------------------------------------------


def test_every_post_is_built_with_its_title_date_and_tags(sites: dict[str, Site]) -> None:
    """The site builder checks these and raises; here, that it checked what we think it did."""
    for flavor, site in sites.items():
        assert set(site.pages) == {
            f"{DAY}-hf-daily",
            f"{DAY}-software-testing",
            ROUNDUP,
            f"{DAY}-hostile-digest",
            f"{DAY}-hostile-topic",
        }, flavor
        for name, page in site.pages.items():
            meta = page.source.meta
            assert page.file.is_file(), name
            assert page.title == meta["title"]
            day = MONDAY if name == ROUNDUP else DAY
            assert page.date.strftime("%Y-%m-%d %H:%M") == f"{day} 00:00", name
            written = {str(tag) for tag in meta["tags"]}
            assert sorted(set(page.tags)) == sorted(written), name


def test_hexo_permalinks_carry_the_posts_own_day(sites: dict[str, Site]) -> None:
    """Built under TZ=UTC, a post dated 2025-11-11 00:00 in Asia/Shanghai stays on the 11th."""
    for name, page in sites["hexo"].pages.items():
        day = MONDAY if name == ROUNDUP else DAY
        assert page.url.startswith(f"/{day.replace('-', '/')}/"), page.url


# --- The pages: every paper once, every URL, no code, math as written ----------------------


def _links(content: str) -> set[str]:
    return {html.unescape(url) for url in re.findall(r'(?:href|src)="([^"]*)"', content)}


def _paper_headings(content: str) -> list[str]:
    """The h2 headings of a post, one per paper, without the digest's ``N. `` prefix."""
    page = read_html(content)
    headings = [text.translate(TYPOGRAPHY).strip() for tag, text in page.headings if tag == "h2"]
    return [re.sub(r"^\d+\. ", "", heading) for heading in headings]


def test_each_paper_shows_once_with_all_its_links_and_images(sites: dict[str, Site]) -> None:
    for flavor, site in sites.items():
        for name, papers in site.papers.items():
            content = post_content(site.pages[name].file.read_text("utf-8"))
            headings = _paper_headings(content)
            assert len(headings) == len(papers), (flavor, name)
            links = _links(content)
            for paper in papers:
                title = paper.title.translate(TYPOGRAPHY)
                assert headings.count(title) == 1, (flavor, name, title)
                missing = [url for url in paper.urls if url not in links]
                assert not missing, (flavor, name, missing)


def _site_file(site: Site, url: str) -> Path | None:
    """The built file a link on the site leads to, or None for a link elsewhere."""
    path = url.split("#", 1)[0].split("?", 1)[0]
    for root in ("https://example.com", ""):
        if path.startswith(f"{root}/") and not path.startswith("//"):
            target = site.out / path.removeprefix(root).strip("/")
            return target / "index.html" if not target.suffix else target
    return None


def test_a_roundup_links_every_count_and_paper_to_its_daily_post(sites: dict[str, Site]) -> None:
    """The roundup's cross-references resolve in both blogs (Hugo relref, Hexo post_path):
    each day's count, and each paper's "appeared in", lead to a daily post that was built."""
    for flavor, site in sites.items():
        page = site.pages[ROUNDUP].file.read_text("utf-8")
        daily = {site.pages[name].file.resolve() for name in site.papers}
        internal = [
            url for url in re.findall(r'<a href="([^"]+)"', post_content(page))
            if _site_file(site, html.unescape(url)) is not None
        ]  # fmt: skip
        assert len(internal) >= 1 + 10, (flavor, internal)  # a count per source, a post per pick
        for url in internal:
            target = _site_file(site, html.unescape(url))
            assert target is not None and target.resolve() in daily, (flavor, url)
        assert "{{" not in page and "{%" not in page and "post_path" not in page, flavor


def test_both_blogs_publish_an_rss_feed_of_every_post(sites: dict[str, Site]) -> None:
    """What a feed reader reads: every post an entry with its title, date and link, and the
    feed linked from each page's <head>."""
    import feedparser

    for flavor, site in sites.items():
        feed = feedparser.parse((site.out / FEEDS[flavor]).read_bytes())
        assert not feed.bozo, (flavor, feed.get("bozo_exception"))
        entries = {entry.link.removeprefix("https://example.com"): entry for entry in feed.entries}
        for name, page in site.pages.items():
            entry = entries.get(page.url)
            assert entry is not None, (flavor, name, page.url, sorted(entries))
            assert entry.title == page.title, (flavor, name)
            published = datetime(*entry.published_parsed[:6], tzinfo=UTC)
            assert published == page.date.astimezone(UTC), (flavor, name)
        for path in sorted(site.out.rglob("*.html")):
            text = path.read_text("utf-8")
            if path.name == "404.html" or 'http-equiv="refresh"' in text:
                continue  # Hugo's 404 page has a layout of its own; an alias only redirects
            head = text.split("</head>", 1)[0]
            links = re.findall(r'<link rel="alternate"[^>]*href="([^"]+)"', head)
            assert any(link.endswith(FEEDS[flavor]) for link in links), (flavor, path)


def test_no_page_runs_code_from_its_input(sites: dict[str, Site]) -> None:
    """Every HTML file of both builds: only the layout's own MathJax script, nothing else."""
    for flavor, site in sites.items():
        pages = sorted(site.out.rglob("*.html"))
        assert len(pages) > len(site.pages), flavor
        for path in pages:
            assert foreign_code(path.read_text("utf-8")) == [], path


def test_math_reaches_the_page_as_written(sites: dict[str, Site]) -> None:
    """MathJax reads the page's text: the math in paper text must arrive as written (no
    emphasis or escapes inside), and every other "$" escaped so that MathJax shows a dollar
    (read with the model in devtools/pages.py; the Chromium test below runs MathJax itself).
    The layout loads MathJax there."""
    for flavor, site in sites.items():
        for name in site.hostile:
            page = site.pages[name].file.read_text("utf-8")
            check_math(read_html(post_content(page)), f"{flavor} {name}")
            assert "mathjax@3" in page.split("</head>", 1)[0], (flavor, name)


def test_the_two_sites_share_one_stylesheet() -> None:
    hugo = ROOT / "templates" / "site" / "hugo" / "static" / "css" / "style.css"
    hexo = ROOT / "templates" / "site" / "hexo" / "themes" / "paperpress" / "source" / "css"
    assert hugo.read_text() == (hexo / "style.css").read_text()


# --- In a browser ---------------------------------------------------------------------------


def test_the_layouts_load_the_mathjax_the_tests_serve(sites: dict[str, Site]) -> None:
    url, folder = helpers.mathjax()
    assert (folder / "es5" / "tex-mml-chtml.js").is_file()
    for site in sites.values():
        for page in site.pages.values():
            head = page.file.read_text("utf-8").split("</head>", 1)[0]
            assert f'<script async src="{url}es5/tex-mml-chtml.js">' in head, page.file


# MathJax's reading of the post body, once it typeset the page: the math it found (escapes,
# which MathJax also lists, have no display mode) and the text with each formula as ⟨math⟩.
_TYPESET = """(async () => {
  if (!window.MathJax || !MathJax.startup) return null;
  await MathJax.startup.promise;
  await document.fonts.ready;
  const content = document.querySelector('.post-content');
  const maths = [];
  for (const item of MathJax.startup.document.math) {
    if (item.display !== null && content.contains(item.typesetRoot)) {
      maths.push(item.start.delim + item.math + item.end.delim);
    }
  }
  const text = content.cloneNode(true);
  text.querySelectorAll('mjx-container').forEach((node) => node.replaceWith('\u27e8math\u27e9'));
  return {
    version: MathJax.version,
    loadedFrom: [...document.scripts].map((script) => script.src).filter(Boolean),
    maths: maths,
    errors: document.querySelectorAll('mjx-merror').length,
    text: text.textContent.replace(/\\s+/g, ' '),
  };
})()"""


def _typeset(browser: Chromium, page: Page) -> dict[str, Any]:
    """Wait for MathJax on the open page; check it ran from this server and found the same
    math as the model that the HTML tests use (devtools/pages.py)."""
    mathjax = browser.evaluate(_TYPESET)
    assert mathjax is not None, f"{page.url}: MathJax did not load"
    assert mathjax["version"] == "3.2.2" and mathjax["errors"] == 0, mathjax
    origin = browser.evaluate("location.origin")
    assert f"{origin}/npm/mathjax@3.2.2/es5/tex-mml-chtml.js" in mathjax["loadedFrom"]
    model = read_html(post_content(page.file.read_text("utf-8"))).maths
    assert sorted(mathjax["maths"]) == sorted(math.source for math in model), page.url
    return mathjax


def test_mathjax_typesets_the_math_and_shows_the_dollars(
    sites: dict[str, Site], browser: Chromium, served: dict[str, str]
) -> None:
    """The hostile posts in Chromium with the real MathJax: "Costs $5 and $10 per run"
    reads as dollars, and every formula of the paper text (and only those) is typeset."""
    browser.emulate(1280, 900)
    for flavor, site in sites.items():
        for name in sorted(site.hostile):
            page = site.pages[name]
            browser.open(served[flavor] + page.url)
            mathjax = _typeset(browser, page)
            assert set(mathjax["maths"]) == MATH, (flavor, name)
            text = mathjax["text"].translate(TYPOGRAPHY)
            assert f"{DOLLARS}, a turn of ⟨math⟩ and ⟨math⟩." in text, (flavor, name)
            assert "costs $25" in text and "We propose LaTeX ⟨math⟩ that costs" in text
            assert "\\$" not in text and "$\\alpha" not in text and "\\(" not in text, text


# Follow each link of the table of contents: where it lands, and whether the heading it
# names is at the top of the window (or the page cannot scroll further).
_FOLLOW_TOC = """(async () => {
  const frame = () => new Promise((done) => requestAnimationFrame(() => setTimeout(done)));
  const landed = [];
  for (const link of document.querySelectorAll('details.toc a[href^="#"]')) {
    link.click();
    await frame();
    const target = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    const bottom = scrollY + innerHeight >= document.documentElement.scrollHeight - 1;
    landed.push({
      link: link.textContent.trim(),
      hash: decodeURIComponent(location.hash.slice(1)),
      id: target && target.id,
      tag: target && target.tagName,
      inPost: !!target && !!target.closest('.post-content'),
      heading: target && target.textContent.trim(),
      top: target && target.getBoundingClientRect().top,
      bottom: bottom,
    });
  }
  return landed;
})()"""


def test_the_table_of_contents_lands_on_each_paper(
    sites: dict[str, Site], browser: Chromium, served: dict[str, str]
) -> None:
    """Every post has a table of contents with a link per paper, at desktop and phone
    widths; each link scrolls its heading to the top of the window. Ids are readable."""
    for screen, (width, height, mobile) in SCREENS.items():
        browser.emulate(width, height, mobile=mobile)
        for flavor, site in sites.items():
            for name, page in sorted(site.pages.items()):
                browser.open(served[flavor] + page.url)
                _typeset(browser, page)
                landed = browser.evaluate(_FOLLOW_TOC)
                where = (screen, flavor, name)
                papers = [link for link in landed if link["tag"] == "H2"]
                if name in site.papers:  # a roundup's h2 are its sections, not its papers
                    assert len(papers) == len(site.papers[name]), where
                for link in landed:
                    assert link["hash"] == link["id"] and link["inPost"], (where, link)
                    assert link["link"] == link["heading"], (where, link)
                    top = link["top"]
                    assert abs(top) <= 1 or (link["bottom"] and 0 < top < height), (where, link)
                if name in site.hostile and "digest" in name:
                    check_readable_id(papers[0]["id"], f"{screen} {flavor}")


# Where the date in the post's title is laid out: on how many lines, and whether the
# title fits in its box.
_TITLE_DATE = """(() => {
  const h1 = document.querySelector('h1.post-title');
  const walker = document.createTreeWalker(h1, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const found = /\\d{4}-\\d{2}-\\d{2}/.exec(node.data);
    if (!found) continue;
    const range = document.createRange();
    range.setStart(node, found.index);
    range.setEnd(node, found.index + found[0].length);
    const lines = new Set([...range.getClientRects()].map((box) => Math.round(box.top)));
    return {date: found[0], lines: lines.size, fits: h1.scrollWidth <= h1.clientWidth};
  }
  return null;
})()"""


@pytest.mark.parametrize("width", [390, 320])
def test_the_date_in_a_title_stays_on_one_line_on_a_phone(
    sites: dict[str, Site], browser: Chromium, served: dict[str, str], width: int
) -> None:
    """ "Software Testing: new papers, 2025-11-11" broke after "2025-" at 390 px."""
    browser.emulate(width, 844, mobile=True)
    for flavor, site in sites.items():
        for name, page in sorted(site.pages.items()):
            if name == ROUNDUP:
                continue  # its title names a week, not a date
            browser.open(served[flavor] + page.url)
            date = browser.evaluate(_TITLE_DATE)
            assert date is not None and date["date"] == DAY, (flavor, name, page.title)
            assert date["lines"] == 1 and date["fits"], (width, flavor, page.title, date)


_LOOK = """(() => {  const h1 = document.querySelector('h1.post-title');
  const box = h1 ? h1.getBoundingClientRect() : null;
  const style = h1 ? getComputedStyle(h1) : null;
  return {
    title: document.title,
    h1: h1 ? h1.innerText : null,
    h1Visible: !!box && box.width > 0 && box.height > 0 && style.visibility === 'visible',
    styled: getComputedStyle(document.body).maxWidth !== 'none',
    width: document.documentElement.scrollWidth,
    lang: document.documentElement.lang,
    brokenLocalImages: [...document.images]
      .filter((img) => img.src.startsWith(location.origin) && !img.naturalWidth)
      .map((img) => img.src),
  };
})()"""


def _check_screenshot(path: Path, size: tuple[int, int]) -> None:
    """A full-page PNG with something on it: not one colour, and ink on a fair share of rows."""
    with Image.open(path) as image:
        assert image.size == size
        gray = image.convert("L")
        assert ImageStat.Stat(gray).stddev[0] > 10, f"{path} is blank"
        # Dark pixels, then one column: a row with any ink is above zero.
        ink = gray.point(lambda value: 255 if value < 128 else 0)
        rows = list(ink.resize((1, gray.height), Image.Resampling.BOX).getdata())
        inked = sum(1 for value in rows if value > 0)
        assert inked > len(rows) / 10, f"{path}: almost no text ({inked} of {len(rows)} rows)"


def test_chromium_shows_a_digest_and_a_topic_post(
    sites: dict[str, Site], browser: Chromium, served: dict[str, str]
) -> None:
    """The demo posts of both sites, at desktop and phone widths, saved as full-page
    screenshots (build/screenshots/FLAVOR-FEED[-phone].png)."""
    shown = []
    for screen, (width, height, mobile) in SCREENS.items():
        browser.emulate(width, height, mobile=mobile)
        for flavor in ("hugo", "hexo"):
            site = sites[flavor]
            for feed in ("hf-daily", "software-testing"):
                page = site.pages[f"{DAY}-{feed}"]
                browser.open(served[flavor] + page.url)
                text = _typeset(browser, page)["text"].translate(TYPOGRAPHY)
                look = browser.evaluate(_LOOK)
                assert look["h1"].strip() == page.title and look["h1Visible"], look["h1"]
                assert look["title"].startswith(page.title)
                assert look["styled"], "the stylesheet did not load"
                assert look["width"] == width, f"{page.url} is wider than the {screen}"
                # Hugo's from the site's languageCode; Hexo's from the post's lang, or the site's.
                assert look["lang"] == page.source.meta.get("lang", "en"), (page.url, look["lang"])
                assert look["brokenLocalImages"] == []
                for paper in site.papers[page.source.name]:
                    assert paper.title in text, paper.title
                # Unfold abstracts and screenshots, so the picture shows all of the post.
                browser.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
                suffix = "" if screen == "desktop" else f"-{screen}"
                shot = SHOTS / f"{flavor}-{feed}{suffix}.png"
                size = browser.screenshot(shot)
                assert size[1] > browser.height, "not the full page"
                _check_screenshot(shot, size)
                shown.append(shot)
    assert len(shown) == 8
    if os.environ.get("PAPERPRESS_UPDATE_SCREENSHOT") == "1":
        _save_readme_screenshot(SHOTS / "hugo-hf-daily.png")


def _save_readme_screenshot(shot: Path) -> None:
    """The top of the Hugo digest, around its column, small enough for the README."""
    with Image.open(shot) as image:
        middle = image.width // 2
        top = image.crop((middle - 492, 0, middle + 492, 860))
    README_SHOT.parent.mkdir(exist_ok=True)
    top.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(README_SHOT, optimize=True)
    assert README_SHOT.stat().st_size < 300 * 1024
