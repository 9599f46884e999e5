"""Failures a real user meets, seen as they see them: the exit code, the lines printed, the
bytes of the post and of data/. The CLI runs end to end against the local Hugging Face
stand-in and a local OpenAI-compatible server (the real openai SDK talks to it).

- An error that every call would repeat (a refused key, an unknown model, a server that is
  not there) stops the LLM calls, keeps the good post, says what to fix, and fails the job.
- Transient errors (429, 5xx) keep the old behaviour: retry, then pending, exit 0.
- Nothing paid for is thrown away: no keyless re-run and no failing ``--force`` replaces a
  finished LLM summary.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from devtools.fakes.hf_server import HFState, serve_hf
from devtools.fakes.openai_server import FakeOpenAI, error, reply
from paperpress.cli import main
from tests.helpers import hf_items

RECORDED = hf_items()
DAY = "2025-11-11"
VALID = json.dumps(
    {
        "tldr": "一句话。",
        "main_work": "主要工作。",
        "highlights": ["亮点一", "亮点二"],
        "keywords": [["diffusion", "扩散"], ["agent", "智能体"], ["benchmark", "基准"]],
        "practicality": {"score": 4, "reason": "有用"},
        "innovation": {"score": 3.5, "reason": "较新"},
        "recommendation": {"score": 4, "reason": "值得读"},
    },
    ensure_ascii=False,
)


def write_config(project: Path, hf: str, *, concurrency: int = 8) -> list[str]:
    config = project / "config.yaml"
    config.write_text(
        f"llm: {{concurrency: {concurrency}, max_retries: 0, timeout: 5}}\n"
        f"feeds:\n  - {{name: hf-daily, kind: hf_daily, base_url: '{hf}'}}\n"
    )
    return ["run", "--config", str(config), "--date", DAY]


def snapshot(project: Path) -> dict[str, bytes]:
    """Every byte a run writes: the post and data/."""
    return {
        str(path.relative_to(project)): path.read_bytes()
        for folder in ("posts", "data")
        for path in sorted((project / folder).rglob("*"))
        if path.is_file()
    }


def llm_env(server: FakeOpenAI, **extra: str) -> dict[str, str]:
    return {"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": server.base_url, **extra}


def problems(err: str) -> list[str]:
    """The lines of stderr beyond progress ("<feed> <day>: summarizing N papers")."""
    return [line for line in err.splitlines() if not line.endswith(("papers", "paper"))]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- Errors no retry heals -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "names"),
    [
        (error(401, "Incorrect API key provided", type="invalid_request_error"), "OPENAI_API_KEY"),
        (error(403, "not allowed", type="permission_error"), "PAPERPRESS_MODEL"),
        (
            error(404, "The model `gpt-5o` does not exist", code="model_not_found"),
            "PAPERPRESS_MODEL",
        ),
        (error(400, "Model Not Exist", type="invalid_request_error"), "PAPERPRESS_MODEL"),
        (
            error(429, "You exceeded your current quota", code="insufficient_quota"),
            "OPENAI_API_KEY",
        ),
    ],
    ids=["401-key", "403", "404-model", "400-model-deepseek", "429-quota"],
)
def test_an_error_every_call_repeats_stops_the_run_and_keeps_the_good_post(
    project, capsys, action, names
):
    with serve_hf(HFState(days={DAY: RECORDED})) as hf, FakeOpenAI(default=action) as llm:
        args = write_config(project, hf)
        assert main(args, environ={}) == 0  # a good post first (the built-in summarizer)
        before = snapshot(project)
        capsys.readouterr()
        assert main(args, environ=llm_env(llm)) == 1
    out, err = capsys.readouterr()
    assert len(llm.requests) <= 8  # the calls already in flight; none started after
    assert snapshot(project) == before  # no pending post, no pending summary over good ones
    [line] = problems(err)  # the one line, not one (or two) per paper
    assert line.startswith("paperpress: failed: hf-daily 2025-11-11: ") and names in line
    assert "pending 0" in out and "retried on the next run" not in out


def test_the_first_fatal_error_is_the_last_call(project, capsys):
    wrong_key = error(401, "Incorrect API key provided", type="invalid_request_error")
    with serve_hf(HFState(days={DAY: RECORDED})) as hf, FakeOpenAI(default=wrong_key) as llm:
        args = write_config(project, hf, concurrency=1)
        assert main(args, environ=llm_env(llm)) == 1
    assert len(llm.requests) == 1
    assert not (project / "posts" / f"{DAY}-hf-daily.md").exists()
    assert "set the secret OPENAI_API_KEY" in capsys.readouterr().err


def test_a_base_url_nobody_listens_on_names_the_variable(project, capsys):
    with serve_hf(HFState(days={DAY: RECORDED})) as hf:
        args = write_config(project, hf)
        base = f"http://127.0.0.1:{closed_port()}/v1"
        assert main(args, environ={"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": base}) == 1
    [line] = problems(capsys.readouterr().err)
    assert "cannot connect" in line and "OPENAI_BASE_URL" in line


def test_a_base_url_whose_name_does_not_resolve_names_the_variable(project, capsys, monkeypatch):
    """A typo in the host name: the resolver answers "Name or service not known" (the
    offline guard would stop the lookup; here the resolver itself fails, as DNS does)."""
    resolve = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if host in ("llm.invalid", b"llm.invalid"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with serve_hf(HFState(days={DAY: RECORDED})) as hf:
        args = write_config(project, hf)
        base = "https://llm.invalid/v1"
        assert main(args, environ={"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": base}) == 1
    [line] = problems(capsys.readouterr().err)
    assert "cannot connect" in line and "Name or service not known" in line
    assert "OPENAI_BASE_URL" in line


def test_a_fatal_error_in_one_feed_fails_the_others_that_need_the_llm_once(project, capsys):
    wrong_key = error(401, "Incorrect API key provided", type="invalid_request_error")
    with serve_hf(HFState(days={DAY: RECORDED})) as hf, FakeOpenAI(default=wrong_key) as llm:
        config = project / "config.yaml"
        config.write_text(
            "llm: {concurrency: 2, max_retries: 0}\nfeeds:\n"
            f"  - {{name: one, kind: hf_daily, base_url: '{hf}'}}\n"
            f"  - {{name: two, kind: hf_daily, base_url: '{hf}'}}\n"
        )
        assert main(["run", "--config", str(config), "--date", DAY], environ=llm_env(llm)) == 1
    assert len(llm.requests) <= 2
    [line] = problems(capsys.readouterr().err)
    assert "one 2025-11-11, two 2025-11-11: " in line


# --- Errors that heal ----------------------------------------------------------------------


def test_transient_errors_leave_papers_pending_and_the_run_green(project, capsys):
    with (
        serve_hf(HFState(days={DAY: RECORDED[:3]})) as hf,
        FakeOpenAI(default=error(500, "upstream hiccup")) as llm,
    ):
        args = write_config(project, hf)
        assert main(args, environ=llm_env(llm)) == 0
    out, err = capsys.readouterr()
    assert "pending 3" in out
    assert f"pending summaries are kept in {project / 'data'} and retried on the next run" in out
    pending_lines = [line for line in err.splitlines() if "upstream hiccup" in line]
    assert len(pending_lines) == 3  # one line per paper: the progress line, no WARNING twin
    assert "WARNING" not in err


# --- Nothing paid for is thrown away -------------------------------------------------------


def test_a_run_without_a_key_keeps_the_llm_summaries(project, capsys):
    with serve_hf(HFState(days={DAY: RECORDED})) as hf, FakeOpenAI(default=reply(VALID)) as llm:
        args = write_config(project, hf)
        assert main(args, environ=llm_env(llm)) == 0
        paid = snapshot(project)
        assert main(args, environ={}) == 0  # the key is gone (an expired secret, a fork)
    assert snapshot(project) == paid
    assert "summarized 0, cached 19" in capsys.readouterr().out


def test_the_built_in_summarizer_fills_only_papers_without_a_summary(project, capsys):
    with (
        serve_hf(HFState(days={DAY: RECORDED})) as hf,
        FakeOpenAI(default=reply(VALID)) as llm,
    ):
        args = write_config(project, hf, concurrency=1)
        llm.add(*[error(500, "down")] * 5)  # five papers stay pending
        assert main(args, environ=llm_env(llm)) == 0
        assert main(args, environ={}) == 0
    models = [
        json.loads(path.read_text())["summaries"]["digest"]["model"]
        for path in (project / "data" / "papers").glob("*.json")
    ]
    assert sorted(set(models)) == ["extractive", "gpt-4o-mini"]
    assert models.count("extractive") == 5
    assert "summarized 5, cached 14" in capsys.readouterr().out


def test_force_with_failing_calls_keeps_every_summary_and_says_so(project, capsys):
    with serve_hf(HFState(days={DAY: RECORDED})) as hf, FakeOpenAI(default=reply(VALID)) as llm:
        args = write_config(project, hf)
        assert main(args, environ=llm_env(llm)) == 0
        paid = snapshot(project)
        capsys.readouterr()
        llm.default = error(503, "overloaded")
        assert main([*args, "--force"], environ=llm_env(llm)) == 0
    assert snapshot(project) == paid
    out, err = capsys.readouterr()
    assert "pending 0, skipped 0, kept 19" in out
    assert "the previous finished one was kept" in out
    assert err.count("kept the previous summary (gpt-4o-mini)") == 19
