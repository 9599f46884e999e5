"""Days and ranges: the CLI's --date/--end-date, the workflow's chunk matrix, and the
periods of the roundups."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date

import pytest

from devtools.fakes.hf_server import HFState, serve_hf
from paperpress.cli import main
from paperpress.dates import chunks, day_range, period_of, plan
from paperpress.errors import ConfigError
from tests.helpers import ROOT, hf_config, hf_items

TODAY = date(2025, 11, 21)


@pytest.mark.parametrize(
    ("day", "kind", "start", "end", "label"),
    [
        ("2025-11-10", "week", "2025-11-10", "2025-11-16", "2025-W46"),  # a Monday
        ("2025-11-16", "week", "2025-11-10", "2025-11-16", "2025-W46"),  # its Sunday
        ("2025-11-17", "week", "2025-11-17", "2025-11-23", "2025-W47"),  # the next Monday
        ("2027-01-03", "week", "2026-12-28", "2027-01-03", "2026-W53"),  # ISO year behind
        ("2024-12-30", "week", "2024-12-30", "2025-01-05", "2025-W01"),  # ISO year ahead
        ("2025-11-30", "month", "2025-11-01", "2025-11-30", "2025-11"),
        ("2025-12-01", "month", "2025-12-01", "2025-12-31", "2025-12"),
        ("2025-12-31", "month", "2025-12-01", "2025-12-31", "2025-12"),
        ("2024-02-29", "month", "2024-02-01", "2024-02-29", "2024-02"),  # a leap day
    ],
)
def test_period_of_a_day_is_its_iso_week_or_calendar_month(day, kind, start, end, label):
    period = period_of(day, kind)
    assert (period.start.isoformat(), period.end.isoformat(), period.label) == (start, end, label)
    assert period.days[0] == start and period.days[-1] == end and day in period
    assert len(period.days) == (7 if kind == "week" else int(end[-2:]))
    before = date.fromordinal(period.start.toordinal() - 1).isoformat()
    after = date.fromordinal(period.end.toordinal() + 1).isoformat()
    assert before not in period and after not in period


def test_day_range_includes_both_ends_and_refuses_backwards_or_huge_ranges():
    assert day_range("2025-02-27", "2025-03-01") == ["2025-02-27", "2025-02-28", "2025-03-01"]
    assert day_range("2025-11-11", "2025-11-11") == ["2025-11-11"]
    with pytest.raises(ConfigError, match="is before"):
        day_range("2025-11-11", "2025-11-10")
    with pytest.raises(ConfigError, match="at most 366 days"):
        day_range("2020-01-01", "2025-01-01")


@pytest.mark.parametrize("count", [1, 2, 7, 19, 20, 21, 40, 366])
def test_chunks_cover_every_day_once_in_order_within_the_limit(count):
    days = day_range(
        "2025-01-01", date.fromordinal(date(2025, 1, 1).toordinal() + count - 1).isoformat()
    )
    matrix = chunks(days, max_chunks=20)
    assert 1 <= len(matrix) <= 20
    covered = [d for chunk in matrix for d in day_range(chunk["start"], chunk["end"])]
    assert covered == days


def test_plan_for_the_schedule_single_days_and_ranges():
    assert plan("", "", today=TODAY) == [{"start": "", "end": ""}]
    assert plan("2025-11-11", "", today=TODAY) == [{"start": "2025-11-11", "end": "2025-11-11"}]
    assert plan("2025-11-01", "2025-11-04", today=TODAY, max_chunks=2, min_days=1) == [
        {"start": "2025-11-01", "end": "2025-11-02"},
        {"start": "2025-11-03", "end": "2025-11-04"},
    ]
    for start, end, message in [
        ("", "2025-11-11", "end_date needs a date"),
        ("2025-11-11", "2025-11-01", "is before"),
        ("2025-11-11", "2099-01-01", "in the future"),
        ("11/11/2025", "", "is not a date"),
    ]:
        with pytest.raises(ConfigError, match=message):
            plan(start, end, today=TODAY)


def test_plan_runs_with_the_standard_library_alone():
    # The workflow's planning job has no virtualenv: only python3 and scripts/ on the path.
    env = {"PYTHONPATH": str(ROOT / "scripts"), "PATH": os.environ.get("PATH", "")}
    command = [sys.executable, "-S", "-m", "paperpress.dates", "plan", "2025-11-01", "2025-11-03"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [{"start": "2025-11-01", "end": "2025-11-03"}]
    bad = subprocess.run([*command[:-2], "x", ""], env=env, capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "is not a date" in bad.stderr


def test_cli_end_date_runs_every_day_of_the_range(project, capsys):
    days = {"2025-11-10": hf_items()[:3], "2025-11-11": hf_items()[3:5], "2025-11-12": []}
    with serve_hf(HFState(days=days)) as base:
        config = hf_config(project, base)
        argv = ["run", "--config", config, "--date", "2025-11-10", "--end-date", "2025-11-12"]
        assert main(argv, environ={}) == 0
    out = capsys.readouterr().out
    assert (project / "posts" / "2025-11-10-hf-daily.md").exists()
    assert (project / "posts" / "2025-11-11-hf-daily.md").exists()
    assert "hf-daily 2025-11-12: no papers for this day; no post written" in out
    assert main(["run", "--config", config, "--end-date", "2025-11-12"], environ={}) == 2
    assert "--end-date needs --date" in capsys.readouterr().err
