"""Topic posts (arXiv) rendered by paperpress, built by the real Hugo and Hexo: folded
sections (Hugo's details shortcode, Hexo's <details>), screenshots with their captions as
alt text, and the same inert paper text as the digests (tests/test_site_hugo.py,
tests/test_site_hexo.py), from a topic post of hostile input in each language.

Built by the site builder's own runs (devtools/site.py: run_hugo, run_hexo) in temporary
copies of templates/site/; tests/test_blog.py looks at real topic posts in Chromium.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest

from devtools.pages import (
    TYPOGRAPHY,
    foreign_code,
    post_content,
    post_title,
    read_html,
)
from devtools.site import find_posts, run_hugo
from paperpress.config import ArxivTopicFeed
from paperpress.escape import plain
from paperpress.models import Post
from paperpress.render import make_environment, render_topic
from tests import helpers
from tests.helpers import (
    FEED_TAGS,
    HF_DAY,
    LITERALS,
    NASTY_TITLE,
    ROOT,
    TOPIC_FIGURE,
    TOPIC_LOCAL,
    Written,
    blog_site,
    check_math,
    hexo_report,
    hostile_topic_entries,
    write_posts,
)

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
            day=HF_DAY,
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
    write_posts([Written(post, []) for post, _ in posts.values()], folder / "posts")
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
    write_posts([Written(post, []) for post, _ in posts.values()], folder / "posts")
    data = hexo_report(folder / "posts", folder / "public")
    assert data["problems"] == []
    return posts, {Path(post["source"]).stem: post for post in data["posts"]}


def test_hexo_loads_topic_posts_with_details_and_images(topic_hexo) -> None:
    posts, loaded = topic_hexo
    assert set(loaded) == set(posts)
    for stem, (post, language) in posts.items():
        assert loaded[stem]["title"] == post.front_matter["title"]
        assert sorted(loaded[stem]["tags"]) == sorted(set(post.front_matter["tags"]))
        _check_topic(loaded[stem]["content"], language, "hexo")
