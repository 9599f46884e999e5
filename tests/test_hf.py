"""Hugging Face Daily Papers: the parser on every recording, and fetch over real HTTP."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devtools.fakes.hf_server import HFState, serve_hf
from paperpress import net
from paperpress.errors import SourceError
from paperpress.sources import hf
from tests.helpers import fixture, fixture_names

RECORDINGS = fixture_names("hf/daily_papers_*.json")


@pytest.mark.parametrize("name", RECORDINGS, ids=lambda name: Path(name).stem)
def test_every_recording_parses_into_clean_papers(name):
    raw = fixture(name).read_bytes()
    parsed = hf.parse_daily_papers(raw, day="2025-01-01", feed="hf-daily")
    assert len(parsed.papers) == len(json.loads(raw))
    assert parsed.problems == []
    for paper in parsed.papers:
        assert "\n" not in paper.title and "  " not in paper.title
        assert paper.title == paper.title.strip()
        assert paper.abstract and "  " not in paper.abstract
        assert paper.authors and all(a == a.strip() for a in paper.authors)
        assert paper.links.abs == f"https://arxiv.org/abs/{paper.arxiv_id}"
        assert paper.links.pdf == f"https://arxiv.org/pdf/{paper.arxiv_id}"
        assert paper.links.hf == f"https://huggingface.co/papers/{paper.arxiv_id}"
        assert paper.thumbnail and paper.thumbnail.startswith("https://")
        assert paper.day == "2025-01-01" and paper.feed == "hf-daily"


def test_old_2024_schema_uses_media_url_as_thumbnail():
    papers = hf.parse_daily_papers(
        fixture("hf/daily_papers_2024-04-04.json").read_bytes(), day="2024-04-04", feed="f"
    ).papers
    first = papers[0]
    assert first.arxiv_id == "2404.02258"
    assert first.title == (
        "Mixture-of-Depths: Dynamically allocating compute in transformer-based language models"
    )
    assert first.upvotes == 33
    assert first.thumbnail.endswith("/papers/2404.02258.png")
    assert first.ai_summary is None and first.ai_keywords == ()
    assert "50\\% faster" in first.abstract  # LaTeX kept as written


def test_2025_11_schema_keeps_ai_fields_code_and_organization():
    papers = hf.parse_daily_papers(
        fixture("hf/daily_papers_2025-11-11.json").read_bytes(), day="2025-11-11", feed="f"
    ).papers
    halumem = next(p for p in papers if p.arxiv_id == "2511.03506")
    assert halumem.links.code == "https://github.com/MemTensor/HaluMem"
    assert halumem.github_stars == 42
    assert halumem.organization == "MemTensor"
    assert halumem.ai_summary.startswith("HaluMem, a benchmark")
    assert "memory systems" in halumem.ai_keywords
    assert halumem.published == "2025-11-05T14:37:34.000Z"


def test_markup_in_titles_is_kept_as_text():
    papers = hf.parse_daily_papers(
        fixture("hf/daily_papers_2025-04-11.json").read_bytes(), day="2025-04-11", feed="f"
    ).papers
    titles = [p.title for p in papers]
    assert "DeepSeek-R1 Thoughtology: Let's <think> about LLM Reasoning" in titles


def test_abstract_paragraphs_survive_and_hard_wraps_join():
    item = {"paper": {"id": "2501.00001", "title": "T", "summary": "a\nb\n\n  c\nd  e"}}
    paper = hf.parse_daily_papers([item], day="d", feed="f").papers[0]
    assert paper.abstract == "a b\n\nc d e"


@pytest.mark.parametrize(
    ("item", "problem"),
    [
        ({"paper": {"title": "no id"}}, "no paper id"),
        ({"paper": {"id": "2501.00002", "title": "  \n "}}, "has no title"),
        ("a string", "not an object"),
        (None, "not an object"),
    ],
)
def test_unusable_items_are_skipped_with_a_reason(item, problem):
    good = {"paper": {"id": "2501.00001", "title": "Good"}}
    parsed = hf.parse_daily_papers([item, good], day="d", feed="f")
    assert [p.arxiv_id for p in parsed.papers] == ["2501.00001"]
    assert len(parsed.problems) == 1 and problem in parsed.problems[0]


def test_drifted_fields_are_optional_and_unknown_ones_ignored():
    items = [
        {"title": "Outer title only", "paper": {"id": "2501.00003v2", "upvotes": "many"}},
        {
            "paper": {
                "id": "2501.00004",
                "title": "x",
                "authors": [{"name": 3}, "bad", {}],
                "githubRepo": "javascript:alert(1)",
                "projectPage": "https://github.com/a/b",
                "ai_keywords": "not a list",
                "brandNewField": {"x": 1},
            }
        },
    ]
    first, second = hf.parse_daily_papers(items, day="d", feed="f").papers
    assert (first.arxiv_id, first.version, first.title) == ("2501.00003", 2, "Outer title only")
    assert first.upvotes == 0
    assert second.authors == () and second.ai_keywords == ()
    assert second.links.code == "https://github.com/a/b"  # a GitHub project page is the code
    assert second.links.project is None


def test_duplicate_ids_are_kept_once():
    items = [
        {"paper": {"id": "2501.00001", "title": "First", "upvotes": 1}},
        {"paper": {"id": "2501.00001v2", "title": "Again", "upvotes": 9}},
    ]
    parsed = hf.parse_daily_papers(items, day="d", feed="f")
    assert [p.title for p in parsed.papers] == ["First"]
    assert "duplicate id 2501.00001" in parsed.problems[0]


def test_a_response_that_is_not_a_list_is_a_source_error():
    with pytest.raises(SourceError, match="expected a JSON list"):
        hf.parse_daily_papers(b'{"error": "Invalid date"}', day="d", feed="f")


# --- fetch, over real HTTP on 127.0.0.1 -------------------------------------------------


def _items(count: int) -> list[dict]:
    return [{"paper": {"id": f"2501.{n:05d}", "title": f"Paper {n}"}} for n in range(count)]


def test_fetch_follows_pages_until_a_short_page():
    state = HFState(days={"2025-01-02": _items(230)})
    with serve_hf(state) as base, net.make_http_client() as http:
        parsed = hf.fetch(http, base_url=base, day="2025-01-02", feed="hf-daily")
    assert len(parsed.papers) == 230
    assert [r.split("&p=")[1] for r in state.requests] == ["0", "1", "2"]
    assert all("limit=100" in r and "date=2025-01-02" in r for r in state.requests)
    assert all(ua.startswith("paperpress/") for ua in state.user_agents)


def test_fetch_of_an_exact_multiple_asks_for_the_empty_next_page():
    state = HFState(days={"2025-01-02": _items(100)})
    with serve_hf(state) as base, net.make_http_client() as http:
        parsed = hf.fetch(http, base_url=base, day="2025-01-02", feed="hf-daily")
    assert len(parsed.papers) == 100 and len(state.requests) == 2


def test_fetch_retries_429_and_5xx_honouring_retry_after():
    waits: list[float] = []
    state = HFState(days={"2025-01-02": _items(3)}, failures=[(429, "7"), (503, None)])
    with serve_hf(state) as base, net.make_http_client() as http:
        parsed = hf.fetch(
            http, base_url=base, day="2025-01-02", feed="f", sleep=waits.append, backoff=1.5
        )
    assert len(parsed.papers) == 3
    assert waits == [7.0, 3.0]  # Retry-After, then the backoff's second step (1.5 * 2)


def test_fetch_gives_up_with_the_url_and_status():
    state = HFState(failures=[(500, None)] * 5)
    with (
        serve_hf(state) as base,
        net.make_http_client() as http,
        pytest.raises(SourceError, match=r"daily_papers\?date=2025-01-02.* HTTP 500"),
    ):
        hf.fetch(http, base_url=base, day="2025-01-02", feed="f", sleep=lambda s: None)
    assert len(state.requests) == 4  # the first try and three retries


def test_fetch_does_not_retry_a_client_error():
    state = HFState(failures=[(400, None)])
    with (
        serve_hf(state) as base,
        net.make_http_client() as http,
        pytest.raises(SourceError, match="HTTP 400"),
    ):
        hf.fetch(http, base_url=base, day="2025-13-40", feed="f", sleep=lambda s: None)
    assert len(state.requests) == 1


def test_an_empty_day_is_a_normal_empty_result():
    with serve_hf(HFState()) as base, net.make_http_client() as http:
        parsed = hf.fetch(http, base_url=base, day="2025-01-04", feed="f")
    assert parsed.papers == [] and parsed.problems == []
