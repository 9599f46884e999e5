"""The command line: arguments, exit codes, messages, and a run end to end over HTTP."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest

from devtools.fakes.hf_server import HFState, serve_hf
from devtools.recordings import main as make_recordings
from paperpress.cli import main
from paperpress.dates import parse_day
from paperpress.errors import ConfigError
from tests.helpers import (
    DIGEST_REPLY,
    DIGEST_REPLY_TEXT,
    ROOT,
    hf_config,
    hf_items,
    override_template,
)

RECORDED = hf_items()
TODAY = date(2025, 11, 21)


def test_parse_day_defaults_to_yesterday_and_refuses_nonsense():
    assert parse_day(None, today=TODAY) == "2025-11-20"
    assert parse_day("2025-11-21", today=TODAY) == "2025-11-21"
    for bad, message in [
        ("2025-13-40", "is not a date"),
        ("yesterday", "is not a date"),
        ("20251111", "use the YYYY-MM-DD form"),
        ("2025-11-22", "is in the future"),
    ]:
        with pytest.raises(ConfigError, match=message):
            parse_day(bad, today=TODAY)


def test_run_end_to_end_prints_paths_and_the_summary_line(project, capsys):
    with serve_hf(HFState(days={"2025-11-11": RECORDED})) as base:
        config = hf_config(project, base)
        code = main(["run", "--config", config, "--date", "2025-11-11"], environ={})
    out = capsys.readouterr()
    assert code == 0
    assert "hf-daily 2025-11-11: wrote" in out.out and "2025-11-11-hf-daily.md" in out.out
    assert (
        "done: fetched 19, summarized 19, cached 0, pending 0, skipped 0, tokens used 0" in out.out
    )
    assert "OPENAI_API_KEY is not set" in out.err  # says why the extractive summarizer is used
    assert (project / "posts" / "2025-11-11-hf-daily.md").exists()


def test_github_step_summary_gets_a_table(project, tmp_path):
    summary = tmp_path / "summary.md"
    with serve_hf(HFState(days={"2025-11-11": RECORDED})) as base:
        config = hf_config(project, base)
        env = {"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_ACTIONS": "true"}
        assert main(["run", "--config", config, "--date", "2025-11-11"], environ=env) == 0
    table = summary.read_text()
    assert (
        "| feed | day | fetched | summarized | cached | pending | tokens | claims | post |" in table
    )
    assert (
        "| hf-daily | 2025-11-11 | 19 | 19 | 0 | 0 | 0 | 0 found, 0 repaired, 0 removed |" in table
    )


def test_the_job_summary_counts_the_unsupported_claims(project, tmp_path):
    """The claims column: each paper's reply invents two (37%, FooBench), the repair drops them."""
    from devtools.fakes.openai_server import FakeOpenAI, reply

    def inventing(body):
        if "not in the paper's text" in body["messages"][-1]["content"]:
            return reply(DIGEST_REPLY_TEXT)
        invented = {
            **DIGEST_REPLY,
            "main_work": f"{DIGEST_REPLY['main_work']} It gains 37% on FooBench.",
        }
        return reply(json.dumps(invented, ensure_ascii=False))

    summary = tmp_path / "summary.md"
    with (
        serve_hf(HFState(days={"2025-11-11": RECORDED[:2]})) as base,
        FakeOpenAI(default=inventing) as llm,
    ):
        config = hf_config(project, base)
        env = {
            "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_ACTIONS": "true",
            "OPENAI_API_KEY": "k", "OPENAI_BASE_URL": llm.base_url,
        }  # fmt: skip
        assert main(["run", "--config", config, "--date", "2025-11-11"], environ=env) == 0
        assert len(llm.requests) == 4
    row = next(line for line in summary.read_text().splitlines() if line.startswith("| hf-daily"))
    assert row.split(" | ")[7] == "4 found, 4 repaired, 0 removed"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "2025-02-30"], "--date '2025-02-30' is not a date"),
        (["--date", "2999-01-01"], "is in the future"),
        (["--feed", "nope"], "unknown feed 'nope'; this config has: hf-daily"),
    ],
)
def test_usage_errors_exit_2_with_one_line(project, capsys, args, message):
    config = hf_config(project, "http://127.0.0.1:9")
    assert main(["run", "--config", config, *args], environ={}) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_a_bad_config_exits_2(tmp_path, capsys):
    path = tmp_path / "config.yaml"
    path.write_text("site: {flavor: jekyll}\nfeeds: []\n")
    assert main(["run", "--config", str(path)], environ={}) == 2
    assert "site.flavor" in capsys.readouterr().err


def test_a_source_that_fails_exits_1_naming_the_url(project, capsys):
    state = HFState(days={}, failures=[(404, None)])
    with serve_hf(state) as base:
        config = hf_config(project, base)
        assert main(["run", "--config", config, "--date", "2025-11-11"], environ={}) == 1
    assert "daily_papers?date=2025-11-11" in capsys.readouterr().err


def test_a_day_without_papers_exits_0_without_a_post(project, capsys):
    with serve_hf(HFState()) as base:
        config = hf_config(project, base)
        assert main(["run", "--config", config, "--date", "2025-11-09"], environ={}) == 0
    assert "no papers for this day; no post written" in capsys.readouterr().out
    assert not (project / "posts").exists()


def test_render_without_data_says_so(project, capsys):
    config = hf_config(project, "http://127.0.0.1:9")
    assert main(["render", "--config", config], environ={}) == 0
    assert "no stored papers for hf-daily" in capsys.readouterr().out


def test_help_reads_well():
    result = subprocess.run(
        [sys.executable, "-m", "paperpress", "run", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    for option in ("--date", "--config", "--feed", "--dry-run", "--force", "--replay"):
        assert option in result.stdout
    top = subprocess.run(
        [sys.executable, "-m", "paperpress", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    ).stdout
    assert "OPENAI_API_KEY" in top and "render" in top


def test_the_demo_command_runs_offline(tmp_path):
    """What `make demo` runs, on the bundled recordings, into a temporary preview folder."""
    recordings = tmp_path / "recordings"
    make_recordings(recordings)
    for name in ("config.yaml", "config-hugo.yaml"):
        config = tmp_path / name
        text = (ROOT / "demo" / name).read_text().replace("../", f"{ROOT}/")
        config.write_text(text.replace(f"{ROOT}/preview", str(tmp_path / "preview")))
        args = ["run", "--config", str(config), "--date", "2025-11-11", "--replay", str(recordings)]
        assert main(args, environ={}) == 0
    preview = tmp_path / "preview"
    assert len(list((preview / "data" / "papers").glob("*.json"))) == 19 + 4
    hexo = preview / "hexo" / "source"
    assert {p.name for p in (hexo / "_posts").iterdir()} == {
        "2025-11-11-hf-daily.md",
        "2025-11-11-software-testing.md",
        "2025-W46-weekly.md",
    }
    topic = (hexo / "_posts" / "2025-11-11-software-testing.md").read_text()
    assert topic.count("\n## ") == 4 and "/images/papers/2503.05378v2-p2.webp" in topic
    assert (hexo / "images" / "papers" / "2503.05378v2-p2.webp").stat().st_size < 300 * 1024
    assert (preview / "hugo" / "content" / "posts" / "2025-11-11-software-testing.md").exists()


def test_llm_run_end_to_end_then_a_rerun_makes_zero_calls(project, capsys):
    """The real wiring: env -> openai SDK -> a local OpenAI-compatible server; HF over HTTP."""
    from devtools.fakes.openai_server import FakeOpenAI, reply

    with (
        serve_hf(HFState(days={"2025-11-11": RECORDED})) as base,
        FakeOpenAI(
            default=reply(DIGEST_REPLY_TEXT, prompt_tokens=300, completion_tokens=200)
        ) as llm,
    ):
        config = hf_config(project, base)
        env = {"OPENAI_API_KEY": "test-key", "OPENAI_BASE_URL": llm.base_url}
        args = ["run", "--config", config, "--date", "2025-11-11"]
        assert main(args, environ=env) == 0
        assert len(llm.requests) == 19
        assert "summarized 19, cached 0, pending 0, skipped 0, tokens used 9,500" in (
            capsys.readouterr().out
        )
        post = project / "posts" / "2025-11-11-hf-daily.md"
        assert "gpt-4o-mini" in post.read_text()  # the post names the model
        files = sorted(p for p in project.rglob("*") if p.is_file() and "templates" not in p.parts)
        before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files}

        assert main(args, environ=env) == 0
        assert len(llm.requests) == 19  # not one more call
        assert "summarized 0, cached 19" in capsys.readouterr().out
        assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files} == before

        prompt = override_template(project / "templates", "prompts/digest.j2")
        prompt.write_text(prompt.read_text() + "\nBe brief.\n")
        assert main(args, environ=env) == 0
        assert len(llm.requests) == 38  # a changed prompt re-summarizes every paper


def test_one_feed_down_does_not_cost_the_others_their_post(project, capsys):
    with (
        serve_hf(HFState(days={"2025-11-11": RECORDED})) as good,
        serve_hf(HFState(failures=[(404, None)])) as bad,
    ):
        path = project / "config.yaml"
        path.write_text(
            "feeds:\n"
            f"  - {{name: broken, kind: hf_daily, base_url: '{bad}'}}\n"
            f"  - {{name: hf-daily, kind: hf_daily, base_url: '{good}'}}\n"
        )
        code = main(["run", "--config", str(path), "--date", "2025-11-11"], environ={})
    out, err = capsys.readouterr()
    assert code == 1
    assert "broken 2025-11-11: failed; no post written" in out
    assert "paperpress: failed: broken 2025-11-11: GET" in err and "HTTP 404" in err
    assert (project / "posts" / "2025-11-11-hf-daily.md").exists()


def test_the_summary_line_splits_the_tokens_and_prices_them(project, capsys):
    from devtools.fakes.openai_server import FakeOpenAI, reply

    with (
        serve_hf(HFState(days={"2025-11-11": RECORDED[:4]})) as base,
        FakeOpenAI(
            default=reply(DIGEST_REPLY_TEXT, prompt_tokens=900, completion_tokens=100)
        ) as llm,
    ):
        path = project / "config.yaml"
        path.write_text(
            "llm:\n  concurrency: 1\n"
            "  price: {prompt_per_million: 1.0, completion_per_million: 4.0}\n"
            "  budget_usd: 0.0025\n"  # $0.0013 a paper: two papers, then stop
            f"feeds:\n  - {{name: hf-daily, kind: hf_daily, base_url: '{base}'}}\n"
        )
        env = {"OPENAI_API_KEY": "test-key", "OPENAI_BASE_URL": llm.base_url}
        assert main(["run", "--config", str(path), "--date", "2025-11-11"], environ=env) == 0
    out = capsys.readouterr().out
    assert len(llm.requests) == 2
    cached = llm.cached_sent  # the second call's system prompt, as a provider caches it
    assert cached > 0
    assert (
        "summarized 2, cached 0, pending 2, skipped 0, tokens used 2,000 "
        f"(prompt 1,800, cached {cached:,}, completion 200), cost $0.0026, "
        "unsupported claims: 0 found, 0 repaired, 0 removed" in out
    )
    assert "retried on the next run" in out


def test_help_imports_neither_the_openai_sdk_nor_the_pipeline():
    """``paperpress --help`` stays quick: the heavy modules load when a command needs them."""
    code = (
        "import sys, paperpress.cli as cli\n"
        "heavy = {'openai', 'paperpress.pipeline', 'pypdfium2', 'httpx2'} & set(sys.modules)\n"
        "print(sorted(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
