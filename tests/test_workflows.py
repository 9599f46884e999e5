"""The GitHub Actions workflows: zizmor-clean, pinned, least privilege, and no script injection.

The argument-building bash of daily.yml is taken from the file and really run, with a stub
``python`` on PATH, so the test checks the script GitHub will run, not a copy of it.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.helpers import parse_lock

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
DAILY = WORKFLOWS / "daily.yml"
RUN_STEP = "Summarize papers"  # the daily.yml step that builds the paperpress arguments
ROUNDUP_STEP = "Write roundups"  # the step of the job that writes a dated run's roundups
SECRET_STEPS = {"papers": RUN_STEP, "roundups": ROUNDUP_STEP}  # job -> its one step with secrets
PLAN_STEP = "Plan"  # the daily.yml step that turns the date inputs into the chunk matrix
PYYAML_STEP = "Install PyYAML"  # the plan job's one install, for the estimate
SHA_PIN = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
BASH = shutil.which("bash")


def load(path: Path) -> dict:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    # PyYAML reads YAML 1.1, where the bare key `on` is the boolean True.
    if True in document:
        document["on"] = document.pop(True)
    return document


def workflow_files() -> list[Path]:
    return sorted([*WORKFLOWS.glob("*.yml"), *WORKFLOWS.glob("*.yaml")])


def steps(document: dict):
    for job_name, job in document["jobs"].items():
        for step in job.get("steps", []):
            yield job_name, step


def step_named(document: dict, name: str) -> dict:
    found = [step for _, step in steps(document) if step.get("name") == name]
    assert len(found) == 1, f"expected one step named {name!r}, found {len(found)}"
    return found[0]


@pytest.fixture(scope="module")
def daily() -> dict:
    return load(DAILY)


def test_both_workflows_exist():
    assert {p.name for p in workflow_files()} >= {"daily.yml", "ci.yml"}


# --- zizmor -------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["regular", "auditor"])
def test_zizmor_reports_no_findings(persona: str):
    """Both personas, the auditor's false positives included, with nothing silenced: no
    zizmor.yml (--no-config) and no ``# zizmor: ignore`` comment (--no-ignores). --offline
    skips the audits that ask GitHub's API, so no token and no network are needed."""
    zizmor = Path(sys.executable).parent / "zizmor"
    if not zizmor.exists():
        pytest.skip(f"zizmor is not installed next to {sys.executable}")
    env = {k: v for k, v in os.environ.items() if k != "ZIZMOR_GITHUB_TOKEN"}
    options = ["--offline", "--no-config", "--no-ignores", "--no-progress"]
    result = subprocess.run(
        [str(zizmor), *options, "--persona", persona, str(WORKFLOWS)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    # 0 = clean; 1 = error; 2 = bad arguments; 3 = no inputs; 11-14 = findings by severity.
    assert result.returncode == 0, result.stdout + result.stderr


# --- structure ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", workflow_files(), ids=lambda p: p.name)
def test_no_expression_inside_run_scripts(path: Path):
    for job_name, step in steps(load(path)):
        if "run" in step:
            assert "${{" not in step["run"], (
                f"{path.name} job {job_name} step {step.get('name')!r}: pass values via env:"
            )


@pytest.mark.parametrize("path", workflow_files(), ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit_sha(path: Path):
    uses = [step["uses"] for _, step in steps(load(path)) if "uses" in step]
    uses += [job["uses"] for job in load(path)["jobs"].values() if "uses" in job]
    assert uses, f"{path.name} uses no actions?"
    for ref in uses:
        if ref.startswith(("./", "docker://")):
            continue
        assert SHA_PIN.match(ref), f"{path.name}: {ref} is not pinned to a full commit SHA"


@pytest.mark.parametrize("path", workflow_files(), ids=lambda p: p.name)
def test_top_level_permissions_are_empty_or_read_only(path: Path):
    document = load(path)
    assert "permissions" in document, f"{path.name} has no top-level permissions block"
    permissions = document["permissions"]
    assert permissions in ({}, "read-all") or (
        isinstance(permissions, dict) and set(permissions.values()) <= {"read", "none"}
    ), f"{path.name}: top-level permissions {permissions!r}"


def test_only_the_papers_job_can_write():
    writers = []
    for path in workflow_files():
        for job_name, job in load(path)["jobs"].items():
            permissions = job.get("permissions", {})
            if permissions == "write-all" or (
                isinstance(permissions, dict) and "write" in permissions.values()
            ):
                writers.append((path.name, job_name, permissions))
    assert writers == [
        ("daily.yml", "papers", {"contents": "write"}),
        ("daily.yml", "roundups", {"contents": "write"}),
    ]


def test_no_checkout_keeps_credentials():
    # paperpress commits through the API with a token in env:, so no job needs git push.
    for path in workflow_files():
        for _, step in steps(load(path)):
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step.get("with", {}).get("persist-credentials") is False, path.name


@pytest.mark.parametrize("path", workflow_files(), ids=lambda p: p.name)
def test_every_job_has_a_timeout(path: Path):
    for job_name, job in load(path)["jobs"].items():
        assert 0 < job["timeout-minutes"] <= 60, f"{path.name} {job_name}"


def test_workflows_match_the_github_workflow_schema(tmp_path: Path):
    checker = Path(sys.executable).parent / "check-jsonschema"
    if not checker.exists():
        pytest.skip(f"check-jsonschema is not installed next to {sys.executable}")
    broken = tmp_path / "broken.yml"
    broken.write_text(DAILY.read_text().replace("runs-on:", "runs_on:"), encoding="utf-8")

    def check(*paths: Path) -> subprocess.CompletedProcess[str]:
        command = [str(checker), "--builtin-schema", "vendor.github-workflows", *map(str, paths)]
        return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)

    result = check(*workflow_files())
    assert result.returncode == 0, result.stdout + result.stderr
    assert check(broken).returncode == 1  # the check can fail


def test_secrets_reach_only_the_run_step_through_its_env_in_the_papers_environment(
    daily: dict,
):
    """No secret in a workflow- or job-level env, a ``with:``, a script or another step:
    only the env of the step that runs paperpress names them (Summarize papers, Write
    roundups), and their jobs run in the environment ``papers``."""
    found = []

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, [*path, str(key)])
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, [*path, str(index)])
        elif isinstance(node, str) and re.search(r"\bsecrets\b", node):
            found.append(path)

    for path in workflow_files():
        walk(load(path), [path.name])
    allowed = {
        ("daily.yml", "jobs", job, "steps", str(daily["jobs"][job]["steps"].index(step)), "env")
        for job, name in SECRET_STEPS.items()
        for step in [step_named(daily, name)]
    }
    assert found, "no secret at all?"
    for where in found:
        assert tuple(where[:6]) in allowed, where
    for job in SECRET_STEPS:
        assert daily["jobs"][job]["environment"] == "papers"
        assert "env" not in daily["jobs"][job]


def test_daily_triggers(daily: dict):
    on = daily["on"]
    assert daily["name"] == "daily papers"
    (schedule,) = on["schedule"]
    minute = schedule["cron"].split()[0]
    assert minute.isdigit() and int(minute) != 0, "avoid minute 0: runs are delayed or dropped"
    inputs = on["workflow_dispatch"]["inputs"]
    assert set(inputs) == {"date", "end_date", "feed", "force", "max_calls"}
    for name in ("date", "end_date", "feed", "max_calls"):
        assert inputs[name]["type"] == "string" and not inputs[name].get("required")
    assert inputs["force"]["type"] == "boolean" and inputs["force"]["default"] is False


def test_daily_never_cancels_a_run_in_progress(daily: dict):
    assert daily["concurrency"]["cancel-in-progress"] is False
    assert daily["concurrency"]["group"]


def test_a_range_runs_as_a_matrix_of_chunks_that_do_not_cancel_each_other(daily: dict):
    job = daily["jobs"]["papers"]
    assert job["needs"] == "plan"
    assert job["strategy"]["matrix"]["chunk"] == "${{ fromJSON(needs.plan.outputs.chunks) }}"
    assert job["strategy"]["fail-fast"] is False
    assert daily["jobs"]["plan"]["outputs"]["chunks"] == "${{ steps.plan.outputs.chunks }}"


def test_a_dated_runs_roundups_are_written_once_after_every_chunk(daily: dict):
    """Chunks run side by side, each with part of the range: its roundups are written by
    one job after them all (succeeded or failed), from the branch as they left it."""
    job = daily["jobs"]["roundups"]
    assert job["needs"] == ["plan", "papers"]
    assert job["if"] == (
        "${{ !cancelled() && needs.plan.result == 'success' && inputs.date != '' }}"
    )
    assert "strategy" not in job
    (checkout,) = [s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@")]
    assert checkout["with"]["ref"] == "${{ github.ref }}"  # not the run's first commit


def test_daily_inputs_reach_the_scripts_through_env_only(daily: dict):
    env = step_named(daily, RUN_STEP)["env"]
    assert env["START"] == "${{ matrix.chunk.start }}" and env["END"] == "${{ matrix.chunk.end }}"
    assert env["POST_FEED"] == "${{ inputs.feed }}"
    assert env["FORCE"] == "${{ inputs.force }}"
    assert env["GITHUB_TOKEN"] == "${{ github.token }}"
    assert {"OPENAI_API_KEY", "PUBLISH_REPO", "PUBLISH_TOKEN", "PUBLISH_BRANCH"} <= set(env)
    roundups = step_named(daily, ROUNDUP_STEP)["env"]
    assert roundups["POST_DATE"] == "${{ inputs.date }}"
    assert roundups["END_DATE"] == "${{ inputs.end_date }}"
    assert {key: roundups[key] for key in env if key not in ("START", "END")} == {
        key: value for key, value in env.items() if key not in ("START", "END")
    }  # the same feed, force, keys and tokens as a chunk
    plan_env = step_named(daily, PLAN_STEP)["env"]
    assert plan_env == {
        "POST_DATE": "${{ inputs.date }}",
        "END_DATE": "${{ inputs.end_date }}",
        "POST_FEED": "${{ inputs.feed }}",
        "MAX_CALLS": "${{ inputs.max_calls }}",
        "DEFAULT_MAX_CALLS": "${{ vars.PAPERPRESS_MAX_CALLS }}",
    }


# --- what the daily workflow installs ----------------------------------------------------

LOCK_OPTIONS = {"--disable-pip-version-check", "--require-hashes", "--only-binary=:all:"}
INSTALLERS = re.compile(r"\b(pip3?|uv|npm|npx|yarn|apt-get|apt|curl|wget)\b|install")


def pip_installs(document: dict):
    """Every ``pip install`` command line in the run scripts, split as bash would."""
    for job_name, step in steps(document):
        for line in step.get("run", "").splitlines():
            if re.search(r"\bpip3? install\b", line):
                yield job_name, step, shlex.split(line, comments=True)


def install_arguments(words: list[str]) -> tuple[set[str], list[str], list[str]]:
    """The options, requirement files and other targets of one ``pip install``."""
    options, files, targets = set(), [], []
    rest = iter(words[words.index("install") + 1 :])
    for word in rest:
        if word in ("-r", "--requirement"):
            files.append(next(rest))
        elif word == "--only-binary":
            options.add(f"--only-binary={next(rest)}")
        elif word.startswith("-"):
            options.add(word)
        else:
            targets.append(word)
    return options, files, targets


def secret_steps(document: dict):
    for job_name, step in steps(document):
        if "secrets." in json.dumps(step):
            yield job_name, step


def test_daily_installs_only_the_lock_with_hashes_and_wheels(daily: dict):
    installs = list(pip_installs(daily))
    assert installs, "daily.yml installs nothing?"
    for job_name, step, words in installs:
        options, files, targets = install_arguments(words)
        where = f"{job_name} step {step.get('name')!r}: {shlex.join(words)}"
        if step.get("name") == PYYAML_STEP:  # the lock's PyYAML entry, cut out of it
            assert files == ["${RUNNER_TEMP}/pyyaml.lock"] and "requirements.lock" in step["run"]
        else:
            assert files == ["requirements.lock"], where
        assert targets == [], where
        assert options == LOCK_OPTIONS, where  # no -e ., no index or find-links of its own
    for job_name, step in steps(daily):
        if step.get("uses", "").startswith("actions/setup-python@"):
            assert step["with"].get("cache-dependency-path", "requirements.lock") == (
                "requirements.lock"
            ), job_name


def test_the_step_with_the_secrets_installs_nothing_and_runs_paperpress_from_the_checkout(
    daily: dict,
):
    holders = list(secret_steps(daily))
    assert [(job, step["name"]) for job, step in holders] == list(SECRET_STEPS.items())
    for _, step in holders:
        assert not INSTALLERS.search(step["run"]), step["run"]
        assert step["env"]["PYTHONPATH"] == "scripts"
    for job, name in SECRET_STEPS.items():
        names = [step.get("name") for step in daily["jobs"][job]["steps"]]
        assert names.index("Install") < names.index(name), job


def test_install_arguments_sees_every_target():
    words = shlex.split("python -m pip install -q -r a.txt --only-binary :all: -e . b==1")
    assert install_arguments(words) == (
        {"-q", "--only-binary=:all:", "-e"},
        ["a.txt"],
        [".", "b==1"],
    )


# --- the step scripts, really run ------------------------------------------------------------


def step_runner(tmp_path: Path, script_text: str, stub_python: bool):
    """Run a daily.yml step as GitHub would (bash -e -o pipefail) in an empty folder: with
    a stub ``python`` that records its arguments, or with scripts/ linked for python3."""
    if BASH is None:
        pytest.skip("bash is not available")
    script = tmp_path / "step.sh"
    script.write_text(script_text, encoding="utf-8")
    stub_dir = tmp_path / "bin"
    stub_dir.mkdir()
    stub = stub_dir / "python"
    if stub_python:
        stub.write_text('#!/bin/sh\nprintf \'%s\\n\' "$@" > "$STUB_ARGV"\n', encoding="utf-8")
    else:  # setup-python's `python`: here, the interpreter running the tests
        stub.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} "$@"\n', encoding="utf-8")
    stub.chmod(0o755)
    workdir = tmp_path / "work"
    workdir.mkdir()
    for name in CHECKOUT:
        (workdir / name).symlink_to(ROOT / name)
    argv_file = tmp_path / "argv"
    output = tmp_path / "output"
    summary = tmp_path / "summary.md"
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()

    def run(**env_vars: str) -> tuple[int, list[str] | None]:
        env = {
            "PATH": f"{stub_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            "HOME": str(tmp_path),
            "STUB_ARGV": str(argv_file),
            "GITHUB_OUTPUT": str(output),
            "GITHUB_STEP_SUMMARY": str(summary),
            "RUNNER_TEMP": str(runner_temp),
            **env_vars,
        }
        for path in (argv_file, output, summary):
            path.unlink(missing_ok=True)
        result = subprocess.run(
            [BASH, "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        argv = argv_file.read_text(encoding="utf-8").splitlines() if argv_file.exists() else None
        run.stderr = result.stderr
        run.summary = summary.read_text(encoding="utf-8") if summary.exists() else ""
        return result.returncode, argv

    run.workdir = workdir
    run.output = output
    run.runner_temp = runner_temp
    return run


CHECKOUT = ("scripts", "config.yaml", "requirements.lock")  # what the steps read


def created_files(workdir: Path) -> list[str]:
    return sorted(p.name for p in workdir.iterdir() if p.name not in CHECKOUT)


@pytest.fixture
def run_step(tmp_path: Path, daily: dict):
    runner = step_runner(tmp_path, step_named(daily, RUN_STEP)["run"], stub_python=True)

    def run(start: str = "", end: str = "", feed: str = "", force: str = ""):
        return runner(START=start, END=end or start, POST_FEED=feed, FORCE=force)

    run.workdir = runner.workdir
    return run


PLAN_CONFIG = """\
llm: {price: {prompt_per_million: 0.15, completion_per_million: 0.60}}
feeds:
  - {name: hf-daily, kind: hf_daily}            # 50 papers a day
  - name: topic
    kind: arxiv_topic                           # 30 papers a weekday
    title: T
    keywords: [t]
  - {name: weekly, kind: roundup, from: [hf-daily], lead: yes}   # a lead a day
"""
WEEK = ("2025-11-03", "2025-11-09")  # Monday to Sunday: 350 + 150 papers, 7 leads


@pytest.fixture
def plan_step(tmp_path: Path, daily: dict):
    """The Plan step, really run with python on config.yaml: (exit code, chunks or None);
    ``plan_step.stderr`` and ``plan_step.summary`` (the job summary) of the last run."""
    runner = step_runner(tmp_path, step_named(daily, PLAN_STEP)["run"], stub_python=False)
    (runner.workdir / "config.yaml").unlink()
    (runner.workdir / "config.yaml").write_text(PLAN_CONFIG, encoding="utf-8")

    def run(
        date: str = "", end_date: str = "", feed: str = "", max_calls: str = "", default: str = ""
    ) -> tuple[int, list | None]:
        code, _ = runner(
            POST_DATE=date,
            END_DATE=end_date,
            POST_FEED=feed,
            MAX_CALLS=max_calls,
            DEFAULT_MAX_CALLS=default,
        )
        run.stderr, run.summary = runner.stderr, runner.summary
        text = runner.output.read_text() if runner.output.exists() else ""
        return code, json.loads(text.removeprefix("chunks=")) if text else None

    run.workdir = runner.workdir
    return run


def test_plan_gives_one_chunk_for_the_schedule_and_chunks_for_a_range(plan_step):
    assert plan_step() == (0, [{"start": "", "end": ""}])
    assert plan_step.summary == ""  # the scheduled day: nothing to estimate, no cap
    assert plan_step("2025-11-11") == (0, [{"start": "2025-11-11", "end": "2025-11-11"}])
    code, chunks = plan_step("2025-01-01", "2025-03-01", max_calls="100000")
    assert code == 0 and chunks[0] == {"start": "2025-01-01", "end": "2025-01-07"}
    assert chunks[-1]["end"] == "2025-03-01"


@pytest.mark.parametrize(
    "value",
    [
        '2025-01-01"; touch pwned; echo "',
        "2025-01-01; touch pwned",
        "$(touch pwned)",
        "`touch pwned`",
        "2025-01-01\ntouch pwned",
        "2025-01-01 ",
        "2025-1-1",
        "2025-13-01",
        "2025-02-30",
        "2999-01-01",
        "--help",
    ],
)
def test_bad_or_hostile_dates_fail_the_plan(plan_step, value: str):
    for date, end_date in [(value, ""), ("2025-01-01", value)]:
        code, chunks = plan_step(date, end_date)
        assert code != 0 and chunks is None
        assert not created_files(plan_step.workdir), "the input created a file"


def test_a_chunk_is_passed_as_date_and_end_date_with_commit_api(run_step):
    code, argv = run_step("2025-01-01", "2025-01-07")
    assert code == 0
    assert argv == [
        "-m", "paperpress", "run", "--commit", "api",
        "--date", "2025-01-01", "--end-date", "2025-01-07", "--roundups", "skip",
    ]  # fmt: skip


def test_the_scheduled_chunk_lets_paperpress_pick_the_day(run_step):
    code, argv = run_step()
    assert code == 0
    assert argv == ["-m", "paperpress", "run", "--commit", "api"]


def test_feed_and_force_are_passed(run_step):
    code, argv = run_step("2025-11-11", feed="hf-daily,arxiv.cs_CL", force="true")
    assert code == 0
    assert argv[-5:] == ["--feed", "hf-daily", "--feed", "arxiv.cs_CL", "--force"]


def test_force_false_is_not_passed(run_step):
    code, argv = run_step(force="false")
    assert code == 0
    assert argv == ["-m", "paperpress", "run", "--commit", "api"]


@pytest.fixture
def roundup_step(tmp_path: Path, daily: dict):
    runner = step_runner(tmp_path, step_named(daily, ROUNDUP_STEP)["run"], stub_python=True)

    def run(date: str = "", end_date: str = "", feed: str = "", force: str = ""):
        return runner(POST_DATE=date, END_DATE=end_date, POST_FEED=feed, FORCE=force)

    run.workdir = runner.workdir
    return run


def test_the_roundups_job_writes_only_the_roundups_of_the_whole_range(roundup_step):
    code, argv = roundup_step("2025-01-01", "2025-03-01")
    assert code == 0
    assert argv == [
        "-m", "paperpress", "run", "--commit", "api", "--roundups", "only",
        "--date", "2025-01-01", "--end-date", "2025-03-01",
    ]  # fmt: skip
    assert roundup_step("2025-11-11")[1][-4:] == [
        "--date",
        "2025-11-11",
        "--end-date",
        "2025-11-11",
    ]
    code, argv = roundup_step("2025-11-11", feed="weekly,hf-daily", force="true")
    assert argv[-5:] == ["--feed", "weekly", "--feed", "hf-daily", "--force"]


@pytest.mark.parametrize(
    ("date", "end_date", "feed"),
    [
        ("", "", ""),  # the job runs for a dated run only; the step trusts no input either
        ("2025-01-01; touch pwned", "", ""),
        ("2025-01-01", "$(touch pwned)", ""),
        ("2025-01-01", "2025-1-1", ""),
        ("2025-01-01", "", "weekly; touch pwned"),
        ("2025-01-01", "", "--help"),
    ],
)
def test_bad_or_hostile_inputs_fail_the_roundups_step(roundup_step, date, end_date, feed):
    code, argv = roundup_step(date, end_date, feed)
    assert code != 0 and argv is None
    assert not created_files(roundup_step.workdir)


@pytest.mark.parametrize("value", ["2025-01-01; touch pwned", "$(touch pwned)", "2025-1-1"])
def test_a_bad_chunk_fails_the_step(run_step, value: str):
    code, argv = run_step("2025-01-01", value)
    assert code != 0 and argv is None
    assert not created_files(run_step.workdir)


@pytest.mark.parametrize(
    "value", ["hf-daily; touch pwned", "$(touch pwned)", "a,,b", "--help", "a b", "a\nb"]
)
def test_bad_or_hostile_feed_fails_the_step(run_step, value: str):
    code, argv = run_step(feed=value)
    assert code != 0
    assert argv is None
    assert not created_files(run_step.workdir)


def test_a_dated_run_states_its_estimate_in_the_summary_before_the_chunks(plan_step):
    code, chunks = plan_step(*WEEK)
    assert code == 0 and chunks == [{"start": WEEK[0], "end": WEEK[1]}]
    summary = plan_step.summary
    assert f"### Estimate: {WEEK[0]} to {WEEK[1]}, 7 days in 1 chunk" in summary
    assert "| hf-daily | hf_daily | 7 | 50 | 350 | 350 |" in summary
    assert "| topic | arxiv_topic | 5 | 30 | 150 | 150 |" in summary
    assert "| weekly | roundup | 7 | 0 | 0 | 7 |" in summary
    assert "| **all** | | | | **500** | **507** |" in summary
    assert "at `llm.price`" in summary and "Within the cap of 1,000 LLM calls." in summary
    assert "estimate: 7 days, at most 500 papers, 507 calls (cap 1,000)" in plan_step.stderr


def test_a_range_above_the_cap_stops_in_the_plan_with_one_line_saying_how_to_raise_it(
    plan_step,
):
    code, chunks = plan_step("2025-11-03", "2025-11-23")  # 21 days: 1,050 + 450 + 21
    assert code == 1 and chunks is None
    errors = [line for line in plan_step.stderr.splitlines() if line.startswith("::error")]
    assert errors == [
        "::error title=over the cost cap::2025-11-03 to 2025-11-23 is estimated at 1,521 LLM "
        "calls, above the cap of 1,000 for a manual run; to run it, start it again with "
        "max_calls 1521 (or raise the repository variable PAPERPRESS_MAX_CALLS)"
    ]
    assert "**Stopped.**" in plan_step.summary and "| **all** |" in plan_step.summary
    assert plan_step("2025-11-03", "2025-11-23", max_calls="1521")[0] == 0  # confirmed
    assert plan_step("2025-11-03", "2025-11-23", max_calls="1520")[0] == 1


def test_the_cap_is_the_input_else_the_repository_variable_else_1000(plan_step):
    assert plan_step(*WEEK, default="506")[0] == 1  # the variable lowers it
    assert plan_step(*WEEK, default="506", max_calls="507")[0] == 0  # the input wins
    assert plan_step(*WEEK, default="100000", max_calls="10")[0] == 1
    assert plan_step("2025-11-03", "2025-11-23", default="2000")[0] == 0
    assert plan_step(max_calls="0") == (0, [{"start": "", "end": ""}])  # never the schedule


def test_the_feed_input_narrows_the_estimate_and_an_unknown_feed_stops_the_plan(plan_step):
    code, _ = plan_step(*WEEK, feed="topic")
    assert code == 0 and "| **all** | | | | **150** | **150** |" in plan_step.summary
    assert "hf-daily" not in plan_step.summary
    code, chunks = plan_step(*WEEK, feed="hf-daily,nope")
    assert code == 2 and chunks is None
    assert plan_step.stderr.count("\n") == 1 and "unknown feed 'nope'" in plan_step.stderr


@pytest.mark.parametrize(
    "value",
    ["1e3", "-1", "1000 ", " 1000", "0x10", "1_000", "9999999999", "$(touch pwned)",
     "1000; touch pwned", "`touch pwned`", "1000\ntouch pwned", "--help"],
)  # fmt: skip
def test_bad_or_hostile_max_calls_fail_the_plan(plan_step, value: str):
    for inputs in [{"max_calls": value}, {"default": value}]:
        code, chunks = plan_step(*WEEK, **inputs)
        assert code != 0 and chunks is None, inputs
        assert not created_files(plan_step.workdir), "the input created a file"


@pytest.mark.parametrize(
    "value",
    ["hf-daily; touch pwned", "$(touch pwned)", "a,,b", "--help", "a b", "a\nb", "`touch x`",
     "--config=/etc/passwd", ",hf-daily"],
)  # fmt: skip
def test_bad_or_hostile_feed_fails_the_plan(plan_step, value: str):
    code, chunks = plan_step(*WEEK, feed=value)
    assert code != 0 and chunks is None
    assert not created_files(plan_step.workdir), "the input created a file"


def test_the_plan_job_installs_the_locked_pyyaml_entry_and_nothing_else(tmp_path, daily):
    runner = step_runner(tmp_path, step_named(daily, PYYAML_STEP)["run"], stub_python=True)
    code, argv = runner()
    assert code == 0
    requirement_file = Path(argv[argv.index("-r") + 1])
    assert requirement_file.parent == runner.runner_temp
    lock = parse_lock((ROOT / "requirements.lock").read_text(encoding="utf-8"))
    assert parse_lock(requirement_file.read_text(encoding="utf-8")) == {"pyyaml": lock["pyyaml"]}
    assert len(lock["pyyaml"].hashes) > 10  # every wheel's, not only the first line's
    steps_in_plan = [step.get("name") for step in daily["jobs"]["plan"]["steps"]]
    assert steps_in_plan.index(PYYAML_STEP) < steps_in_plan.index(PLAN_STEP)
