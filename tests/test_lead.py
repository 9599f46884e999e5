"""The optional lead: one more call per post, cached, shown on top, left out when it fails."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from devtools.fakes.arxiv_server import serve_arxiv
from devtools.fakes.hf_server import HFState, serve_hf
from devtools.fakes.openai_server import FakeOpenAI, error, reply
from paperpress.cli import main
from tests.helpers import answer, arxiv_state, fixture, recorded_search, run_day, topic

DAY = "2025-11-11"
RECORDED = json.loads(fixture("hf/daily_papers_2025-11-11.json").read_text())[:4]
OVERVIEW = "Four papers this day. Agents lead. Memory matters too."
BRIEF = json.dumps(
    {
        "tldr": "One line.",
        "main_work": "Work.",
        "highlights": ["a", "b"],
        "keywords": ["agents", "memory", "benchmarks"],
        "practicality": {"score": 4, "reason": "r"},
        "innovation": {"score": 3, "reason": "r"},
        "recommendation": {"score": 4, "reason": "r"},
    }
)


def is_lead(body: dict) -> bool:
    return "Write the lead of a blog post" in body["messages"][-1]["content"]


def answers(lead_action=None):
    def pick(body: dict):
        if is_lead(body):
            return lead_action or reply(json.dumps({"overview": OVERVIEW}))
        return reply(BRIEF)

    return pick


def run(project: Path, hf: str, environ: dict, *extra: str) -> int:
    config = project / "config.yaml"
    config.write_text(
        "llm: {language: en, max_retries: 0}\n"
        f"feeds:\n  - {{name: hf-daily, kind: hf_daily, lead: true, base_url: '{hf}'}}\n"
    )
    return main(["run", "--config", str(config), "--date", DAY, *extra], environ=environ)


def env(llm: FakeOpenAI) -> dict[str, str]:
    return {"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": llm.base_url}


def test_the_lead_is_written_once_from_the_one_liners_and_shown_on_top(project):
    post = project / "posts" / f"{DAY}-hf-daily.md"
    with serve_hf(HFState(days={DAY: RECORDED})) as hf, FakeOpenAI(default=answers()) as llm:
        assert run(project, hf, env(llm)) == 0
        leads = [body for body in llm.requests if is_lead(body)]
        assert len(leads) == 1 and len(llm.requests) == 5  # four papers, one lead
        asked = leads[0]["messages"][-1]["content"]
        assert asked.count(": One line.") == 4  # written from the stored one-liners
        text = post.read_text()
        assert text.split("---\n", 2)[2].lstrip().startswith(f"> **Overview**: {OVERVIEW}")
        written = {p: p.read_bytes() for p in project.rglob("*.json")} | {post: post.read_bytes()}
        assert (project / "data" / "leads" / f"{DAY}-hf-daily.json").is_file()
        assert run(project, hf, env(llm)) == 0  # a re-run: no call, no byte changed
        assert len(llm.requests) == 5
        assert {p: p.read_bytes() for p in written} == written


def test_a_failed_lead_is_left_out_and_the_run_is_green(project):
    post = project / "posts" / f"{DAY}-hf-daily.md"
    failing = answers(error(500, "the lead model is down"))
    with serve_hf(HFState(days={DAY: RECORDED})) as hf, FakeOpenAI(default=failing) as llm:
        assert run(project, hf, env(llm)) == 0
    text = post.read_text()
    assert "Overview" not in text and "the lead model is down" not in text
    assert not (project / "data" / "leads").exists()


def test_a_keyless_rerun_and_a_rerender_keep_the_lead(project):
    post = project / "posts" / f"{DAY}-hf-daily.md"
    with serve_hf(HFState(days={DAY: RECORDED})) as hf, FakeOpenAI(default=answers()) as llm:
        assert run(project, hf, env(llm)) == 0
        first = post.read_bytes()
        assert run(project, hf, {}) == 0  # no key: the LLM summaries and the lead stay
    assert post.read_bytes() == first
    post.unlink()
    assert main(["render", "--config", str(project / "config.yaml")], environ={}) == 0
    assert post.read_bytes() == first


def test_a_day_that_grew_gets_a_new_lead(project):
    state = HFState(days={DAY: RECORDED[:3]})
    with serve_hf(state) as hf, FakeOpenAI(default=answers()) as llm:
        assert run(project, hf, env(llm)) == 0
        state.days[DAY] = RECORDED
        assert run(project, hf, env(llm)) == 0
    assert sum(is_lead(body) for body in llm.requests) == 2


def test_a_refused_key_at_the_lead_fails_the_run_with_one_line(project, capsys):
    """Summaries cached, the lead's call the first to meet a revoked key: the post keeps its
    summaries and no lead, and the job goes red with the one line that says what to fix."""
    post = project / "posts" / f"{DAY}-hf-daily.md"
    with serve_hf(HFState(days={DAY: RECORDED})) as hf:
        with FakeOpenAI(default=answers(error(500, "the lead model is down"))) as llm:
            assert run(project, hf, env(llm)) == 0  # summaries stored, no lead
        before = post.read_bytes()
        capsys.readouterr()
        revoked = error(401, "Incorrect API key provided", code="invalid_api_key")
        with FakeOpenAI(default=answers(revoked)) as llm:
            assert run(project, hf, env(llm)) == 1
            assert len(llm.requests) == 1  # the lead's call, and nothing after it
    out, err = capsys.readouterr()
    assert f"{DAY}-hf-daily.md; failed (see the error below)" in out
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "OPENAI_API_KEY" in lines[0], err
    assert post.read_bytes() == before


# --- A lead on a roundup and on a topic: the same promise -----------------------------------


def any_reply(lead_action=None):
    """Each call's valid reply (helpers.answer), the lead's from ``lead_action`` if given."""

    def pick(body: dict):
        if is_lead(body):
            return lead_action or reply(json.dumps({"overview": OVERVIEW}))
        return answer(body)

    return pick


def roundup_config(project: Path, hf: str) -> str:
    config = project / "config.yaml"
    config.write_text(
        "llm: {language: en, max_retries: 0}\nfeeds:\n"
        f"  - {{name: hf-daily, kind: hf_daily, base_url: '{hf}'}}\n"
        "  - {name: weekly, kind: roundup, from: [hf-daily], lead: true}\n"
    )
    return str(config)


def topic_config(project: Path, base: str) -> str:
    feed = topic(base, "testing", keywords=["testing"], source="api", max_papers=2,
                 fulltext=False, screenshots="none", lead=True)  # fmt: skip
    config = project / "config.yaml"
    config.write_text(yaml.safe_dump({"llm": {"max_retries": 0}, "feeds": [feed]}))
    return str(config)


def snapshot(project: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in project.rglob("*") if path.is_file()}


def lead_calls(llm: FakeOpenAI) -> int:
    return sum(is_lead(body) for body in llm.requests)


def test_a_roundup_lead_is_one_call_cached_and_left_out_when_it_fails(project):
    post = project / "posts" / "2025-W46-weekly.md"
    argv = ["run", "--date", DAY, "--feed", "weekly"]
    with serve_hf(HFState(days={DAY: RECORDED})) as hf:
        config = roundup_config(project, hf)
        assert main(["run", "--config", config, "--date", DAY, "--feed", "hf-daily"], {}) == 0
        with FakeOpenAI(default=any_reply()) as llm:
            assert main([*argv, "--config", config], environ=env(llm)) == 0
            assert len(llm.requests) == lead_calls(llm) == 1  # the lead, nothing else
            assert f"> **Overview**: {OVERVIEW}" in post.read_text()
            before = snapshot(project)
            assert main([*argv, "--config", config], environ=env(llm)) == 0
            assert len(llm.requests) == 1 and snapshot(project) == before
        shutil.rmtree(project / "data" / "leads")
        post.unlink()
        with FakeOpenAI(default=any_reply(error(500, "the lead model is down"))) as llm:
            assert main([*argv, "--config", config], environ=env(llm)) == 0
            assert lead_calls(llm) == 1
    text = post.read_text()
    assert "Overview" not in text and "the lead model is down" not in text
    assert not (project / "data" / "leads").exists()


@pytest.mark.usefixtures("no_polite_wait")
def test_a_topic_lead_is_one_call_cached_and_left_out_when_it_fails(project):
    day = "2024-11-27"
    post = project / "posts" / f"{day}-testing.md"
    state = arxiv_state(search_pages={0: recorded_search()})
    with serve_arxiv(state) as base:
        config = topic_config(project, base)
        with FakeOpenAI(default=any_reply()) as llm:
            assert run_day(config, day, env(llm)) == 0
            assert lead_calls(llm) == 1 and len(llm.requests) == 1 + 2  # two papers
            assert OVERVIEW in post.read_text().split("---\n", 2)[2].split("\n## ", 1)[0]
            before = snapshot(project)
            assert run_day(config, day, env(llm)) == 0
            assert len(llm.requests) == 3 and snapshot(project) == before
        shutil.rmtree(project / "data" / "leads")
        with FakeOpenAI(default=any_reply(error(500, "the lead model is down"))) as llm:
            assert run_day(config, day, env(llm)) == 0
            assert len(llm.requests) == lead_calls(llm) == 1  # the summaries are cached
    text = post.read_text()
    assert OVERVIEW not in text and "the lead model is down" not in text
    assert not (project / "data" / "leads").exists()
