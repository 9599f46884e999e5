"""A hostile or broken LLM server, seen as a user sees it: the CLI runs a Hugging Face day
against the local OpenAI-compatible stand-in (devtools/fakes/openai_server.py) through the
real openai SDK client paperpress makes. A server that drips its answer a byte at a time
(each gap far within ``llm.timeout``) is cut off at the deadline, twice ``llm.timeout``
per try, retried, and leaves its paper pending; an answer of 100 MB is cut off at 4 MB,
not retried, and leaves its paper pending. The run goes on, and exits 0.
"""

from __future__ import annotations

import json
import time
import tracemalloc
from pathlib import Path

import pytest

from devtools.fakes.hf_server import HFState, serve_hf
from devtools.fakes.openai_server import FakeOpenAI, drip, huge
from paperpress import net
from paperpress.cli import main
from tests import helpers
from tests.helpers import DIGEST_REPLY_TEXT, HF_DAY, hf_items

DAY = HF_DAY
TIMEOUT = 1.0  # llm.timeout: each try must be whole within 2 s
MB = 2**20


def run_day(project: Path, llm: FakeOpenAI, capsys: pytest.CaptureFixture[str]):
    """One day of two HF papers, one LLM call at a time, one retry: (exit code, seconds,
    stdout, stderr)."""
    with serve_hf(HFState(days={DAY: hf_items()[:2]})) as hf:
        config = project / "config.yaml"
        config.write_text(
            f"llm: {{concurrency: 1, max_retries: 1, timeout: {TIMEOUT}}}\n"
            f"feeds:\n  - {{name: hf-daily, kind: hf_daily, base_url: '{hf}'}}\n"
        )
        environ = {"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": llm.base_url}
        started = time.monotonic()
        code = main(["run", "--config", str(config), "--date", DAY], environ=environ)
        took = time.monotonic() - started
    out, err = capsys.readouterr()
    return code, took, out, err


def pending_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if " pending (" in line]


def stored(project: Path) -> dict[str, dict]:
    return {
        path.stem: json.loads(path.read_text())["summaries"]["digest"]
        for path in (project / "data" / "papers").glob("*.json")
    }


@pytest.mark.parametrize("headers", [False, True], ids=["the body", "the headers too"])
def test_an_llm_answer_dripped_a_byte_at_a_time_stops_at_the_deadline(project, capsys, headers):
    """Each try ends 2 s in (twice llm.timeout), the SDK retries it once like any timeout,
    and the paper is pending; the next paper gets its summary. Without the deadline a try
    would last until the drip gave up, 20 s."""
    slow = drip(DIGEST_REPLY_TEXT, every=0.25, seconds=20, headers=headers)
    with FakeOpenAI(default=helpers.answer) as llm:
        llm.add(slow, slow)
        code, took, out, err = run_day(project, llm, capsys)
    assert code == 0, err
    assert llm.served[:3] == ["drip", "drip", "reply"], llm.served
    assert took < 4 * TIMEOUT * 2 + 3, f"the run took {took:.1f} s"
    lines = pending_lines(err)
    assert len(lines) == 1, err
    assert "timed out" in lines[0] and "no whole answer in 2 s" in lines[0], lines[0]
    records = sorted(stored(project).values(), key=lambda record: record["status"])
    assert [record["status"] for record in records] == ["done", "pending"]
    assert "pending 1" in out, out


def test_an_llm_answer_of_100_mb_is_cut_at_the_cap_in_little_memory(project, capsys):
    """The SDK would read the whole answer (a 400 MB one took 1.26 GB): it stops at 4 MB,
    is not tried again (each try is paid for), and the paper is pending."""
    with FakeOpenAI(default=helpers.answer) as llm:
        llm.add(huge(100 * MB))
        tracemalloc.start()
        try:
            tracemalloc.reset_peak()
            code, _, out, err = run_day(project, llm, capsys)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert code == 0, err
    assert peak < 32 * MB, f"the run held {peak / MB:.0f} MB"
    assert llm.served[:2] == ["huge", "reply"], llm.served
    lines = pending_lines(err)
    assert len(lines) == 1, err
    assert f"larger than {net.MAX_REPLY_BYTES:,} bytes" in lines[0], lines[0]
    assert "pending 1" in out, out
