"""Golden posts: the digest for a recorded day, byte for byte, in each flavor.

After an intended change to the templates or rendering, regenerate with
``PAPERPRESS_UPDATE_GOLDEN=1 make test`` and review the diff like code.
"""

from __future__ import annotations

import os

import pytest

from paperpress import extractive
from paperpress.config import SiteConfig
from paperpress.models import SummaryRecord
from paperpress.render import Entry, make_environment, render_digest
from paperpress.sources import hf
from tests.helpers import FIXTURES, ROOT

GOLDEN = ROOT / "tests" / "golden"


def entries(language: str) -> list[Entry]:
    raw = (FIXTURES / "hf" / "daily_papers_2025-04-11.json").read_bytes()
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
