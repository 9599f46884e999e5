"""What a reader reads: author lists, front-matter text that themes print unescaped, the
project link from an arXiv comment, and the wording of notes and progress lines."""

from __future__ import annotations

import re

import frontmatter
from hypothesis import given
from hypothesis import strategies as st

from paperpress.config import ArxivTopicFeed, SiteConfig
from paperpress.models import Links, Paper, SummaryRecord
from paperpress.preflight import SAMPLE_SUMMARIES
from paperpress.progress import LineProgress
from paperpress.render import (
    MAX_AUTHORS,
    Entry,
    TopicEntry,
    make_environment,
    render_digest,
    render_topic,
)
from paperpress.sources.arxiv import project_url
from paperpress.text import inert

ENV = make_environment()
DAY = "2025-11-11"
FEED = ArxivTopicFeed(kind="arxiv_topic", name="t", title="Topic", keywords=["x"])


def paper(**changes) -> Paper:
    values = {"arxiv_id": "2511.00001", "title": "A title", "abstract": "An abstract.", "day": DAY}
    return Paper(**{**values, **changes})


def record(kind: str, source: str = "abstract", model: str = "m") -> SummaryRecord:
    content = SAMPLE_SUMMARIES[kind]
    return SummaryRecord("done", "k", model, "en", "h", source=source, content=content)


def digest(entries, language="en", flavor="hexo"):
    site = SiteConfig(flavor=flavor)
    return render_digest(
        ENV, site, feed_name="hf", tags=["t"], day=DAY, entries=entries, language=language
    )


def topic(entries, language="en"):
    return render_topic(ENV, SiteConfig(), FEED, day=DAY, entries=entries, language=language)


# --- Authors -------------------------------------------------------------------------------


def test_both_posts_cut_long_author_lists_the_same_way_and_say_how_many_more():
    names = tuple(f"Name {n}" for n in range(1, 17))
    many = paper(authors=names)
    shown = ", ".join(names[:MAX_AUTHORS])
    for language, more in (("en", "+6 more"), ("zh", "另有 6 位作者")):
        digest_text = digest([Entry(many, record("digest"))], language).text
        topic_text = topic([TopicEntry(many, record("topic"))], language).text
        assert f"{shown}, {more}" in digest_text
        # the author line and the detailed summary's row, both shortened, both saying so
        assert topic_text.count(f"{shown}, {more}") == 2
        assert "et al." not in digest_text + topic_text and "Name 11" not in topic_text


def test_a_short_author_list_is_shown_whole():
    names = tuple(f"Name {n}" for n in range(1, MAX_AUTHORS + 1))
    text = digest([Entry(paper(authors=names), None)]).text
    assert ", ".join(names) + "\n" in text and "more" not in text


# --- Front matter that themes print unescaped ----------------------------------------------


HOSTILE = "<script>alert(1)</script> {{ .Title }} {% raw %} <img src=x onerror=alert(2)>\x07"


def test_description_summary_and_keywords_are_plain_text():
    hostile = paper(title=HOSTILE, ai_keywords=("<b>bold</b>", "{{ x }}"))
    for flavor in ("hexo", "hugo"):
        meta = frontmatter.loads(digest([Entry(hostile, None)], flavor=flavor).text).metadata
        keywords = meta["keywords"] if flavor == "hugo" else meta["keywords"].split(", ")
        for text in [meta["description"], meta.get("summary", ""), *keywords]:
            assert not re.search(r"<[A-Za-z/!?]|\{\{|\{%|\{#|\x07", text), (flavor, text)
        assert "alert(1)" in meta["description"]  # the words stay, the markup goes


@given(st.text())
def test_inert_text_opens_no_tag_no_template_and_holds_no_control(text):
    out = inert(text)
    assert not re.search(r"<[A-Za-z/!?]", out)
    assert not any(d in out for d in ("{{", "{%", "{#", "}}", "%}", "#}"))
    assert not re.search(r"[\x00-\x1f\x7f-\x9f]", out)


def test_inert_keeps_what_reads_as_text():
    assert inert("a < b, 5 > 3, {x} & y") == "a < b, 5 > 3, {x} & y"
    assert inert("<scr<script>ipt>x") == "x"


# --- Links ---------------------------------------------------------------------------------


def test_a_project_page_in_the_comment_becomes_a_link():
    assert project_url("12 pages. Project page: https://x.github.io/p/.", None) == (
        "https://x.github.io/p/"
    )
    assert project_url("Code: https://github.com/a/b", "See https://arxiv.org/abs/1") is None
    assert project_url(None, "at \\href{https://site.org/demo}{our page}") == (
        "https://site.org/demo"
    )
    linked = paper(links=Links(abs="https://arxiv.org/abs/2511.00001", project="https://x.io/p"))
    assert "[Project page](https://x.io/p)" in topic([TopicEntry(linked, record("topic"))]).text


# --- Wording -------------------------------------------------------------------------------


def test_the_topic_disclaimer_counts_each_source():
    entries = [
        TopicEntry(paper(arxiv_id="1"), record("topic", "full text")),
        TopicEntry(paper(arxiv_id="2"), record("topic", "full text")),
        TopicEntry(paper(arxiv_id="3"), record("topic", "abstract")),
    ]
    assert "by m (2 from the full text, 1 from the abstract)" in topic(entries).text
    assert "由 m 生成（2 篇基于论文全文、1 篇基于论文摘要）" in topic(entries, "zh").text
    only = [TopicEntry(paper(arxiv_id="3"), record("topic", "abstract"))]
    assert "by m (1 from the abstract)" in topic(only).text


def test_progress_counts_in_the_singular_and_the_plural(capsys):
    progress = LineProgress()
    progress.start("hf-daily 2025-11-11", 1)
    progress.start("hf-daily 2025-11-12", 2)
    assert capsys.readouterr().err.splitlines() == [
        "hf-daily 2025-11-11: summarizing 1 paper",
        "hf-daily 2025-11-12: summarizing 2 papers",
    ]
