"""Golden posts, byte for byte, in each flavor: the digest for a recorded day, and a topic
post for a recorded search.

After an intended change to the templates or rendering, regenerate with
``PAPERPRESS_UPDATE_GOLDEN=1 make test`` and review the diff like code.
"""

from __future__ import annotations

import dataclasses
import os

import pytest

from paperpress import extractive
from paperpress.config import ArxivTopicFeed, SiteConfig
from paperpress.models import SummaryRecord
from paperpress.render import Entry, TopicEntry, make_environment, render_digest, render_topic
from paperpress.screenshots import parse_html_figures
from paperpress.sources import arxiv, hf
from tests.helpers import ROOT, figure_page, fixture, recorded_search

GOLDEN = ROOT / "tests" / "golden"


def entries(language: str) -> list[Entry]:
    raw = fixture("hf/daily_papers_2025-04-11.json").read_bytes()
    papers = hf.parse_daily_papers(raw, day="2025-04-11", feed="hf-daily").papers
    result = []
    for index, paper in enumerate(papers):
        failed = index == 2  # one paper whose summary failed: shown with its abstract
        record = SummaryRecord(
            status="pending" if failed else "done",
            key="k",
            model="m" if failed else "extractive",
            language=language,
            prompt_hash="h",
            content=None
            if failed
            else extractive.summarize(paper, language).model_dump(mode="json"),
            error="APITimeoutError" if failed else None,
        )
        result.append(Entry(paper, record))
    return result


@pytest.mark.parametrize(("flavor", "language"), [("hexo", "zh"), ("hugo", "en")])
def test_digest_matches_golden(flavor, language):
    site = SiteConfig(flavor=flavor, timezone="Asia/Shanghai", author="golden")
    post = render_digest(
        make_environment(ROOT / "templates"),
        site,
        feed_name="hf-daily",
        tags=["Hugging Face", "Daily Papers"],
        day="2025-04-11",
        entries=entries(language),
        language=language,
    )
    golden = GOLDEN / f"digest-{flavor}-{language}.md"
    if os.environ.get("PAPERPRESS_UPDATE_GOLDEN") == "1":
        golden.write_text(post.text, encoding="utf-8")
    assert golden.exists(), "no golden file yet: run with PAPERPRESS_UPDATE_GOLDEN=1"
    assert post.text == golden.read_text(encoding="utf-8")


def golden_entries(language: str) -> list[TopicEntry]:
    """Four papers of a recorded search: extractive summaries, one pending, and figures of
    each kind (the recorded HTML page's, rendered from a PDF, none)."""
    papers = arxiv.parse_api(recorded_search(), day="2025-11-11", feed="software-testing").papers
    chosen = {p.arxiv_id: p for p in papers if p.arxiv_id in GOLDEN_IDS}
    html_figures = parse_html_figures(figure_page().decode(), "https://arxiv.org/html/2507.00150v1")
    figures = {
        "2503.05378": [dataclasses.asdict(f) for f in html_figures],
        "2502.07719": [
            {"url": f"/images/papers/2502.07719v2-p{n}.webp", "caption": caption, "source": "pdf"}
            for n, caption in ((1, "first page"), (2, "Figure 1: Overview."))
        ],
    }
    entries = []
    for arxiv_id in GOLDEN_IDS:
        paper = chosen[arxiv_id]
        common = {"key": "k", "language": language, "prompt_hash": "h"}
        if arxiv_id == "2302.03287":
            record = SummaryRecord(status="pending", model="gpt-4o-mini", error="timeout", **common)
        else:
            content = extractive.summarize_topic(paper, language).model_dump(mode="json")
            note = "the built-in summarizer reads only the abstract"
            record = SummaryRecord(
                status="done", model="extractive", source_note=note, content=content, **common
            )
        entries.append(TopicEntry(paper, record, figures.get(arxiv_id, ())))
    return entries


GOLDEN_IDS = ["2503.05378", "2502.07719", "2302.03287", "1812.11470"]  # newest first


@pytest.mark.parametrize(("flavor", "language"), [("hexo", "zh"), ("hugo", "en")])
def test_topic_post_matches_golden(flavor, language):
    """After an intended change to the topic template or rendering, regenerate with
    ``PAPERPRESS_UPDATE_GOLDEN=1`` and review the diff like code."""
    site = SiteConfig(flavor=flavor, timezone="Asia/Shanghai", author="golden")
    feed = ArxivTopicFeed(
        kind="arxiv_topic",
        name="software-testing",
        title="Software Testing",
        keywords=["software testing", "test generation", "GUI testing"],
        categories=["cs.SE"],
    )
    post = render_topic(
        make_environment(ROOT / "templates"),
        site,
        feed,
        day="2025-11-11",
        entries=golden_entries(language),
        language=language,
    )
    golden = ROOT / "tests" / "golden" / f"topic-{flavor}-{language}.md"
    if os.environ.get("PAPERPRESS_UPDATE_GOLDEN") == "1":
        golden.write_text(post.text, encoding="utf-8")
    assert golden.exists(), "no golden file yet: run with PAPERPRESS_UPDATE_GOLDEN=1"
    assert post.text == golden.read_text(encoding="utf-8")
