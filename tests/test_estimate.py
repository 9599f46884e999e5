"""The planning job's estimate of a manual range: papers, LLM calls, tokens, cost, the cap.

The estimate reads config.yaml itself (PyYAML only, no pydantic in the planning job), so it
is checked against load_config on every config in the repository, and against hostile
files: whatever the YAML holds, the answer is an estimate or one ConfigError line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from paperpress.config import load_config
from paperpress.dates import DEFAULT_MAX_CALLS, estimate, main, over_cap, plan, summary
from paperpress.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2025, 12, 1)
TWO_WEEKS = plan("2025-11-03", "2025-11-16", today=TODAY)  # Monday to Sunday twice: 10 weekdays


def config(*feeds: dict, **llm) -> dict:
    return {"llm": llm, "feeds": list(feeds)}


HF = {"name": "hf", "kind": "hf_daily"}
TOPIC = {"name": "topic", "kind": "arxiv_topic", "title": "T", "keywords": ["t"]}
ROUNDUP = {"name": "weekly", "kind": "roundup", "from": ["hf"]}


def test_papers_and_calls_per_kind_with_the_config_defaults():
    report = estimate(config(HF, TOPIC, ROUNDUP), TWO_WEEKS)
    rows = {f.name: (f.days, f.per_day, f.papers, f.calls) for f in report.feeds}
    assert rows == {
        "hf": (14, 50, 700, 700),  # every day, max_papers 50 by default
        "topic": (10, 30, 300, 300),  # Monday to Friday, 30 by default
        "weekly": (14, 0, 0, 0),  # reads data/: no paper, no call
    }
    assert (report.days, report.chunks, report.papers, report.calls) == (14, 2, 1000, 1000)
    assert report.cost is None


def test_max_papers_lead_and_full_text_change_the_estimate():
    report = estimate(
        config(
            {**HF, "max_papers": "20", "lead": True},  # a string, as the config also takes it
            {**TOPIC, "max_papers": 5.0, "fulltext": False, "lead": "yes"},
            {**ROUNDUP, "lead": "on"},
        ),
        TWO_WEEKS,
        names=["hf", "topic", "weekly"],
    )
    calls = {
        f.name: (f.papers, f.calls, f.prompt_tokens, f.completion_tokens) for f in report.feeds
    }
    assert calls == {
        "hf": (280, 294, 280 * 1500 + 14 * 1000, 280 * 700 + 14 * 300),
        "topic": (50, 60, 50 * 1500 + 10 * 1000, 50 * 1200 + 10 * 300),
        "weekly": (0, 14, 14 * 1000, 14 * 300),
    }


def test_a_topic_with_full_text_adds_its_budget_and_completions_stop_at_max_output_tokens():
    report = estimate(
        config({**TOPIC, "fulltext_budget_tokens": 4000}, max_output_tokens=800), TWO_WEEKS
    )
    (topic,) = report.feeds
    assert topic.prompt_tokens == 300 * (1500 + 4000)
    assert topic.completion_tokens == 300 * 800


def test_price_gives_the_cost_and_budget_usd_bounds_each_chunk():
    price = {"prompt_per_million": 0.15, "completion_per_million": 0.60}
    report = estimate(config(HF, price=price, budget_usd=0.5), TWO_WEEKS)
    assert report.tokens == (700 * 1500, 700 * 700)
    assert report.cost == pytest.approx((700 * 1500 * 0.15 + 700 * 700 * 0.60) / 1e6)
    text = summary(report, DEFAULT_MAX_CALLS)
    assert f"about ${report.cost:,.2f} at `llm.price`" in text
    assert "`llm.budget_usd` ($0.50) caps each chunk: at most $1.00 for the 2 chunks." in text
    assert "set `llm.price`" in summary(estimate(config(HF), TWO_WEEKS), 1000)


def test_only_the_named_feeds_count_and_an_unknown_name_is_one_line():
    report = estimate(config(HF, TOPIC), TWO_WEEKS, names=["topic"])
    assert [f.name for f in report.feeds] == ["topic"]
    with pytest.raises(ConfigError, match=r"unknown feed 'nope'; config.yaml has: hf, topic"):
        estimate(config(HF, TOPIC), TWO_WEEKS, names=["nope"], source="config.yaml")
    with pytest.raises(ConfigError, match=r"config.yaml: feeds\[1\].max_papers"):  # its index
        estimate(
            config(HF, {**TOPIC, "max_papers": "x"}),
            TWO_WEEKS,
            names=["topic"],
            source="config.yaml",
        )


def test_the_cap_stops_only_above_it():
    report = estimate(config(HF), TWO_WEEKS)  # 700 calls
    assert over_cap(report, 700) is None
    line = over_cap(report, 699)
    assert line is not None and "\n" not in line
    assert "700 LLM calls, above the cap of 699" in line and "max_calls 700" in line
    assert "**Stopped.**" in summary(report, 699) and "Within the cap" in summary(report, 700)


def test_a_feed_name_cannot_break_the_summary_table():
    report = estimate(config({**HF, "name": "a|b <script>x</script>\n| c"}), TWO_WEEKS)
    text = summary(report, 1000)
    row = next(line for line in text.splitlines() if line.startswith("| a"))
    assert "<script>" not in text and row.count(" | ") == 5  # six cells, pipes escaped


@pytest.mark.parametrize(
    "path", ["config.yaml", "demo/config.yaml", "demo/config-hugo.yaml"], ids=str
)
def test_the_estimate_reads_the_repository_configs_as_load_config_does(path: str):
    loaded = load_config(ROOT / path)
    raw = yaml.safe_load((ROOT / path).read_text(encoding="utf-8"))
    report = estimate(raw, TWO_WEEKS)
    assert [(f.name, f.kind) for f in report.feeds] == [(f.name, f.kind) for f in loaded.feeds]
    for feed, row in zip(loaded.feeds, report.feeds, strict=True):
        assert row.per_day == getattr(feed, "max_papers", 0)
        assert (row.calls - row.papers > 0) == feed.lead


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (None, "a list of feeds"),
        ([1, 2], "a list of feeds"),
        ({"feeds": "hf"}, "a list of feeds"),
        ({"feeds": [1]}, "a list of feeds"),
        ({"feeds": [{"name": "x"}]}, r"feeds\[0\] needs a name and a kind"),
        ({"feeds": [{"name": "x", "kind": "rss"}]}, "hf_daily, arxiv_topic, roundup"),
        ({"feeds": [{"name": ["x"], "kind": "hf_daily"}]}, "needs a name"),
        (config({**HF, "max_papers": "many"}), r"feeds\[0\].max_papers: 'many' is not a whole"),
        (config({**HF, "max_papers": -1}), "is not a whole number"),
        (config({**HF, "max_papers": 2.5}), "is not a whole number"),
        (config({**HF, "max_papers": float("inf")}), "is not a whole number"),
        (config({**HF, "max_papers": [50]}), "is not a whole number"),
        (config(HF, price="cheap"), "llm.price.prompt_per_million: 'cheap' is not a number"),
        (config(HF, price={"prompt_per_million": "nan"}), "is not a number"),
        (config(HF, max_output_tokens="lots"), "llm.max_output_tokens"),
        (config(HF, budget_usd={}), "llm.budget_usd"),
    ],
)
def test_a_bad_config_is_one_line_naming_the_key(raw, message: str):
    with pytest.raises(ConfigError, match=message) as caught:
        estimate(raw, TWO_WEEKS, source="config.yaml")
    assert "\n" not in str(caught.value)


scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=12,
)
feeds = st.fixed_dictionaries(
    {"name": st.text(max_size=6) | values, "kind": st.sampled_from(["hf_daily", "arxiv_topic"])},
    optional={
        key: values | st.integers(0, 500)
        for key in ("max_papers", "lead", "fulltext", "fulltext_budget_tokens")
    },
)
configs = values | st.fixed_dictionaries(
    {"feeds": st.lists(feeds, max_size=3) | values},
    optional={"llm": st.dictionaries(st.sampled_from(["price", "budget_usd"]), values)},
)


@settings(max_examples=300, deadline=None)
@given(configs)
def test_any_yaml_gives_an_estimate_or_one_config_error(raw):
    try:
        report = estimate(raw, TWO_WEEKS)
    except ConfigError as exc:
        assert "\n" not in str(exc)
    else:
        assert report.calls >= report.papers >= 0
        summary(report, 1000)


def run_main(capsys, *args: str) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as exit_:  # argparse refuses the usage
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


def test_main_prints_the_matrix_after_the_estimate_and_appends_the_summary(tmp_path, capsys):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config(HF, TOPIC)), encoding="utf-8")
    out_file = tmp_path / "summary.md"
    out_file.write_text("earlier step\n", encoding="utf-8")
    argv = ["plan", "2025-11-03", "2025-11-09", "--config", str(path)]
    code, out, err = run_main(capsys, *argv, "--github-summary", str(out_file))
    assert code == 0 and json.loads(out) == [{"start": "2025-11-03", "end": "2025-11-09"}]
    assert err == "estimate: 7 days, at most 500 papers, 500 calls (cap 1,000)\n"
    assert out_file.read_text().startswith("earlier step\n### Estimate: 2025-11-03")
    code, out, err = run_main(capsys, *argv, "--max-calls", "499")
    assert code == 1 and out == ""
    assert err.splitlines()[-1].startswith("paperpress: error: 2025-11-03 to 2025-11-09 is")


@pytest.mark.parametrize("value", ["1e3", "-5", "1_000", " 7", "1000000000", ""])
def test_main_refuses_a_max_calls_that_is_not_a_plain_count(capsys, value: str):
    code, out, _ = run_main(capsys, "plan", "2025-11-03", "", "--max-calls", value)
    assert code == 2 and out == ""


@pytest.mark.parametrize("github", [True, False], ids=["in Actions", "on a terminal"])
def test_dispatch_input_with_colons_starts_no_workflow_command(tmp_path, capsys, github):
    """A feed name or a date from the dispatch form is printed with its "::" defused."""
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config(HF)), encoding="utf-8")
    summary = ["--github-summary", str(tmp_path / "summary.md")] * github
    for argv in (
        ["2025-11-03", "", "--config", str(path), "--feeds", "x\n::error::PWNED:::y"],
        ["::error::PWNED", ""],
        ["2025-11-03", "::add-mask::x"],
    ):
        code, out, err = run_main(capsys, "plan", *argv, *summary)
        assert code == 2 and out == "" and err.count("\n") == 1, err
        rest = err.removeprefix("::error title=bad plan::" if github else "paperpress: error: ")
        assert rest != err and "::" not in rest, err


def test_main_errors_are_one_workflow_command_with_percent_and_newlines_escaped(tmp_path, capsys):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config(HF)), encoding="utf-8")
    summary_file = str(tmp_path / "summary.md")
    code, out, err = run_main(
        capsys, "plan", "2025-11-03", "", "--config", str(path), "--feeds", "a%0A::x\nb",
        "--github-summary", summary_file,
    )  # fmt: skip
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("::error title=bad plan::unknown feed")
    assert "'a%250A: :x\\nb'" in err  # % escaped; the newline was already repr's \\n
    missing = str(tmp_path / "no\nsuch.yaml")
    code, _, err = run_main(
        capsys, "plan", "2025-11-03", "", "--config", missing, "--github-summary", summary_file
    )
    assert code == 2 and err.count("\n") == 1 and "no%0Asuch.yaml: cannot read" in err
    code, _, err = run_main(capsys, "plan", "2999-01-01", "", "--github-summary", summary_file)
    assert code == 2 and err.startswith("::error title=bad plan::--date 2999-01-01 is in the")
    path.write_text("feeds: [\n", encoding="utf-8")
    code, _, err = run_main(capsys, "plan", "2025-11-03", "", "--config", str(path))
    assert code == 2 and err.count("\n") == 1 and "is not valid YAML" in err


def test_the_scheduled_day_needs_no_yaml_and_no_estimate():
    # python -S: no site-packages, so no PyYAML; the scheduled run must not need it.
    env = {"PYTHONPATH": str(ROOT / "scripts"), "PATH": os.environ.get("PATH", "")}
    command = [sys.executable, "-S", "-m", "paperpress.dates", "plan", "", ""]
    done = subprocess.run(
        [*command, "--config", str(ROOT / "config.yaml")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [{"start": "", "end": ""}] and done.stderr == ""
