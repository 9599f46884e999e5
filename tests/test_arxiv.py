"""arXiv: parsers on every recording, the calendar, queries, and the polite client."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import httpx2
import pytest

from paperpress.errors import SourceError
from paperpress.models import Paper
from paperpress.sources import arxiv
from tests.helpers import fixture, fixture_names

API = [name for name in fixture_names("arxiv/query_*.xml") if "error" not in name]


def read(name: str) -> bytes:
    return fixture(f"arxiv/{name}").read_bytes()


@pytest.mark.parametrize("name", API, ids=lambda name: Path(name).stem[:40])
def test_every_api_recording_parses_into_clean_papers(name):
    page = arxiv.parse_api(fixture(name).read_bytes(), day="2026-01-01", feed="t")
    assert page.problems == []
    assert page.total >= len(page.papers)
    for paper in page.papers:
        assert paper.title and "\n" not in paper.title and "  " not in paper.title
        assert paper.abstract and not paper.abstract.startswith(" ")
        assert paper.version and paper.version >= 1
        assert paper.links.abs == f"https://arxiv.org/abs/{paper.arxiv_id}"
        # Derived from the id: the transitional format had links without rel/title.
        assert paper.links.pdf == f"https://arxiv.org/pdf/{paper.arxiv_id}v{paper.version}"
        assert paper.categories and all(paper.authors)
        assert all(a == a.strip() for a in paper.authors)


def test_legacy_format_keeps_old_style_ids_and_joins_hard_wraps():
    page = arxiv.parse_api(
        read("query_all-electron-AND-all-proton_2025-08-20_legacy-format.atom.xml")
    )
    assert page.total == 7370 and len(page.papers) == 10
    assert page.papers[0].arxiv_id == "astro-ph/9904306"
    assert all("\n" not in p.abstract.replace("\n\n", "") for p in page.papers)


def test_current_format_versions_and_primary_category_first():
    page = arxiv.parse_api(read("query_all-testing_s0_m10_2026-04-12.atom.xml"))
    assert sum(1 for p in page.papers if p.version > 1) == 5
    first = page.papers[0]
    assert first.categories[0] == "cs.SE"


def test_doi_journal_ref_and_a_leading_space_in_an_author_name():
    (paper,) = arxiv.parse_api(read("query_idlist-1207.7214_2026-05-02.atom.xml")).papers
    assert (paper.arxiv_id, paper.version) == ("1207.7214", 2)
    assert paper.authors == ("The ATLAS Collaboration",)
    assert paper.doi == "10.1016/j.physletb.2012.08.020"
    assert paper.journal_ref == "Phys.Lett. B716 (2012) 1-29"
    assert paper.comment.startswith("24 pages plus author list")


def test_the_title_zero_is_a_title():
    (paper,) = arxiv.parse_api(read("query_idlist-2104.12255v1_title-0_2026-04-12.atom.xml")).papers
    assert paper.title == "0"


def test_latex_survives_parsing():
    fixture = "query_idlist-2206.06921_2025-11-11_transitional-format.atom.xml"
    (paper,) = arxiv.parse_api(read(fixture)).papers
    assert "$d\\in\\mathbb{N}$" in paper.abstract


def test_an_empty_result_is_empty_not_an_error():
    page = arxiv.parse_api(read("query_idlist-0000.0000_empty_2026-04-12.atom.xml"))
    assert (page.total, page.papers) == (0, [])


def test_the_http_400_error_entry_becomes_a_clear_message():
    raw = read("query_idlist-abc_error-http400_2026-04-12.atom.xml")
    assert arxiv.api_error(raw) == "incorrect id format for abc"
    with pytest.raises(SourceError, match="arXiv API error: incorrect id format for abc"):
        arxiv.parse_api(raw)


def test_rss_listing_keeps_announce_types_and_strips_the_prefix():
    listing = arxiv.parse_listing(read("rss_all-archives_2024-11-28.excerpt.xml"))
    assert listing.announced == date(2024, 11, 28)
    kinds = [item.announce_type for item in listing.items]
    assert (kinds.count("new"), kinds.count("cross"), kinds.count("replace")) == (9, 2, 4)
    first = listing.items[0]
    assert (first.arxiv_id, first.version) == ("2411.17735", 1)
    assert (
        first.abstract.startswith("Constructing compact") and "Announce Type" not in first.abstract
    )
    assert "cs.CV" in first.categories


def test_atom_listing():
    listing = arxiv.parse_listing(read("atomfeed_cs.AI_2025-08-20.excerpt.xml"))
    assert listing.announced == date(2025, 8, 20)
    assert len(listing.items) == 86
    assert {i.announce_type for i in listing.items} == {"new", "cross"}


def test_listing_error_and_empty_forms():
    with pytest.raises(SourceError, match="Bad archive 'astroph'"):
        arxiv.parse_listing(read("rss_bad-archive-astroph_error_2024-11-28.xml"))
    empty = arxiv.parse_listing(read("rss_test-archive_empty-channel_2024-11-28.xml"))
    assert empty.items == [] and empty.announced == date(2024, 11, 28)


def test_garbage_is_not_a_feed():
    with pytest.raises(SourceError):
        arxiv.parse_listing(b"<html><body>503 Service Unavailable")


# --- calendar, queries, matching ----------------------------------------------------------


def test_announcement_days():
    assert arxiv.has_announcement(date(2025, 11, 11))  # Tuesday
    assert not arxiv.has_announcement(date(2025, 11, 15))  # Saturday
    assert not arxiv.has_announcement(date(2026, 11, 27))  # after Thanksgiving evening
    assert arxiv.latest_announcement(date(2025, 11, 16)) == date(2025, 11, 14)


def test_submission_windows_follow_the_14_00_eastern_cutoffs():
    start, end = arxiv.submission_window(date(2025, 11, 11))  # Tuesday: Fri 14:00 - Mon 14:00
    assert start == datetime(2025, 11, 7, 19, 0, tzinfo=UTC)
    assert end == datetime(2025, 11, 10, 19, 0, tzinfo=UTC)
    start, end = arxiv.submission_window(date(2025, 8, 20))  # summer time: UTC-4
    assert (start.hour, end.hour) == (18, 18)
    assert arxiv.submission_window(date(2025, 11, 10))[1].date() == date(2025, 11, 7)


def test_search_query_shape():
    query = arxiv.search_query(
        ["diffusion model", 'say "x"'],
        ["cs.CV", "cs.LG"],
        (datetime(2025, 11, 7, 19, tzinfo=UTC), datetime(2025, 11, 10, 19, tzinfo=UTC)),
    )
    assert query == (
        '(ti:"diffusion model" OR abs:"diffusion model" OR ti:"say x" OR abs:"say x")'
        " AND (cat:cs.CV OR cat:cs.LG) AND submittedDate:[202511071900 TO 202511101900]"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Latent Diffusion Models for X", True),
        ("a diffusion\nmodel", True),
        ("diffusion modelling of heat", False),
        ("Transformers only", False),
    ],
)
def test_on_topic(text, expected):
    paper = Paper(arxiv_id="1", title=text)
    assert arxiv.on_topic(paper, ["diffusion model"]) is expected


def test_code_url_from_abstract_or_comment():
    assert arxiv.code_url("See https://github.com/RL4M/MED-PEFT.", None) == (
        "https://github.com/RL4M/MED-PEFT"
    )
    assert arxiv.code_url("no code", "Code: https://gitlab.com/a/b") == "https://gitlab.com/a/b"
    assert arxiv.code_url("https://example.com", None) is None


# --- the polite client, with a fake clock --------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


def test_requests_are_spaced_three_seconds_apart_retries_included():
    clock = FakeClock()
    answers = iter(
        [
            httpx2.Response(503, headers={"Retry-After": "0"}),
            httpx2.Response(406),
            httpx2.Response(200, content=read("query_idlist-1207.7214_2026-05-02.atom.xml")),
            httpx2.Response(200, content=read("query_idlist-0000.0000_empty_2026-04-12.atom.xml")),
        ]
    )
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        clock.now += 0.5  # the server takes half a second
        return next(answers)

    client = arxiv.make_client(
        transport=httpx2.MockTransport(handler), clock=clock, sleep=clock.sleep
    )
    endpoints = arxiv.Endpoints(api="https://api.test/query")
    with client:
        papers = arxiv.by_ids(
            client, endpoints, ["1207.7214"], day="d", feed="f", sleep=clock.sleep
        )
        assert [p.arxiv_id for p in papers] == ["1207.7214"]
        arxiv.by_ids(client, endpoints, ["0000.0000"], day="d", feed="f", sleep=clock.sleep)
    # 503: Retry-After 0, then the hook waits out the 3 s; 406: backoff 6 s (> 3 s, no extra).
    assert clock.sleeps == [0.0, 2.5, 6.0, 2.5]
    assert len(seen) == 4
    assert seen[0].headers["user-agent"].startswith("paperpress/")
    assert "atom+xml" in seen[0].headers["accept"]
    assert seen[0].url.params["id_list"] == "1207.7214"


def test_a_400_error_feed_is_reported_with_its_message():
    raw = read("query_idlist-abc_error-http400_2026-04-12.atom.xml")
    client = arxiv.make_client(
        transport=httpx2.MockTransport(lambda request: httpx2.Response(400, content=raw)),
        sleep=lambda s: None,
    )
    with client, pytest.raises(SourceError, match="HTTP 400: incorrect id format for abc"):
        arxiv.by_ids(client, arxiv.Endpoints(api="https://api.test/q"), ["abc"], day="d", feed="f")


def test_search_pages_until_the_total():
    pages = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        pages.append(int(request.url.params["start"]))
        return httpx2.Response(200, content=read("query_all-testing_s0_m10_2026-04-12.atom.xml"))

    client = arxiv.make_client(transport=httpx2.MockTransport(handler), sleep=lambda s: None)
    with client:
        papers = arxiv.search(
            client,
            arxiv.Endpoints(api="https://api.test/q"),
            "all:testing",
            day="d",
            feed="f",
            limit=250,
        )
    assert pages == [0, 100, 200] and len(papers) == 30
