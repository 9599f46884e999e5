"""Hostile servers, seen as a user sees them: the CLI runs a day with two feeds, a Hugging
Face digest whose server misbehaves (devtools/fakes/hostile.py: a slow loris, a huge body,
a gzip bomb, a redirect loop, a body that says gzip but is not) and an arXiv topic whose
server is sound. The bad feed fails with one line, the topic still gets its post, and the
run exits 1; the run keeps to its deadline and its memory. Then the arXiv side's own
fetches: a PDF that drips, an HTML version of 100 MB.

paperpress's deadline is 120 s; the tests make it one second (``short_deadline``).
"""

from __future__ import annotations

import functools
import json
import time
import tracemalloc
from pathlib import Path

import pytest

from devtools.fakes.arxiv_server import serve_arxiv
from devtools.fakes.hf_server import HFState, serve_hf
from devtools.fakes.hostile import Answer, Drip, FalseGzip, GzipBomb, Huge, RedirectLoop, hf_item
from devtools.fakes.openai_server import FakeOpenAI
from paperpress import net
from paperpress.cli import main
from paperpress.errors import SourceError
from paperpress.sources import hf
from tests import helpers
from tests.helpers import (
    LISTING_DAY,
    failures,
    listing_state,
    llm_env,
    metadata,
    topic,
    write_config,
)

DAY = LISTING_DAY  # the recorded listing's day: the topic has papers on it
TOPIC_POST = f"{DAY}-video-diffusion.md"
DIGEST_POST = f"{DAY}-hf-daily.md"
DEADLINE = 1.0
MB = 2**20
ON_TOPIC = "2411.17769"  # in the recorded listing, and names a keyword of the topic

pytestmark = pytest.mark.usefixtures("no_polite_wait")


def short_deadline(monkeypatch: pytest.MonkeyPatch, seconds: float = DEADLINE) -> None:
    """Every fetch through ``net.read`` gets a deadline of ``seconds`` instead of 120 s.
    (Setting ``net.DEADLINE`` would change nothing: it is the default of ``net.read``'s
    argument, read once.) Before the fix there is no ``net.read``: nothing to shorten."""
    read = getattr(net, "read", None)
    if read is not None:
        monkeypatch.setattr(net, "read", functools.partial(read, deadline=seconds))


def two_feeds(project: Path, hf_base: str, arxiv_base: str) -> str:
    hf_feed = {"name": "hf-daily", "kind": "hf_daily", "base_url": hf_base}
    return write_config(project, [hf_feed, topic(arxiv_base)], language="en")


def run_both(project: Path, answer: Answer, capsys: pytest.CaptureFixture[str]):
    """One day of both feeds, the digest's server answering with ``answer``: (exit code,
    seconds taken, stdout, the non-progress lines of stderr)."""
    with serve_hf(HFState(hostile={DAY: answer})) as hf_base, serve_arxiv(listing_state()) as ax:
        config = two_feeds(project, hf_base, ax)
        started = time.monotonic()
        code = main(["run", "--config", config, "--date", DAY], environ={})
        took = time.monotonic() - started
    out, err = capsys.readouterr()
    return code, took, out, failures(err)


def assert_only_the_digest_failed(project: Path, code: int, out: str, lines: list[str], why: str):
    assert code == 1
    assert (project / "posts" / TOPIC_POST).is_file(), out  # the sound feed got its post
    assert f"video-diffusion {DAY}: wrote" in out
    assert not (project / "posts" / DIGEST_POST).exists()
    assert f"hf-daily {DAY}: failed; no post written" in out
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"paperpress: failed: hf-daily {DAY}: GET http://127.0.0.1:")
    assert why in lines[0], lines[0]
    assert "Traceback" not in lines[0]


# --- Deadlines ----------------------------------------------------------------------------


def test_a_slow_loris_hf_page_stops_at_the_deadline(project, capsys, monkeypatch):
    """A byte every half second never trips the client's 30 s read timeout, which only
    bounds each gap: the page would take 10 s. The run stops it at the deadline."""
    short_deadline(monkeypatch)
    answer = Drip(b"[]" + b" " * 18, every=0.5, seconds=10)
    code, took, out, lines = run_both(project, answer, capsys)
    assert took < DEADLINE + 4, f"the run took {took:.1f} s"
    assert_only_the_digest_failed(project, code, out, lines, f"no whole answer in {DEADLINE:g} s")


def test_a_slow_loris_in_the_headers_stops_at_the_deadline(monkeypatch):
    short_deadline(monkeypatch)
    answer = Drip(b"[]", every=0.25, headers=True, seconds=4.5)  # 4.5 s of headers, then []
    with serve_hf(HFState(hostile={DAY: answer})) as base, net.make_http_client() as client:
        started = time.monotonic()
        with pytest.raises(SourceError):
            hf.fetch(client, base_url=base, day=DAY, feed="hf-daily", retries=0)
        took = time.monotonic() - started
    assert took < DEADLINE + 2, f"the fetch took {took:.1f} s"


def test_a_slow_loris_pdf_stops_at_the_deadline_and_the_abstract_stands_in(
    project, capsys, monkeypatch
):
    """A topic reads full texts; one PDF drips. Its paper is summarized from the abstract,
    the post is written, and the run ends near the deadline, not after the drip."""
    short_deadline(monkeypatch)
    version = metadata()[ON_TOPIC]["version"]
    pdf = f"/pdf/{ON_TOPIC}v{version}"
    drip = Drip(b"%PDF-1.4\n" + b"%" * 40, every=0.5, seconds=20, content_type="application/pdf")
    state = listing_state(hostile={pdf: drip})
    with serve_arxiv(state) as base, FakeOpenAI(helpers.answer) as llm:
        config = write_config(project, [topic(base)], language="en")
        started = time.monotonic()
        code = main(["run", "--config", config, "--date", DAY], environ=llm_env(llm))
        took = time.monotonic() - started
    out, _ = capsys.readouterr()
    assert code == 0, out
    assert pdf in [path for path, _ in state.requests]
    assert took < DEADLINE + 6, f"the run took {took:.1f} s"
    assert (project / "posts" / TOPIC_POST).is_file()
    stored = json.loads((project / "data" / "papers" / f"{ON_TOPIC}.json").read_text())
    summary = stored["summaries"]["topic"]
    assert summary["status"] == "done" and summary["source"] == "abstract"
    assert f"no whole answer in {DEADLINE:g} s" in summary["source_note"]  # why, in data/


# --- Size caps ------------------------------------------------------------------------------


def peak_memory(run):
    """``run()``'s result and the most memory Python held while it ran, in bytes."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        result = run()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    "answer",
    [Huge(256 * MB), GzipBomb(256 * MB)],
    ids=["a 256 MB page", "a gzip bomb of 256 KB that makes 256 MB"],
)
def test_a_huge_or_exploding_hf_page_fails_as_a_source_error_in_little_memory(
    project, capsys, answer
):
    (code, _, out, lines), peak = peak_memory(lambda: run_both(project, answer, capsys))
    assert peak < 64 * MB, f"the run held {peak / MB:.0f} MB"  # the cap: 20 MB
    assert_only_the_digest_failed(project, code, out, lines, "larger than 20,971,520 bytes")


def test_an_hf_page_with_more_items_than_asked_is_cut_to_the_page_size(project, capsys):
    """A server that ignores ``limit=100`` and sends 1,000 papers a page: the run keeps the
    first 100 (and says so), as one page of the API it knows."""
    items = [hf_item(f"2511.{n:05d}", f"Paper {n}", upvotes=n) for n in range(1000)]
    state = HFState(days={DAY: items}, page_size=1000)
    with serve_hf(state) as base:
        config = write_config(project, [{"name": "hf-daily", "kind": "hf_daily", "base_url": base}])
        assert main(["run", "--config", config, "--date", DAY], environ={}) == 0
    out, err = capsys.readouterr()
    assert "done: fetched 100," in out
    assert "sent 1000 items for a page of 100; kept the first" in err
    stored = sorted(path.stem for path in (project / "data" / "papers").glob("*.json"))
    assert len(stored) == 50 and set(stored) <= {f"2511.{n:05d}" for n in range(100)}


def test_a_100_mb_arxiv_html_page_is_capped_and_the_post_is_written(project, capsys):
    """The HTML version, read for its figures, is capped at 8 MB: the paper gets no
    figures from it, the run holds little memory, and the post is written."""
    version = metadata()[ON_TOPIC]["version"]
    page = Huge(100 * MB, content_type="text/html; charset=utf-8")
    state = listing_state(hostile={f"/html/{ON_TOPIC}v{version}": page})

    def run() -> int:
        with serve_arxiv(state) as base:
            config = write_config(project, [topic(base, fulltext=False)], language="en")
            return main(["run", "--config", config, "--date", DAY], environ={})

    code, peak = peak_memory(run)
    out, _ = capsys.readouterr()
    assert f"/html/{ON_TOPIC}v{version}" in [path for path, _ in state.requests]
    assert peak < 32 * MB, f"the run held {peak / MB:.0f} MB"  # the cap: 8 MB
    assert code == 0, out
    assert (project / "posts" / TOPIC_POST).is_file()


# --- Every HTTP error is the feed's ---------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        (RedirectLoop(), "TooManyRedirects"),
        (FalseGzip(), "DecodingError"),
    ],
    ids=["a redirect loop", "a body that says gzip but is not"],
)
def test_an_http_error_fails_its_feed_only_with_one_line(project, capsys, answer, why):
    code, _, out, lines = run_both(project, answer, capsys)
    assert_only_the_digest_failed(project, code, out, lines, why)
