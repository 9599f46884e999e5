"""Hostile source data, seen as a user sees it: the CLI runs a day with two feeds against
the local stand-ins (devtools/fakes/), and data no parser expects must cost at most its own
feed, never the run. A Hugging Face page of ``[[[...]]]`` fails the digest with one line;
an arXiv listing with a date that is no date costs nothing (another date of the listing
stands in). And whatever still escapes, a bug, ends the run with one line, not a traceback.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from devtools.fakes.arxiv_server import serve_arxiv
from devtools.fakes.hf_server import HFState, serve_hf
from devtools.fakes.hostile import Nested
from paperpress import pipeline
from paperpress.cli import main
from paperpress.sources import arxiv
from tests.helpers import (
    LISTING_DAY,
    failures,
    hf_items,
    listing_state,
    recorded_listing,
    topic,
    write_config,
)

DAY = LISTING_DAY
TOPIC_POST = f"{DAY}-video-diffusion.md"
DIGEST_POST = f"{DAY}-hf-daily.md"
GOOD_DATE = b"<pubDate>Thu, 28 Nov 2024 00:00:00 -0500</pubDate>"
BAD_DATE = b"<pubDate>Wed, 27 Xyz 2024</pubDate>"

pytestmark = pytest.mark.usefixtures("no_polite_wait")


def two_feeds(project: Path, hf_base: str, arxiv_base: str) -> str:
    hf_feed = {"name": "hf-daily", "kind": "hf_daily", "base_url": hf_base}
    return write_config(project, [hf_feed, topic(arxiv_base, fulltext=False)], language="en")


def run_both(project: Path, hf_state: HFState, listing: bytes | None = None, **environ: str):
    state = listing_state()
    if listing is not None:
        state.listings["cs.CV"] = listing
    with serve_hf(hf_state) as hf_base, serve_arxiv(state) as arxiv_base:
        config = two_feeds(project, hf_base, arxiv_base)
        return main(["run", "--config", config, "--date", DAY], environ=environ)


# --- A Hugging Face page nested too deep ------------------------------------------------------


def test_an_hf_page_nested_too_deep_fails_its_feed_with_one_line(project, capsys):
    code = run_both(project, HFState(hostile={DAY: Nested()}))
    out, err = capsys.readouterr()
    lines = failures(err)
    assert code == 1, err
    assert (project / "posts" / TOPIC_POST).is_file(), out  # the other feed got its post
    assert not (project / "posts" / DIGEST_POST).exists()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"paperpress: failed: hf-daily {DAY}: GET http://127.0.0.1:")
    assert "nests too deep" in lines[0], lines[0]
    assert "Traceback" not in err


# --- A listing date that is no date -----------------------------------------------------------


def test_a_listing_date_that_is_no_date_falls_back_to_another_date_of_the_listing():
    raw = recorded_listing()
    assert arxiv.parse_listing(raw.replace(GOOD_DATE, BAD_DATE, 1)).announced == date(2024, 11, 28)
    assert arxiv.parse_listing(raw.replace(GOOD_DATE, BAD_DATE, 2)).announced == date(2024, 11, 28)
    iso = raw.replace(GOOD_DATE, b"<pubDate>2024-13-45</pubDate>", 1)
    assert arxiv.parse_listing(iso).announced == date(2024, 11, 28)
    assert arxiv.parse_listing(raw.replace(GOOD_DATE, BAD_DATE)).announced is None


def test_an_arxiv_listing_with_a_bad_date_still_gives_its_topic_post(project, capsys):
    """The channel's date and the first item's are no dates: the next item's date says
    which day the listing announces, and the topic is posted from it."""
    listing = recorded_listing().replace(GOOD_DATE, BAD_DATE, 2)
    code = run_both(project, HFState(days={DAY: hf_items()[:3]}), listing)
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"video-diffusion {DAY}: wrote" in out, out
    assert (project / "posts" / TOPIC_POST).is_file()
    assert (project / "posts" / DIGEST_POST).is_file()
    assert failures(err) == [], err


# --- A bug: one line, not a traceback ---------------------------------------------------------

KEY = "sk-proj-LEAKED0123456789abcdefKEY"


@pytest.mark.parametrize("actions", [True, False], ids=["in Actions", "on a terminal"])
def test_an_unexpected_error_is_one_redacted_line_that_asks_for_a_report(
    project, capsys, monkeypatch, actions
):
    def broken(*args, **kwargs):
        raise RuntimeError(f"something broke with {KEY}\n::error::PWNED\u202e")

    monkeypatch.setattr(pipeline, "run_feed", broken)
    environ = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}
    environ |= {"GITHUB_ACTIONS": "true"} if actions else {}
    code = run_both(project, HFState(days={DAY: hf_items()[:3]}), **environ)
    _, err = capsys.readouterr()
    assert code == 1
    assert err.count("\n") == 1, err
    assert KEY not in err and "[redacted]" in err
    assert "::error::PWNED" not in err and "\u202e" not in err
    assert "RuntimeError" in err and "pipeline.py:" in err, err  # where, for a report
    assert "this is a bug in paperpress" in err and "report it" in err, err
    assert "Traceback" not in err


def test_an_interrupt_is_still_an_interrupt(project, capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "run_feed", interrupted)
    assert run_both(project, HFState(days={DAY: hf_items()[:3]})) == 130
    assert failures(capsys.readouterr().err) == ["paperpress: interrupted"]
