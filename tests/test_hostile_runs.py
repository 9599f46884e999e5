"""Two local runs on one folder at once (a range in one terminal, the next days in
another; a cron job that overlaps a manual run): two real processes of the CLI, started
together, over days that share their papers. Neither may lose what the other stored: every
shared paper keeps both runs' listings, and a later ``paperpress render`` still puts every
paper in every post it belongs to.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from devtools.fakes.hf_server import HFState, serve_hf
from devtools.fakes.openai_server import FakeOpenAI
from paperpress import store
from paperpress.cli import main
from paperpress.models import Paper
from paperpress.store import Record, Store
from tests import helpers
from tests.helpers import ROOT, headings, hf_config, hf_items

DAYS = ["2025-11-10", "2025-11-11", "2025-11-12"]
PAPERS = hf_items()[:12]  # on every day: each run meets each paper on each of its days


def cli(config: str, *args: str, llm: FakeOpenAI) -> subprocess.Popen[str]:
    """``paperpress run`` as its own process, from this checkout, talking only to 127.0.0.1."""
    environ = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT / "scripts"),
        "NO_PROXY": "127.0.0.1,localhost",
        "OPENAI_API_KEY": "test-key",
        "OPENAI_BASE_URL": llm.base_url,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "paperpress", "run", "--config", config, *args],
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_two_runs_at_once_keep_both_listings_of_every_shared_paper(project, capsys):
    state = HFState(days=dict.fromkeys(DAYS, PAPERS))
    with serve_hf(state) as hf, FakeOpenAI(default=helpers.answer, latency=0.2) as llm:
        config = hf_config(project, hf)
        Path(config).write_text(Path(config).read_text() + "llm: {concurrency: 3}\n")
        first = cli(config, "--date", DAYS[0], "--end-date", DAYS[1], llm=llm)
        second = cli(config, "--date", DAYS[1], "--end-date", DAYS[2], llm=llm)
        outputs = [process.communicate(timeout=120)[0] for process in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], outputs

    every = [{"feed": "hf-daily", "day": day} for day in DAYS]
    files = sorted((project / "data" / "papers").glob("*.json"))
    assert len(files) == len(PAPERS)
    lost = {
        path.stem: [listing["day"] for listing in every if listing not in record["listings"]]
        for path in files
        if (record := json.loads(path.read_text()))["listings"] != every
    }
    assert lost == {}, f"listings lost (paper: days): {lost}"
    for path in files:
        assert json.loads(path.read_text())["summaries"]["digest"]["status"] == "done"

    assert main(["render", "--config", config], environ={}) == 0
    for day in DAYS:
        post = (project / "posts" / f"{day}-hf-daily.md").read_text()
        assert len(headings(post)) == len(PAPERS), day


# --- The store's share of it -----------------------------------------------------------------


def test_the_sweep_leaves_the_temp_file_of_a_run_writing_right_now(tmp_path):
    """A run starting sweeps what a killed run left, but not the temp file another run on
    the same folder is writing this second: only files older than ten minutes go."""
    papers = tmp_path / "papers"
    papers.mkdir()
    writing = papers / f".2511.00001.json.abc123{store.TEMP_SUFFIX}"
    left = papers / f".2511.00002.json.def456{store.TEMP_SUFFIX}"
    writing.write_text("{")
    left.write_text("{")
    old = time.time() - 11 * 60
    os.utime(left, (old, old))
    assert store.sweep_temp_files(tmp_path) == [left]
    assert writing.exists() and not left.exists()


def test_a_record_rewritten_with_the_same_size_and_time_is_read_again(tmp_path):
    """Another run replaces a record with one of the same size within one tick of the
    clock (a coarse file system, or the same nanosecond): the store must see a new file,
    not serve what it read before and merge a stale record over the new one."""
    first = Store(tmp_path)
    paper = Paper(arxiv_id="2511.00001", title="A title", day="2025-11-10", feed="hf-daily")
    first.put(Record(paper, listings=(("hf-daily", "2025-11-10"),)))
    path = first.path("2511.00001")
    before = path.stat()
    assert first.get("2511.00001").listings == (("hf-daily", "2025-11-10"),)

    other = Record(paper, listings=(("hf-daily", "2025-11-19"),))  # same length as the first
    assert len(other.to_json()) == before.st_size
    store.write_if_changed(path, other.to_json())
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size and path.stat().st_ino != before.st_ino
    assert first.get("2511.00001").listings == (("hf-daily", "2025-11-19"),)
