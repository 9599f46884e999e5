"""Posts rendered by paperpress, built by the real Hugo.

Hugo fails quietly (research/platform.md C3): it zeroes a bad date, skips a future one and
reads some bare words as booleans. So every post is checked as Hugo saw it: listed, title,
date and front matter types exact, no warning, and the paper text shown as text, never as
HTML, a heading, a code block or a shortcode; a table of contents and readable heading ids.

The posts are hostile on purpose (tests/helpers.py): a digest in each language whose paper
text is every trap at once, and one post per title that YAML 1.1, a careless emitter or a
template language misreads. The site is the example blog in templates/site/hugo, built in
a temporary copy by the site builder's own run (devtools/site.py: run_hugo), which reports
what Hugo did and leaves the judging to these tests. Hugo comes from the dev requirements
(a PyPI wheel, offline).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

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
from devtools.site import find_posts, run_hugo
from paperpress.escape import plain
from tests import helpers
from tests.helpers import (
    NASTY_TITLE,
    Written,
    check_readable_id,
    check_rendered,
    check_toc,
    first_image_alt,
    hostile_posts,
    write_posts,
)


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
    posts = write_posts(hostile_posts("hugo"), folder / "posts")
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
        check_rendered(content, item, "hugo")
        if item.papers:
            assert first_image_alt(content) == plain(NASTY_TITLE).translate(TYPOGRAPHY)


def test_hugo_posts_have_a_table_of_contents(hugo_build: HugoBuild) -> None:
    for stem, item in hugo_build.posts.items():
        page = (hugo_build.public / "posts" / stem / "index.html").read_text("utf-8")
        check_toc(page, item, f"hugo {stem}")
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
