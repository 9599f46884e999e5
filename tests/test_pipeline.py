"""A whole run against a local Hugging Face server: files, cache, idempotence, pending."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from devtools.fakes.hf_server import HFState, serve_hf
from paperpress import net
from paperpress.config import load_config
from paperpress.models import Paper
from paperpress.pipeline import Clients, run
from paperpress.rerender import render_stored
from paperpress.sources import arxiv
from paperpress.store import TEMP_SUFFIX, write_if_changed
from paperpress.summarize import ExtractiveSummarizer, Outcome
from tests.helpers import hf_items, override_template

DAY = "2025-11-11"
RECORDED = hf_items()


class CountingSummarizer(ExtractiveSummarizer):
    """The extractive summarizer, counting calls and failing the papers it is told to."""

    def __init__(
        self, language: str = "zh", fail: set[str] = frozenset(), model: str = "extractive"
    ):
        super().__init__(language)
        self.model = model
        self.fail = set(fail)
        self.calls: list[str] = []

    async def summarize(
        self, paper: Paper, material: str | None = None, *, faithful: bool = True
    ) -> Outcome:
        self.calls.append(paper.arxiv_id)
        if paper.arxiv_id in self.fail:
            raise RuntimeError("the model is down")
        return await super().summarize(paper, material)


def make_config(project: Path, base: str, *, flavor: str = "hexo", extra: str = ""):
    (project / "config.yaml").write_text(
        f"site: {{flavor: {flavor}, timezone: Asia/Shanghai}}\n{extra}"
        f"feeds:\n  - {{name: hf-daily, kind: hf_daily, base_url: '{base}'}}\n"
    )
    return load_config(project / "config.yaml")


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def hf_state() -> HFState:
    return HFState(days={DAY: RECORDED})


@pytest.fixture
def served(hf_state):
    with serve_hf(hf_state) as base:
        yield base


def run_once(config, summarizer, **options):
    with net.make_http_client() as http, arxiv.make_client(interval=0) as polite:
        clients = Clients(http=http, arxiv=polite, summarizers={"digest": summarizer})
        return run(config, days=[DAY], feeds=config.feeds, clients=clients, **options)


def test_a_run_writes_one_post_and_one_data_file_per_paper(project, served):
    config = make_config(project, served)
    report = run_once(config, CountingSummarizer())
    feed = report.feeds[0]
    assert (feed.fetched, feed.summarized, feed.cached, feed.pending) == (19, 19, 0, 0)
    assert feed.post == project / "posts" / f"{DAY}-hf-daily.md"
    text = feed.post.read_text()
    assert text.count("\n## ") == 19 and text.endswith("\n")
    files = sorted((project / "data" / "papers").glob("*.json"))
    assert len(files) == 19
    raw = files[0].read_text()
    data = json.loads(raw)
    assert raw == json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    assert data["listings"] == [{"feed": "hf-daily", "day": DAY}]
    summary = data["summaries"]["digest"]
    assert summary["status"] == "done" and summary["model"] == "extractive"
    assert summary["language"] == "zh" and summary["prompt_hash"]


def test_papers_appear_most_upvoted_first(project, served):
    config = make_config(project, served)
    text = run_once(config, CountingSummarizer()).feeds[0].post.read_text()
    ranked = sorted(RECORDED, key=lambda item: (-item["paper"]["upvotes"], item["paper"]["id"]))
    positions = [text.index(f"papers/{item['paper']['id']})") for item in ranked]
    assert positions == sorted(positions)


def test_a_rerun_makes_no_calls_and_changes_no_byte(project, served):
    config = make_config(project, served)
    run_once(config, CountingSummarizer())
    before = snapshot(project / "posts") | snapshot(project / "data")
    again = CountingSummarizer()
    report = run_once(config, again)
    assert again.calls == []
    assert report.feeds[0].cached == 19 and not report.feeds[0].post_changed
    assert snapshot(project / "posts") | snapshot(project / "data") == before


def test_force_and_a_changed_model_or_language_summarize_again(project, served):
    config = make_config(project, served)
    run_once(config, CountingSummarizer())
    forced = CountingSummarizer()
    run_once(config, forced, force=True)
    other_model = CountingSummarizer(model="other-model")
    run_once(config, other_model)
    other_language = CountingSummarizer(language="en", model="other-model")
    run_once(config, other_language)
    assert len(forced.calls) == len(other_model.calls) == len(other_language.calls) == 19


def test_a_failed_summary_is_published_as_pending_and_retried_next_run(project, served):
    config = make_config(project, served)
    failing = CountingSummarizer(fail={"2511.03506"})
    report = run_once(config, failing)
    assert (report.feeds[0].summarized, report.feeds[0].pending) == (18, 1)
    post = report.feeds[0].post.read_text()
    section = post.split("## 1. ", 1)[1].split("\n## ", 1)[0]
    assert "HaluMem" in section and "速览生成中" in section
    assert "Memory systems are key components" in section  # the abstract stands in
    stored = json.loads((project / "data/papers/2511.03506.json").read_text())["summaries"]
    assert stored["digest"]["status"] == "pending"
    assert "the model is down" in stored["digest"]["error"]

    retry = CountingSummarizer()
    report = run_once(config, retry)
    assert retry.calls == ["2511.03506"]
    assert "速览生成中" not in report.feeds[0].post.read_text()


def test_max_papers_and_min_upvotes_select_the_top(project, served):
    config = make_config(project, served)
    feed = config.feeds[0].model_copy(update={"max_papers": 3, "min_upvotes": 0})
    config = config.model_copy(update={"feeds": [feed]})
    report = run_once(config, CountingSummarizer())
    assert report.feeds[0].skipped == 16
    assert len(list((project / "data/papers").glob("*.json"))) == 3


def test_dry_run_writes_nothing_and_calls_nothing(project, served):
    config = make_config(project, served)
    summarizer = CountingSummarizer()
    report = run_once(config, summarizer, dry_run=True)
    assert summarizer.calls == [] and report.feeds[0].pending == 19
    assert not (project / "posts").exists() and not (project / "data").exists()


def test_an_empty_day_writes_no_post(project):
    with serve_hf(HFState()) as base:
        config = make_config(project, base)
        report = run_once(config, CountingSummarizer())
    assert report.feeds[0].post is None and report.feeds[0].fetched == 0
    assert not (project / "posts").exists()


@pytest.mark.parametrize("flavor", ["hexo", "hugo"])
def test_render_from_data_alone_reproduces_the_post_and_follows_templates(project, served, flavor):
    config = make_config(project, served, flavor=flavor)
    post = run_once(config, CountingSummarizer()).feeds[0].post
    original = post.read_bytes()
    post.unlink()
    assert render_stored(config, feeds=config.feeds) == [post]
    assert post.read_bytes() == original

    template = override_template(project / "templates", "digest.md.j2")
    template.write_text(template.read_text().replace("{{ intro }}", "{{ intro }} (re-rendered)"))
    changes = []
    render_stored(config, feeds=config.feeds, on_post=lambda path, changed: changes.append(changed))
    assert changes == [True] and "(re-rendered)" in post.read_text()


class StopAfter(CountingSummarizer):
    """Stops the run (as a kill would) at its ``limit``-th paper, after checking that every
    summary made before it is already on disk."""

    def __init__(self, data: Path, limit: int):
        super().__init__()
        self.data, self.limit = data, limit

    async def summarize(
        self, paper: Paper, material: str | None = None, *, faithful: bool = True
    ) -> Outcome:
        stored = {p.stem for p in (self.data / "papers").glob("*.json")}
        assert set(self.calls) <= stored  # each earlier summary was written as it arrived
        if len(self.calls) == self.limit:
            raise KeyboardInterrupt
        return await super().summarize(paper, material)


def test_summaries_are_stored_as_they_arrive_so_an_interrupted_run_loses_none(project, served):
    config = make_config(project, served)
    config = config.model_copy(update={"llm": config.llm.model_copy(update={"concurrency": 1})})
    stopping = StopAfter(project / "data", limit=7)
    with pytest.raises(KeyboardInterrupt):
        run_once(config, stopping)
    assert len(list((project / "data" / "papers").glob("*.json"))) == 7
    assert not (project / "posts").exists()  # the post comes at the end

    rest = CountingSummarizer()
    report = run_once(config, rest)
    assert len(rest.calls) == 19 - 7 and set(rest.calls).isdisjoint(stopping.calls)
    assert (report.feeds[0].cached, report.feeds[0].summarized) == (7, 12)


def test_temp_files_are_hidden_and_the_next_run_removes_those_a_kill_left(project, served):
    config = make_config(project, served)
    leftovers = [
        project / "data" / "papers" / f".2511.03506.json.x1{TEMP_SUFFIX}",
        project / "posts" / f".{DAY}-hf-daily.md.x2{TEMP_SUFFIX}",
    ]
    for path in leftovers:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text('{"half": ')
        os.utime(path, (time.time() - 3600,) * 2)  # an hour old: no run is writing it
    keep = project / "posts" / "notes.tmp"  # not ours: left alone
    keep.write_text("mine")
    write_if_changed(project / "posts" / "other.md", "x\n")
    assert [p.name for p in (project / "posts").iterdir() if p.name.endswith(TEMP_SUFFIX)] == [
        leftovers[1].name
    ]  # a write leaves no temp file behind
    run_once(config, CountingSummarizer())
    assert not any(path.exists() for path in leftovers) and keep.exists()
    assert len(list((project / "data" / "papers").glob("*.json"))) == 19
