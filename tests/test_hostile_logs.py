"""What paperpress prints when the outside world is hostile, seen line by line as a GitHub
Actions log reads it: paper ids that carry a newline and a workflow command, error bodies
that echo the API key or the GitHub token, URL variables that are not URLs. The CLI runs
end to end against the local stand-ins (devtools/fakes/).

In Actions (GITHUB_ACTIONS=true) a line that starts with ``::`` is a workflow command:
``::error::`` puts an error annotation on the run, ``::add-mask::`` and
``::stop-commands::`` change how the rest of the log reads. Only paperpress's own
annotations may start a line so, and no ``::`` from outside may appear in any line.
"""

from __future__ import annotations

import json
import logging
import re
import warnings
from pathlib import Path

import pytest
import yaml

from devtools.fakes.arxiv_server import atom_feed, serve_arxiv
from devtools.fakes.github_server import GitHubState, new_bare, serve_github
from devtools.fakes.hf_server import HFState, serve_hf
from devtools.fakes.hostile import INJECTED_IDS, hf_item
from devtools.fakes.openai_server import Action, FakeOpenAI, echoing_key, error, reply
from paperpress import publish, summarize
from paperpress.cli import main
from paperpress.progress import setup_logging
from paperpress.report import FeedReport, Report, step_summary
from tests.helpers import (
    HF_DAY,
    TOPIC_REPLY,
    arxiv_state,
    hf_config,
    hf_items,
    metadata,
    topic,
    write_config,
)

DAY = HF_DAY
OUR_COMMANDS = ("::warning::", "::error::", "::group::", "::endgroup::", "::notice::")
KEY = "sk-proj-LEAKED0123456789abcdefKEY"
TOKEN = "ghs_LEAKED0123456789abcdefTOKEN"


def hostile_day() -> list[dict]:
    """Three recorded papers, then an item for each injected id, and papers whose text
    carries workflow commands too (which paperpress does not print, but must not break)."""
    items = hf_items()[:3]
    items += [hf_item(arxiv_id, f"Injected {n}") for n, arxiv_id in enumerate(INJECTED_IDS)]
    items.append(hf_item("2511.80009", "Title\n::error::PWNED in a title", summary="x\n::y::z"))
    return items


def quick_llm(config: str) -> str:
    """The config with one LLM call at a time, no retries and a short timeout."""
    data = yaml.safe_load(Path(config).read_text())
    data["llm"] |= {"concurrency": 1, "max_retries": 0, "timeout": 5}
    Path(config).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return config


def lines_of(out: str, err: str) -> list[str]:
    return out.splitlines() + err.splitlines()


def assert_no_command_from_outside(lines: list[str]) -> None:
    """Only our own annotations start a line with ``::``, and no line holds another ``::``."""
    for line in lines:
        rest = line
        if line.startswith("::"):
            ours = next((command for command in OUR_COMMANDS if line.startswith(command)), None)
            assert ours is not None, f"a workflow command from outside: {line!r}"
            rest = line.removeprefix(ours)
        assert "::" not in rest, f"'::' from outside in {line!r}"
        assert not rest.lstrip().startswith("PWNED"), line


# --- Paper ids -------------------------------------------------------------------------------


@pytest.mark.parametrize("actions", [True, False], ids=["in Actions", "on a terminal"])
def test_an_hf_id_with_a_newline_and_a_command_is_skipped_with_a_warning_that_escapes_it(
    project, capsys, actions
):
    environ = {"GITHUB_ACTIONS": "true"} if actions else {}
    with serve_hf(HFState(days={DAY: hostile_day()})) as hf:
        assert (
            main(["run", "--config", hf_config(project, hf), "--date", DAY], environ=environ) == 0
        )
    out, err = capsys.readouterr()
    if actions:
        assert_no_command_from_outside(lines_of(out, err))
    warning = next(line for line in err.splitlines() if "2511.80004" in line)
    assert "2511.80004\\n" in warning and "is not an arXiv id; skipped" in warning, warning
    assert warning.startswith("::warning::" if actions else "WARNING "), warning
    assert "2511.80005\\r\\n" in err
    assert "done: fetched 4, summarized 4" in out, out  # the recorded three and 2511.80009
    names = {path.name for path in (project / "data" / "papers").iterdir()}
    assert len(names) == 4 and not any("PWNED" in name for name in names), names
    post = (project / "posts" / f"{DAY}-hf-daily.md").read_text()
    assert "Injected" not in post


INJECTED_ERROR = error(500, "upstream says\n::error::PWNED by an error body\n::add-mask::x")
# A topic reply with a newline and a command in a key of its own: a section no post has,
# dropped when the reply is read (before, the validation error named it).
INJECTED_REPLY = json.dumps({**TOPIC_REPLY, "omitted": {"x\n::error::PWNED by a reply": 5}})


def hostile_llm(body: dict) -> Action:
    """Digest calls get an error body with commands in it, topic calls a reply with a
    newline and a command in a key."""
    schema = body["response_format"]["json_schema"]["schema"]
    return reply(INJECTED_REPLY) if "takeaways" in schema["properties"] else INJECTED_ERROR


@pytest.mark.parametrize(
    "verbose",
    [False, True],
    ids=["as the workflow runs it", "with -v"],
)
def test_in_actions_no_line_of_a_whole_run_carries_a_command_from_outside(
    project, capsys, no_polite_wait, verbose
):
    """Injected ids in both feeds, error bodies and a reply with a newline and a command in
    them: every line printed is ours, and the errors are still shown."""
    search = atom_feed([(real, metadata()[real]) for real in ("2411.17769", "2411.17746")])
    with (
        serve_hf(HFState(days={DAY: hostile_day()})) as hf,
        serve_arxiv(arxiv_state(search_pages={0: search})) as arxiv,
        FakeOpenAI(default=hostile_llm) as llm,
    ):
        hf_feed = {"name": "hf-daily", "kind": "hf_daily", "base_url": hf}
        topic_feed = topic(arxiv, source="api", fulltext=False)
        config = quick_llm(write_config(project, [hf_feed, topic_feed], language="en"))
        environ = {"GITHUB_ACTIONS": "true", "OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": llm.base_url}
        argv = ["run", "--config", config, "--date", DAY] + ["-v"] * verbose
        assert main(argv, environ=environ) == 0
    out, err = capsys.readouterr()
    assert_no_command_from_outside(lines_of(out, err))
    assert "PWNED by an error body" in err  # the error shows
    assert "PWNED by a reply" not in out + err  # the key went: the summaries are done
    assert "pending 4" in out and "summarized 2" in out, out  # four digest, two topic papers


def test_atom_entries_whose_ids_are_not_arxiv_ids_are_skipped(project, capsys, no_polite_wait):
    """A search page of the arXiv API with entries whose ids are not arXiv ids (a newline
    and a command, a path, a hidden name) beside a real one: only the real one is posted."""
    real = "2411.17769"
    meta = metadata()[real]
    found = [(real, meta)]
    found += [
        (arxiv_id, {**meta, "title": f"Video injected {n}"})
        for n, arxiv_id in enumerate(INJECTED_IDS)
    ]
    state = arxiv_state(search_pages={0: atom_feed(found)})
    with serve_arxiv(state) as base:
        config = write_config(project, [topic(base, source="api", fulltext=False)], language="en")
        argv = ["run", "--config", config, "--date", "2024-11-27"]
        assert main(argv, environ={"GITHUB_ACTIONS": "true"}) == 0
    out, err = capsys.readouterr()
    assert_no_command_from_outside(lines_of(out, err))
    assert "done: fetched 1," in out, out
    assert [path.stem for path in (project / "data" / "papers").iterdir()] == [real]
    post = (project / "posts" / "2024-11-27-video-diffusion.md").read_text()
    assert "injected" not in post


# --- Secrets ---------------------------------------------------------------------------------


def files_under(*folders: Path) -> dict[str, str]:
    return {
        str(path): path.read_text(errors="replace")
        for folder in folders
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _unpaced(connect):
    """PyGithub without its pauses between requests (a local server needs none)."""

    def unpaced(token: str, api_url: str):
        return connect(token, api_url, pace=False)

    return unpaced


@pytest.mark.parametrize(
    ("action", "code"),
    [
        (echoing_key(500, "The server had an error processing key {key}; retry later."), 0),
        (echoing_key(401), 1),
    ],
    ids=["a 500 that echoes it (papers pending)", "a 401 that echoes it (the key refused)"],
)
def test_an_llm_error_that_echoes_the_key_leaves_it_in_no_line_and_no_file(
    project, tmp_path, capsys, monkeypatch, action, code
):
    remote = GitHubState(new_bare(tmp_path, {"README.md": "blog\n"}))
    summary = project / "step-summary.md"
    monkeypatch.setattr(publish.github, "connect", _unpaced(publish.github.connect))
    with (
        serve_hf(HFState(days={DAY: hf_items()[:3]})) as hf,
        FakeOpenAI(default=action) as llm,
        serve_github(remote) as gh,
    ):
        config = project / "config.yaml"
        config.write_text(
            "llm: {concurrency: 1, max_retries: 0, timeout: 5}\n"
            f"feeds:\n  - {{name: hf-daily, kind: hf_daily, base_url: '{hf}'}}\n"
        )
        environ = {
            "OPENAI_API_KEY": KEY,
            "OPENAI_BASE_URL": llm.base_url,
            "GITHUB_ACTIONS": "true",
            "GITHUB_REPOSITORY": "octo/blog",
            "GITHUB_REF_NAME": "main",
            "GITHUB_TOKEN": "write-token",
            "GITHUB_API_URL": gh,
            "GITHUB_STEP_SUMMARY": str(summary),
        }
        argv = ["run", "--config", str(config), "--date", DAY, "--commit", "api", "-v"]
        assert main(argv, environ=environ) == code
    out, err = capsys.readouterr()
    assert llm.requests, "the provider was asked"
    assert KEY not in out + err
    assert "[redacted]" in out + err  # the error is shown, without the key
    written = files_under(project / "data", project / "posts") | {"summary": summary.read_text()}
    committed = {path: data.decode(errors="replace") for path, data in remote.files().items()}
    if code == 0:
        assert any("[redacted]" in text for text in written.values())  # the pending error
        assert any(path.startswith("data/papers/") for path in committed)
    for where, text in (written | committed).items():
        assert KEY not in text, where


@pytest.mark.parametrize(
    "tokens",
    [{}, {TOKEN: "read"}],
    ids=["refused before the run (401)", "read-only, refused at the commit (403)"],
)
def test_a_github_error_that_echoes_the_token_leaves_it_in_no_line_and_no_file(
    project, tmp_path, capsys, monkeypatch, tokens
):
    remote = GitHubState(new_bare(tmp_path, {"README.md": "blog\n"}), echo_token=True)
    remote.tokens.update(tokens)
    monkeypatch.setattr(publish.github, "connect", _unpaced(publish.github.connect))
    with serve_hf(HFState(days={DAY: hf_items()[:3]})) as hf, serve_github(remote) as gh:
        environ = {
            "GITHUB_ACTIONS": "true",
            "GITHUB_REPOSITORY": "octo/blog",
            "GITHUB_REF_NAME": "main",
            "GITHUB_TOKEN": TOKEN,
            "GITHUB_API_URL": gh,
        }
        argv = ["run", "--config", hf_config(project, hf), "--date", DAY, "--commit", "api", "-v"]
        assert main(argv, environ=environ) == 1
    out, err = capsys.readouterr()
    assert TOKEN not in out + err
    assert "[redacted]" in err, err  # the error is shown, without the token
    for where, text in files_under(project).items():
        assert TOKEN not in text, where


# --- URL variables ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["api.deepseek.com", "http://[::1", "http://x:99999", "http://\u200bapi.example.com"],
    ids=["no scheme", "an unclosed IPv6 host", "a port too large", "a zero-width space"],
)
@pytest.mark.parametrize("name", ["OPENAI_BASE_URL", "GITHUB_API_URL"])
def test_a_malformed_url_variable_is_one_line_and_exit_2(project, capsys, monkeypatch, name, value):
    monkeypatch.setattr(publish.github, "connect", _unpaced(publish.github.connect))
    with serve_hf(HFState(days={DAY: hf_items()[:3]})) as hf:
        environ = {
            name: value,
            "OPENAI_API_KEY": KEY,
            "GITHUB_REPOSITORY": "octo/blog",
            "GITHUB_REF_NAME": "main",
            "GITHUB_TOKEN": "write-token",
        }
        argv = ["run", "--config", hf_config(project, hf), "--date", DAY, "--commit", "api"]
        code = main(argv, environ=environ)
    out, err = capsys.readouterr()
    assert code == 2, err
    assert out == "" and err.count("\n") == 1, err
    shown = repr(value).replace("::", ": :")  # no '::' in a line, even the user's own
    assert err.startswith(f"paperpress: error: {name} {shown} is not an http(s) URL"), err
    assert not re.search(r"Traceback|\bat 0x", err)
    assert not (project / "posts").exists()


def test_a_feed_error_reaches_the_job_summary_redacted_and_on_one_line():
    """The job summary is a file in the run's page: a failed feed's error goes into it as
    into stderr, with the run's secrets out and no control character."""
    failed = FeedReport("hf-daily", DAY, error=f"refused {KEY}\n::error::PWNED \u202eevil")
    table = step_summary(Report(feeds=[failed]), "https://github.com", secrets=[KEY])
    row = table.splitlines()[-2]
    assert KEY not in table and "[redacted]" in row, table
    assert "\u202e" not in table and "::error::" not in table, table
    assert row.startswith("| hf-daily |") and "PWNED" in row, row


def test_with_the_summarizer_redacting_nothing_the_key_still_reaches_no_line_and_no_summary(
    project, capsys, monkeypatch
):
    """Defence in depth: the summarizer takes the key out of a provider's error; should it
    miss it, stderr and the job summary still show none."""
    monkeypatch.setattr(summarize.LLMSummarizer, "_redacted", lambda self, exc: str(exc))
    summary = project / "step-summary.md"
    with serve_hf(HFState(days={DAY: hf_items()[:3]})) as hf, FakeOpenAI(echoing_key(401)) as llm:
        environ = {
            "OPENAI_API_KEY": KEY,
            "OPENAI_BASE_URL": llm.base_url,
            "GITHUB_ACTIONS": "true",
            "GITHUB_STEP_SUMMARY": str(summary),
        }
        assert main(["run", "--config", hf_config(project, hf), "--date", DAY], environ) == 1
    out, err = capsys.readouterr()
    assert KEY not in out + err and "[redacted]" in err, err
    assert KEY not in summary.read_text() and "[redacted]" in summary.read_text()


@pytest.mark.parametrize("actions", [True, False], ids=["in Actions", "on a terminal"])
def test_a_python_warning_is_one_log_line_without_secrets(capsys, monkeypatch, actions):
    monkeypatch.setattr(logging, "_warnings_showwarning", None)  # captureWarnings afresh
    monkeypatch.setattr(warnings, "showwarning", warnings.showwarning)  # put back after
    monkeypatch.setattr(logging.getLogger(), "handlers", [])
    setup_logging(verbose=False, in_actions=actions, secrets=[KEY])
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn(f"a library saw {KEY}\n::error::PWNED by a warning", UserWarning, 1)
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith("::warning::" if actions else "WARNING py.warnings: "), err
    assert KEY not in err and "[redacted]" in err
    assert_no_command_from_outside(err.splitlines())
