"""Roundups: a week's or a month's best from data/ alone.

The week is made of the recorded Hugging Face days, served as the seven days of one ISO
week (Monday 2025-11-10 to Sunday 2025-11-16): the three recorded days, then Thursday to
Saturday repeat some of their papers (Thursday Monday's three most upvoted, so they appear
on two days), and Sunday has one paper of its own; the next Monday (2025-11-17, week 47)
has one more, which the week must leave out. Every day goes through the real CLI and the
local Hugging Face stand-in; the roundup then runs with a local LLM server at hand, which
must see no request.
"""

from __future__ import annotations

import json
import math
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import frontmatter
import pytest

from devtools.fakes.arxiv_server import serve_arxiv
from devtools.fakes.hf_server import HFState, serve_hf
from devtools.fakes.openai_server import FakeOpenAI
from paperpress import net
from paperpress.cli import main
from paperpress.config import RoundupFeed, load_config
from paperpress.dates import period_of
from paperpress.feeds.roundup import make_roundup, score
from paperpress.models import Links, Paper, SummaryRecord
from paperpress.pipeline import Clients
from paperpress.pipeline import run as run_pipeline
from paperpress.sources import arxiv
from paperpress.store import Record
from paperpress.summarize import ExtractiveSummarizer
from tests.helpers import (
    arxiv_state,
    fixture,
    project_snapshot,
    recorded_search,
    topic,
    write_config,
)


def recorded(day: str) -> list:
    return json.loads(fixture(f"hf/daily_papers_{day}.json").read_text())


BY_VOTES = sorted(recorded("2025-11-11"), key=lambda item: -item["paper"]["upvotes"])
MONDAY, (SUNDAY_PAPER, NEXT_MONDAY_PAPER) = BY_VOTES[:-2], BY_VOTES[-2:]
TUESDAY, WEDNESDAY = recorded("2025-04-11"), recorded("2024-04-04")
WEEK = {  # 2025-W46
    "2025-11-10": MONDAY,
    "2025-11-11": TUESDAY,
    "2025-11-12": WEDNESDAY,
    "2025-11-13": MONDAY[:3],
    "2025-11-14": TUESDAY[:4],
    "2025-11-15": WEDNESDAY[:2],
    "2025-11-16": [SUNDAY_PAPER],
}
DAYS = {**WEEK, "2025-11-17": [NEXT_MONDAY_PAPER]}  # and the Monday of 2025-W47
ROUNDUPS = (
    "  - {name: weekly, kind: roundup, period: week, from: [hf-daily], top: 10}\n"
    "  - {name: monthly, kind: roundup, period: month, from: [hf-daily], top: 5}\n"
)


def make_week(project: Path, hf: str, *, flavor: str = "hugo", language: str = "en") -> str:
    config = project / "config.yaml"
    config.write_text(
        f"site: {{flavor: {flavor}, timezone: Asia/Shanghai}}\nllm: {{language: {language}}}\n"
        f"feeds:\n  - {{name: hf-daily, kind: hf_daily, base_url: '{hf}'}}\n{ROUNDUPS}"
    )
    first, *_, last = DAYS
    argv = ["run", "--config", str(config), "--date", first, "--end-date", last]
    assert main([*argv, "--feed", "hf-daily"], environ={}) == 0
    return str(config)


def roundup(config: str, day: str, feed: str = "weekly", environ: dict | None = None) -> int:
    return main(["run", "--config", config, "--date", day, "--feed", feed], environ=environ or {})


@pytest.fixture
def week(project):
    state = HFState(days=DAYS)
    with serve_hf(state) as hf:
        config = make_week(project, hf)
        yield project, config, state


def test_a_week_from_the_recorded_days(week, capsys):
    project, config, state = week
    served = len(state.requests)
    with FakeOpenAI() as llm:
        environ = {"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": llm.base_url}
        assert roundup(config, "2025-11-12", environ=environ) == 0
    assert llm.requests == [] and len(state.requests) == served  # data/ alone
    post = project / "posts" / "2025-W46-weekly.md"
    assert f"weekly 2025-11-10: wrote {post}" in capsys.readouterr().out
    meta = frontmatter.load(post).metadata
    assert meta["title"] == "Papers of the week: 2025, week 46"
    assert (meta["categories"], meta["tags"]) == (["Roundups"], ["Weekly roundup"])
    assert meta["date"] == "2025-11-10T00:00:00+08:00"  # its Monday, stable all week
    assert meta["lastmod"].startswith("2025-11-16")  # the newest day with papers: Sunday
    body = frontmatter.load(post).content
    rows = re.findall(r"^\| (2025-11-\d\d) \| \[(\d+)\]\(\{\{< relref \"([^\"]+)\" >\}\}\) \|$",
                      body, re.M)  # fmt: skip
    assert rows == [(day, str(len(items)), f"{day}-hf-daily.md") for day, items in WEEK.items()]
    unique = {item["paper"]["id"] for items in WEEK.values() for item in items}
    assert f"listed {len(unique)} papers; here are the top 10." in body
    assert len(re.findall(r"^### \d+\. ", body, re.M)) == 10


def test_the_iso_week_ends_on_sunday_and_the_next_monday_starts_the_next(week):
    project, config, _ = week
    assert roundup(config, "2025-11-16") == 0
    assert roundup(config, "2025-11-17") == 0
    this_week = (project / "posts" / "2025-W46-weekly.md").read_text()
    next_week = (project / "posts" / "2025-W47-weekly.md").read_text()
    sunday, monday = (
        " ".join(p["paper"]["title"].split()) for p in DAYS["2025-11-16"] + DAYS["2025-11-17"]
    )
    assert "| 2025-11-16 | [1](" in this_week and "2025-11-17" not in this_week
    assert monday not in this_week and sunday not in next_week
    assert re.findall(r"^\| (2025-11-\d\d) \|", next_week, re.M) == ["2025-11-17"]
    assert re.findall(r"^### \d+\. (.*)$", next_week, re.M) == [monday]


def test_a_paper_on_two_days_is_listed_once_with_both_daily_posts(week):
    project, config, _ = week
    assert roundup(config, "2025-11-16") == 0
    body = (project / "posts" / "2025-W46-weekly.md").read_text()
    top = WEEK["2025-11-13"][0]["paper"]
    title = " ".join(top["title"].split())
    assert body.count(f". {title}\n") == 1
    section = body.split(f". {title}\n", 1)[1].split("\n### ", 1)[0]
    assert (
        'Appeared in: [hf-daily 2025-11-10]({{< relref "2025-11-10-hf-daily.md" >}}) · '
        '[hf-daily 2025-11-13]({{< relref "2025-11-13-hf-daily.md" >}})'
    ) in section


def test_the_post_shows_the_papers_by_score(week):
    project, config, _ = week
    assert roundup(config, "2025-11-10") == 0
    body = (project / "posts" / "2025-W46-weekly.md").read_text()
    records = {
        " ".join(r.paper.title.split()): r
        for r in (Record.from_json(p.read_text()) for p in (project / "data" / "papers").iterdir())
    }
    most = max(r.paper.upvotes for r in records.values())
    shown = [score(records[title], most) for title in re.findall(r"^### \d+\. (.*)$", body, re.M)]
    assert shown == sorted(shown, reverse=True) and len(shown) == 10
    assert shown[0] == max(score(r, most) for r in records.values())


def test_themes_are_the_periods_shared_keywords_with_their_counts(week):
    project, config, _ = week
    assert roundup(config, "2025-11-14") == 0
    body = (project / "posts" / "2025-W46-weekly.md").read_text()
    themes = re.findall(r"^- \*\*(.+)\*\* \((\d+)\)$", body.split("## Themes", 1)[1], re.M)
    assert themes and all(int(n) > 1 for _, n in themes)
    counts = [int(n) for _, n in themes]
    assert counts == sorted(counts, reverse=True)


def test_a_month_holds_every_day_of_it(week):
    project, config, _ = week
    assert roundup(config, "2025-11-30", "monthly") == 0
    post = project / "posts" / "2025-11-monthly.md"
    meta = frontmatter.load(post)
    assert meta["title"] == "Papers of the month: November 2025"
    assert meta["tags"] == ["Monthly roundup"]
    assert len(re.findall(r"^\| 2025-11-1\d \| \[", meta.content, re.M)) == len(DAYS)
    assert len(re.findall(r"^### \d+\. ", meta.content, re.M)) == 5


def test_an_empty_period_writes_nothing_and_says_so(week, capsys):
    project, config, _ = week
    before = sorted((project / "posts").iterdir())
    assert roundup(config, "2025-12-03") == 0
    out = capsys.readouterr().out
    assert "weekly 2025-12-01: no stored papers from hf-daily in 2025-W49; no post written" in out
    assert sorted((project / "posts").iterdir()) == before


def test_a_rerun_changes_no_byte_and_render_redoes_it(week, capsys):
    project, config, _ = week
    assert roundup(config, "2025-11-12") == 0
    post = project / "posts" / "2025-W46-weekly.md"
    written, stamp = post.read_bytes(), post.stat().st_mtime_ns
    capsys.readouterr()
    assert roundup(config, "2025-11-13") == 0
    assert "weekly 2025-11-10: unchanged" in capsys.readouterr().out
    assert (post.read_bytes(), post.stat().st_mtime_ns) == (written, stamp)
    post.unlink()
    assert main(["render", "--config", config, "--feed", "weekly"], environ={}) == 0
    assert post.read_bytes() == written


def test_a_chinese_hexo_roundup_links_through_post_link(project):
    with serve_hf(HFState(days=DAYS)) as hf:
        config = make_week(project, hf, flavor="hexo", language="zh")
    assert roundup(config, "2025-11-12") == 0
    post = frontmatter.load(project / "posts" / "2025-W46-weekly.md")
    assert post["title"] == "【2025 年第 46 周】论文周报" and post["tags"] == ["论文周报"]
    assert "| 2025-11-10 | {% post_link 2025-11-10-hf-daily '17' %} |" in post.content
    assert "收录于：{% post_link 2025-11-10-hf-daily 'hf-daily 2025-11-10' %}" in post.content


def test_a_scheduled_run_does_the_roundup_after_the_digest(project, capsys):
    """Without --feed, the roundup runs last, so it counts the day just fetched."""
    with serve_hf(HFState(days=DAYS)) as hf:
        config = project / "config.yaml"
        config.write_text(
            "feeds:\n"
            "  - {name: weekly, kind: roundup, from: [hf-daily]}\n"
            f"  - {{name: hf-daily, kind: hf_daily, base_url: '{hf}'}}\n"
        )
        assert main(["run", "--config", str(config), "--date", "2025-11-10"], environ={}) == 0
    out = capsys.readouterr().out
    assert out.index("hf-daily 2025-11-10: wrote") < out.index("weekly 2025-11-10: wrote")


def test_a_range_in_chunks_writes_its_roundups_once_after_them(project, capsys):
    """The workflow's chunks of a range skip the roundups (each holds part of the range);
    one run after them writes each period's roundup once, from everything they stored."""
    days = list(DAYS)
    with serve_hf(HFState(days=DAYS)) as hf:
        config = str(project / "config.yaml")
        Path(config).write_text(
            f"feeds:\n  - {{name: hf-daily, kind: hf_daily, base_url: '{hf}'}}\n{ROUNDUPS}"
        )
        for chunk in (days[:2], days[2:]):
            argv = ["run", "--config", config, "--date", chunk[0], "--end-date", chunk[-1]]
            assert main([*argv, "--roundups", "skip"], environ={}) == 0
    assert sorted(p.name for p in (project / "posts").iterdir()) == [
        f"{d}-hf-daily.md" for d in days
    ]
    capsys.readouterr()
    argv = ["run", "--config", config, "--date", days[0], "--end-date", days[-1]]
    assert main([*argv, "--roundups", "only"], environ={}) == 0
    out = capsys.readouterr().out
    assert "hf-daily" not in out.replace("from hf-daily", "")
    assert re.findall(r"^(\w+ [\d-]+): wrote", out, re.M) == [
        "weekly 2025-11-10",
        "weekly 2025-11-17",
        "monthly 2025-11-01",
    ]
    assert main([*argv, "--roundups", "only", "--feed", "hf-daily"], environ={}) == 0
    assert "no feed to run with --roundups only; nothing to do" in capsys.readouterr().out


def test_from_must_name_a_daily_feed(project, capsys):
    config = project / "config.yaml"
    config.write_text("feeds:\n  - {name: weekly, kind: roundup, from: [nope]}\n")
    assert main(["run", "--config", str(config)], environ={}) == 2
    assert "'from' names no daily feed of this config: nope" in capsys.readouterr().err


# --- The ranking, on hand-made records ------------------------------------------------------


def _record(arxiv_id: str, upvotes: int, recommendation: float | None, days: list[str]):
    content = None
    if recommendation is not None:
        from paperpress.preflight import SAMPLE_SUMMARIES

        content = {**SAMPLE_SUMMARIES["digest"], "recommendation": {"score": recommendation,
                                                                     "reason": "r"}}  # fmt: skip
    summaries = {"digest": SummaryRecord("done", "k", "m", "en", "h", content=content)}
    paper = Paper(arxiv_id, f"Paper {arxiv_id}", upvotes=upvotes,
                  links=Links(hf=f"https://huggingface.co/papers/{arxiv_id}"))  # fmt: skip
    listings = tuple(("hf-daily", day) for day in days)
    return Record(paper, listings, summaries if content else {})


def test_score_is_the_mean_of_the_scaled_signals():
    best = _record("1", upvotes=100, recommendation=5, days=["2025-11-10"])
    voted = _record("2", upvotes=100, recommendation=1, days=["2025-11-10"])
    liked = _record("3", upvotes=0, recommendation=5, days=["2025-11-11"])
    unscored = _record("4", upvotes=9, recommendation=None, days=["2025-11-11"])
    assert score(best, 100) == 1.0
    assert score(voted, 100) == score(liked, 100) == 0.5
    assert score(unscored, 100) == pytest.approx(math.log(10) / math.log(101), abs=1e-6)
    feed = RoundupFeed(kind="roundup", name="w", **{"from": ["hf-daily"]}, top=3)
    made = make_roundup([voted, unscored, liked, best], feed, period_of("2025-11-10", "week"), {})
    # Ties go to the newer paper: "liked" (the 11th) before "voted" (the 10th).
    assert [p.record.paper.arxiv_id for p in made.picks] == ["1", "3", "2"]
    assert made.counts == {("2025-11-10", "hf-daily"): 2, ("2025-11-11", "hf-daily"): 2}


def test_the_links_come_from_data_alone_when_the_posts_live_elsewhere(week):
    """With PUBLISH_REPO the posts are committed to the blog repository only: the next
    run's fresh checkout has data/ and no posts, and the roundup still links every day."""
    project, config, _ = week
    assert roundup(config, "2025-11-12") == 0
    post = project / "posts" / "2025-W46-weekly.md"
    linked = post.read_bytes()
    shutil.rmtree(project / "posts")
    assert roundup(config, "2025-11-12") == 0
    assert post.read_bytes() == linked
    body = post.read_text()
    linked_days = re.findall(r"^\| (2025-11-\d\d) \| \[\d+\]\(\{\{< relref ", body, re.M)
    assert linked_days == list(WEEK)
    assert body.count("\n- Appeared in: [hf-daily 2025-11-") == 10


# --- A run without --date: the periods of the days its feeds covered ------------------------


def run_scheduled(project: Path, base: str, now: datetime) -> list[tuple[str, str]]:
    """A scheduled run (no --date) at ``now``: a topic (today's announcement) and its two
    roundups; (feed, day) of each post written or left as it was."""
    feeds = [
        topic(base, "testing", keywords=["testing"], source="api", max_papers=3,
              fulltext=False, screenshots="none"),
        {"name": "weekly", "kind": "roundup", "period": "week", "from": ["testing"]},
        {"name": "monthly", "kind": "roundup", "period": "month", "from": ["testing"]},
    ]  # fmt: skip
    config = load_config(Path(write_config(project, feeds, language="en")))
    with net.make_http_client() as http, arxiv.make_client(interval=0) as polite:
        summarizers = {"topic": ExtractiveSummarizer("en", "topic")}
        clients = Clients(http=http, arxiv=polite, summarizers=summarizers)
        report = run_pipeline(config, feeds=config.feeds, clients=clients, now=now)
    assert not report.failed
    return [(feed.feed, feed.day) for feed in report.feeds if feed.post]


def test_a_scheduled_run_refreshes_the_periods_of_the_days_it_covered(project):
    """Monday 2025-12-01, also the 1st: the topic stores today's papers, and this week's and
    this month's roundups show them in the same run, not a day later."""
    monday = datetime(2025, 12, 1, 2, 0, tzinfo=UTC)
    with serve_arxiv(arxiv_state(search_pages={0: recorded_search()})) as base:
        written = run_scheduled(project, base, monday)
        assert written == [
            ("testing", "2025-12-01"),
            ("weekly", "2025-12-01"),
            ("monthly", "2025-12-01"),
        ]
        posts = project / "posts"
        assert (posts / "2025-W49-weekly.md").is_file() and (posts / "2025-12-monthly.md").is_file()
        before = project_snapshot(project)
        assert run_scheduled(project, base, monday) == written
    assert project_snapshot(project) == before  # a re-run: zero bytes changed
