"""Posts rendered by paperpress, loaded and built by the real Hexo.

Hexo fails quietly (research/platform.md C1): it drops a post whose front matter it cannot
parse. So every post is checked as Hexo loaded it: present, title, date and terms exact,
and the paper text shown as text, never as HTML, a heading, a code block or a Nunjucks
tag, in the theme's pages too; a table of contents, the post's language, readable ids.

The posts are hostile on purpose (tests/helpers.py): a digest in each language whose paper
text is every trap at once, and one post per title that YAML 1.1, a careless emitter or a
template language misreads. The site is the example blog in templates/site/hexo, built in
a temporary copy by the site builder's own run (devtools/site.py: run_hexo), which reports
what Hexo did and leaves the judging to these tests. Hexo comes from
templates/site/hexo/node_modules, which ``make test`` installs with ``npm ci``.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from devtools.pages import (
    TYPOGRAPHY,
    foreign_code,
    head_meta,
    heading_ids,
    post_content,
    post_title,
    table_of_contents,
)
from paperpress.escape import plain
from tests.helpers import (
    NASTY_TITLE,
    TIMEZONE,
    Written,
    check_readable_id,
    check_rendered,
    check_toc,
    first_image_alt,
    hexo_report,
    hostile_posts,
    write_posts,
)


@dataclass(frozen=True)
class HexoLoad:
    posts: dict[str, Written]
    loaded: dict[str, dict[str, Any]]  # Hexo's posts, by file stem
    files: list[str]
    problems: list[dict[str, str]]
    public: Path  # the generated site


@pytest.fixture(scope="module")
def hexo_load(tmp_path_factory: pytest.TempPathFactory) -> HexoLoad:
    folder = tmp_path_factory.mktemp("hexo")
    posts = write_posts(hostile_posts("hexo"), folder / "posts")
    data = hexo_report(folder / "posts", folder / "public")
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
        check_rendered(hexo_load.loaded[stem]["content"], item, "hexo")


def test_hexo_posts_have_a_table_of_contents(hexo_load: HexoLoad) -> None:
    for stem, item in hexo_load.posts.items():
        page = (hexo_load.public / hexo_load.loaded[stem]["path"] / "index.html").read_text()
        check_toc(page, item, f"hexo {stem}")
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
            alt = first_image_alt(hexo_load.loaded[stem]["content"])
            assert alt == plain(NASTY_TITLE).translate(TYPOGRAPHY), stem
