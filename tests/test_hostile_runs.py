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
from pathlib import Path

from devtools.fakes.hf_server import HFState, serve_hf
from devtools.fakes.openai_server import FakeOpenAI
from paperpress.cli import main
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
