"""The GitHub Actions workflows: zizmor-clean, pinned, least privilege, and no script injection.

The argument-building bash of daily.yml is taken from the file and really run, with a stub
``python`` on PATH, so the test checks the script GitHub will run, not a copy of it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
DAILY = WORKFLOWS / "daily.yml"
RUN_STEP = "Summarize papers"  # the daily.yml step that builds the paperpress arguments
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


def test_zizmor_reports_no_findings():
    zizmor = Path(sys.executable).parent / "zizmor"
    if not zizmor.exists():
        pytest.skip(f"zizmor is not installed next to {sys.executable}")
    env = {k: v for k, v in os.environ.items() if k != "ZIZMOR_GITHUB_TOKEN"}
    result = subprocess.run(
        [str(zizmor), "--offline", "--persona", "regular", "--no-progress", str(WORKFLOWS)],
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


def test_only_the_daily_job_can_write():
    writers = []
    for path in workflow_files():
        for job_name, job in load(path)["jobs"].items():
            permissions = job.get("permissions", {})
            if permissions == "write-all" or (
                isinstance(permissions, dict) and "write" in permissions.values()
            ):
                writers.append((path.name, job_name, permissions))
    assert writers == [("daily.yml", "daily", {"contents": "write"})]


def test_checkout_credentials_persist_only_where_pushed():
    for path in workflow_files():
        for _, step in steps(load(path)):
            if step.get("uses", "").startswith("actions/checkout@"):
                expected = path.name == "daily.yml"
                assert step.get("with", {}).get("persist-credentials") is expected, path.name


def test_daily_triggers(daily: dict):
    on = daily["on"]
    assert daily["name"] == "daily papers"
    (schedule,) = on["schedule"]
    minute = schedule["cron"].split()[0]
    assert minute.isdigit() and int(minute) != 0, "avoid minute 0: runs are delayed or dropped"
    inputs = on["workflow_dispatch"]["inputs"]
    assert set(inputs) == {"date", "feed", "force"}
    assert inputs["date"]["type"] == "string" and not inputs["date"].get("required")
    assert inputs["feed"]["type"] == "string" and not inputs["feed"].get("required")
    assert inputs["force"]["type"] == "boolean" and inputs["force"]["default"] is False


def test_daily_never_cancels_a_run_in_progress(daily: dict):
    assert daily["concurrency"]["cancel-in-progress"] is False
    assert daily["concurrency"]["group"]


def test_daily_inputs_reach_the_script_through_env_only(daily: dict):
    env = step_named(daily, RUN_STEP)["env"]
    assert env["POST_DATE"] == "${{ inputs.date }}"
    assert env["POST_FEED"] == "${{ inputs.feed }}"
    assert env["FORCE"] == "${{ inputs.force }}"
    assert "OPENAI_API_KEY" in env


def test_daily_commits_only_posts_and_data(daily: dict):
    script = step_named(daily, "Commit and push")["run"]
    assert "git diff --cached --quiet" in script
    assert "git pull --rebase" in script
    assert re.search(r"for path in posts data\b", script)
    assert "--force" not in script and " -f " not in script


# --- the argument-building script, really run -------------------------------------------


@pytest.fixture
def run_step(tmp_path: Path, daily: dict):
    """Run the daily.yml step as GitHub would (bash -e -o pipefail) with a stub python."""
    if BASH is None:
        pytest.skip("bash is not available")
    script = tmp_path / "step.sh"
    script.write_text(step_named(daily, RUN_STEP)["run"], encoding="utf-8")
    stub_dir = tmp_path / "bin"
    stub_dir.mkdir()
    stub = stub_dir / "python"
    stub.write_text('#!/bin/sh\nprintf \'%s\\n\' "$@" > "$STUB_ARGV"\n', encoding="utf-8")
    stub.chmod(0o755)
    workdir = tmp_path / "work"
    workdir.mkdir()
    argv_file = tmp_path / "argv"

    def run(date: str = "", feed: str = "", force: str = "") -> tuple[int, list[str] | None]:
        env = {
            "PATH": f"{stub_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            "HOME": str(tmp_path),
            "STUB_ARGV": str(argv_file),
            "POST_DATE": date,
            "POST_FEED": feed,
            "FORCE": force,
        }
        argv_file.unlink(missing_ok=True)
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
        return result.returncode, argv

    run.workdir = workdir
    return run


def test_valid_date_is_passed_as_one_argument(run_step):
    code, argv = run_step(date="2025-01-01")
    assert code == 0
    assert argv == ["-m", "paperpress", "run", "--date", "2025-01-01"]


def test_empty_date_means_the_default_day(run_step):
    code, argv = run_step()
    assert code == 0
    assert argv == ["-m", "paperpress", "run"]


def test_feed_and_force_are_passed(run_step):
    code, argv = run_step(date="2025-11-11", feed="hf-daily,arxiv.cs_CL", force="true")
    assert code == 0
    assert argv == [
        "-m", "paperpress", "run", "--date", "2025-11-11",
        "--feed", "hf-daily", "--feed", "arxiv.cs_CL", "--force",
    ]  # fmt: skip


def test_force_false_is_not_passed(run_step):
    code, argv = run_step(force="false")
    assert code == 0
    assert argv == ["-m", "paperpress", "run"]


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
        "--help",
    ],
)
def test_bad_or_hostile_date_fails_the_step(run_step, value: str):
    code, argv = run_step(date=value)
    assert code != 0
    assert argv is None, "paperpress must not be started with a bad date"
    assert not any(run_step.workdir.iterdir()), "the input created a file"


@pytest.mark.parametrize(
    "value", ["hf-daily; touch pwned", "$(touch pwned)", "a,,b", "--help", "a b", "a\nb"]
)
def test_bad_or_hostile_feed_fails_the_step(run_step, value: str):
    code, argv = run_step(feed=value)
    assert code != 0
    assert argv is None
    assert not any(run_step.workdir.iterdir())
