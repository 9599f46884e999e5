"""A rolling topic: one post for the topic, not one per day, each day's papers under its
own heading, newest day first; a backfill of an older day leaves the post as it is, and
`paperpress render` writes it again from data/ alone.
"""

from __future__ import annotations

import re

import pytest

from devtools.fakes.arxiv_server import serve_arxiv
from paperpress.cli import main
from paperpress.escape import md_inline
from tests.helpers import (
    LISTING_DAY,
    arxiv_state,
    headings,
    metadata,
    project_snapshot,
    recorded_listing,
    recorded_search,
    run_day,
    title,
    topic,
    write_config,
)

DAY = LISTING_DAY

pytestmark = pytest.mark.usefixtures("no_polite_wait")


def test_a_rolling_topic_keeps_one_post_newest_day_first(project, capsys):
    listing, search = recorded_listing(), recorded_search()
    state = arxiv_state(listings={"cs.CV": listing}, search_pages={0: search}, papers=metadata())
    with serve_arxiv(state) as base:
        feed = topic(
            base,
            "rolling",
            title="Testing and Diffusion",
            keywords=["testing", "diffusion"],
            max_papers=2,
            rolling=True,
        )
        config = write_config(project, [feed])
        assert run_day(config, "2024-11-27") == 0  # the listing is not for this day: a search
        assert run_day(config, DAY) == 0  # the listing
        out = capsys.readouterr().out
        # Ten results name "testing"; two are kept, the rest are over max_papers: skipped.
        assert "done: fetched 10, summarized 2, cached 0, pending 0, skipped 8" in out
        assert "done: fetched 3, summarized 2, cached 0, pending 0, skipped 1" in out
        assert out.count("rolling.md") == 2
        path = project / "posts" / "rolling.md"
        assert [p.name for p in (project / "posts").iterdir()] == ["rolling.md"]
        post = path.read_text()
        assert re.findall(r"^# (.*)$", post, re.MULTILINE) == [f"{DAY} 更新", "2024-11-27 更新"]
        assert headings(post) == [
            md_inline(title("2411.17763")),
            md_inline(title("2411.17769")),
            md_inline("A Survey on Web Testing: On the Rise of AI and Applications in Industry"),
            md_inline("OpenCat: Improving Interoperability of ADS Testing"),
        ]
        assert 'title: "Testing and Diffusion"' in post and f'date: "{DAY} 00:00:00"' in post

        # Running an older day again (a backfill) changes nothing: the post stays as it is.
        before = project_snapshot(project)
        assert run_day(config, "2024-11-27") == 0
        assert project_snapshot(project) == before

    original = path.read_bytes()
    path.unlink()
    assert main(["render", "--config", config], environ={}) == 0
    assert path.read_bytes() == original
