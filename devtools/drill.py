"""The fault drill of `make bench`: a server that fails 30% of the calls, runs until every
paper is summarized, a cost budget that runs out, and SIGKILLs at random points. After every
run and every kill, each post and data file must parse and nothing may be lost.
"""

from __future__ import annotations

import random
import re
import shutil
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from devtools import harness as b
from devtools.fakes.openai_server import FakeOpenAI, faulty


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class Drill:
    checks: list[Check] = field(default_factory=list)
    rows: list[tuple[str, b.Run, int]] = field(default_factory=list)  # label, run, papers

    def check(self, name: str, ok: bool, detail: str) -> bool:
        self.checks.append(Check(name, ok, detail))
        print(f"[bench] {'PASS' if ok else 'FAIL'}  {name}", file=sys.stderr, flush=True)
        return ok


@dataclass(frozen=True)
class Settings:
    recordings: Path
    papers: int
    concurrency: int
    latency: float  # per call, in the drill
    timeout: float  # the client's, per call; a hang lasts longer
    rate: float
    seed: int
    kills: int


def llm_config(settings: Settings, **more: object) -> dict[str, object]:
    return {
        "concurrency": settings.concurrency,
        "timeout": settings.timeout,
        "max_retries": 2,
        **more,
    }


def run_day(config: Path, settings: Settings, server: FakeOpenAI, **kill: float) -> b.Run:
    args = ["run", "--config", str(config), "--date", b.DAY, "--replay", str(settings.recordings)]
    return b.run_cli(b.paperpress(*args), server, **kill)


def whole(files: b.Files, before: b.Files | None) -> tuple[bool, str]:
    """Every file parses, no data file or post went missing since ``before``."""
    lost = []
    if before is not None:
        lost = [k for k in before.records if k not in files.records]
        lost += [k for k in before.posts if k not in files.posts]
    problems = files.problems + [f"lost {name}" for name in lost]
    return not problems, "; ".join(problems[:3]) or (
        f"{len(files.records)} data files and {len(files.posts)} post(s) parse"
    )


def in_post(files: b.Files) -> tuple[bool, str]:
    """Every paper has its section in the digest; a pending one shows the pending note."""
    if len(files.posts) != 1:
        return False, f"{len(files.posts)} posts"
    sections = b.post_sections(next(iter(files.posts.values())))
    missing = sorted(set(files.records) - set(sections))
    pending = [
        arxiv_id
        for arxiv_id, record in files.records.items()
        if (record["summaries"].get("digest") or {}).get("status") != "done"
    ]
    unmarked = [i for i in pending if b.pending_label() not in sections.get(i, "")]
    ok = not missing and not unmarked
    detail = f"{len(sections)} sections, {len(pending)} marked pending"
    if missing or unmarked:
        detail += f"; missing {missing[:3]}, pending without the note {unmarked[:3]}"
    return ok, detail


def fault_drill(server: FakeOpenAI, folder: Path, settings: Settings, drill: Drill) -> float:
    """Runs until every paper is summarized; returns the first run's wall time."""
    config = b.write_config(folder, kind="digest", llm=llm_config(settings))
    before: b.Files | None = None
    first_wall = 0.0
    for attempt in range(1, 4):
        served, off_schema = len(server.served), b.OFF_SCHEMA_SERVED["count"]
        run = run_day(config, settings, server)
        files = b.read_files(folder)
        label = f"fault drill, run {attempt} ({settings.rate:.0%} of calls fail)"
        drill.rows.append(
            (
                f"drill: run {attempt}, {settings.rate:.0%} of calls fail",
                run,
                run.summary.get("summarized", 0),
            )
        )
        pending = files.status("digest")["pending"]
        ok, detail = whole(files, before)
        drill.check(
            f"{label}: exit 0, files whole", run.code == 0 and ok, f"exit {run.code}; {detail}"
        )
        tallies = _fault_tally(server.served[served:], b.OFF_SCHEMA_SERVED["count"] - off_schema)
        if attempt == 1:
            first_wall = run.wall
            ok, detail = in_post(files)
            drill.check(
                f"{label}: every paper in the post, summarized or visibly pending", ok, detail
            )
            said = run.summary.get("pending", -1)
            drill.check(
                f"{label}: the summary line counts the pending papers",
                said == pending,
                f"'pending {said}' printed, {pending} pending in data/; faults served: {tallies}",
            )
        sent = run.usage_sent
        said = (run.summary.get("prompt", 0), run.summary.get("completion", 0))
        drill.check(
            f"{label}: tokens in the summary = usage the server reported (failed calls too)",
            said == sent,
            f"summary {said[0]:,} + {said[1]:,}, server {sent[0]:,} + {sent[1]:,}",
        )
        before = files
        if pending == 0:
            break
    done = files.status("digest")["done"]
    drill.check(
        "fault drill: every paper summarized after at most two more runs",
        done == settings.papers,
        f"{done} of {settings.papers} summarized after {attempt} run(s)",
    )
    return first_wall


def _fault_tally(served: list[str], off_schema: int) -> str:
    kinds = Counter(served)
    return (
        f"429 x{kinds['error 429']}, 500 x{kinds['error 500']}, hang x{kinds['hang']}, "
        f"truncated x{kinds['truncated']}, off-schema x{off_schema}"
    )


def kill_drill(
    server: FakeOpenAI, folder: Path, settings: Settings, drill: Drill, full_run: float
) -> None:
    """Rounds of: a run of the whole day (data/ emptied, the post of the round before kept)
    SIGKILLed at a random point of it; the files must be whole. Then a run must complete,
    leave no temp file and ask only for the papers the killed run had not stored."""
    config = b.write_config(folder, kind="digest", llm=llm_config(settings))
    rng = random.Random(settings.seed)
    landed = 0
    for number in range(1, settings.kills + 1):
        shutil.rmtree(folder / "data", ignore_errors=True)
        kept = b.read_files(folder)
        at = rng.uniform(0.3, max(0.6, full_run))
        run = run_day(config, settings, server, kill_after=at)
        landed += run.killed
        files = b.read_files(folder)
        stored = files.status("digest")["done"]
        ok, detail = whole(files, kept)
        where = _where(run) if run.killed else f"finished first (exit {run.code})"
        temp = f", {len(files.temp_files)} temp file(s) left" if files.temp_files else ""
        drill.check(
            f"kill {number} at {at:.2f} s: files whole, nothing lost",
            ok,
            f"{where}; {stored} summaries stored{temp}; {detail}",
        )
        after = run_day(config, settings, server)
        files_after = b.read_files(folder)
        ok, detail = whole(files_after, files)
        asked = len(after.calls_per_paper())
        drill.check(
            f"kill {number}: the next run completes, files whole, no temp file left, and asks "
            "only for the papers not yet stored",
            after.code == 0 and ok and not files_after.temp_files
            and asked == settings.papers - stored,
            f"exit {after.code}; asked for {asked} papers ({after.calls} calls), "
            f"{settings.papers - stored} not stored; {detail}",
        )  # fmt: skip
        if number == 1:
            drill.rows.append(("drill: the run after a SIGKILL", after, asked))
    drill.check(
        "kill drill: the kills landed mid-run",
        landed >= max(1, settings.kills // 2),
        f"{landed} of {settings.kills} runs killed before they finished",
    )
    for _ in range(2):  # the faults may have left a few pending
        if b.read_files(folder).status("digest")["pending"] == 0:
            break
        run_day(config, settings, server)
    files = b.read_files(folder)
    done = files.status("digest")["done"]
    drill.check(
        "kill drill: every paper summarized in the end",
        done == settings.papers and len(files.posts) == 1 and not files.problems,
        f"{done} of {settings.papers} summarized, {len(files.posts)} post",
    )


def _where(run: b.Run) -> str:
    """Where a killed run was, from its progress lines."""
    done = re.findall(r"\[(\d+)/(\d+)\]", run.err)
    if done:
        return f"killed after {done[-1][0]} of {done[-1][1]} summaries"
    if "summarizing" in run.err:
        return "killed before the first summary"
    return "killed while starting"


def budget_drill(server: FakeOpenAI, folder: Path, settings: Settings, drill: Drill) -> None:
    """A cost budget that runs out halfway: no new call past it, the rest pending, exit 0."""
    price = {"prompt_per_million": 0.15, "completion_per_million": 0.60}
    per_paper = 0.0004  # about 1,100 prompt and 400 completion tokens at that price
    budget = round(per_paper * settings.papers / 2, 4)
    llm = llm_config(settings, price=price, budget_usd=budget)
    config = b.write_config(folder, kind="digest", llm=llm)
    run = run_day(config, settings, server)
    files = b.read_files(folder)
    status = files.status("digest")
    drill.rows.append((f"drill: a ${budget} budget runs out", run, status["done"]))
    cost = re.search(r"cost \$([\d.]+)", run.out)
    ok, detail = in_post(files)
    drill.check(
        f"budget ${budget}: stops new calls when reached, the rest pending, exit 0",
        run.code == 0
        and 0 < status["done"] < settings.papers
        and status["done"] + status["pending"] == settings.papers
        and run.calls == status["done"]
        and ok,
        f"exit {run.code}; {status['done']} summarized for ${cost.group(1) if cost else '?'}, "
        f"{status['pending']} pending, {run.calls} calls; {detail}",
    )


def run_all(server: FakeOpenAI, folder: Path, settings: Settings) -> Drill:
    drill = Drill()
    server.latency = settings.latency
    server.default = b.good
    budget_drill(server, folder / "budget", settings, drill)
    server.default = faulty(
        b.good, b.faults(hang_seconds=settings.timeout * 20), rate=settings.rate, seed=settings.seed
    )
    full_run = fault_drill(server, folder / "drill", settings, drill)
    kill_drill(server, folder / "kill", settings, drill, full_run)
    server.default = b.good
    shutil.rmtree(folder, ignore_errors=True)
    return drill
