"""`make bench`: the real CLI, end to end, on a 50-paper day built from the recorded Hugging
Face days and on a recorded arXiv topic (full text, local screenshots), against a local
OpenAI-compatible server with a fixed latency per call. Prints one table and a PASS/FAIL
line per target, then runs the fault drill (devtools/drill.py); exits 1 if any target fails.

    python -m devtools.bench [--latency 2] [--concurrency 8] [--seed 1]
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from devtools import drill as fault_drill
from devtools import harness as b
from devtools.fakes.openai_server import FakeOpenAI

# The targets of issue 6.
RATIO = 1.15  # wall time at most RATIO x the ideal time ...
STARTUP = 1.0  # ... plus this much start-up, in seconds
RERUN = 1.5  # seconds for a second run of the same day
HELP = 0.5  # seconds for paperpress --help
RSS_DIGEST = 200  # MB
RSS_TOPIC = 400  # MB


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m devtools.bench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--latency", type=float, default=2.0, help="seconds per LLM call")
    parser.add_argument("--concurrency", type=int, default=8, help="llm.concurrency")
    parser.add_argument("--papers", type=int, default=50, help="papers in the day")
    parser.add_argument("--drill-latency", type=float, default=0.2, help="per call, in the drill")
    parser.add_argument("--fault-rate", type=float, default=0.3)
    parser.add_argument("--kills", type=int, default=5, help="SIGKILLs in the drill")
    parser.add_argument("--seed", type=int, default=1, help="for the faults and kill times")
    return parser.parse_args(argv)


class Bench:
    def __init__(self, args: argparse.Namespace, server: FakeOpenAI, folder: Path) -> None:
        self.args, self.server, self.folder = args, server, folder
        self.recordings = folder / "recordings"
        self.rows: list[tuple[str, b.Run, int]] = []  # label, run, papers summarized
        self.checks: list[fault_drill.Check] = []
        self.drill = fault_drill.Settings(
            recordings=self.recordings,
            papers=args.papers,
            concurrency=args.concurrency,
            latency=args.drill_latency,
            timeout=max(1.0, args.drill_latency * 5),
            rate=args.fault_rate,
            seed=args.seed,
            kills=args.kills,
        )

    def check(self, name: str, ok: bool, detail: str) -> None:
        self.checks.append(fault_drill.Check(name, ok, detail))
        print(f"[bench] {'PASS' if ok else 'FAIL'}  {name}", file=sys.stderr, flush=True)

    def run_day(self, config: Path) -> b.Run:
        args = ["run", "--config", str(config), "--date", b.DAY, "--replay", str(self.recordings)]
        return b.run_cli(b.paperpress(*args), self.server)

    def speed(self, kind: str, papers: int, label: str) -> tuple[b.Run, b.Run]:
        """A first run and a second run of the same day, in a fresh workspace."""
        folder = self.folder / kind
        config = b.write_config(folder, kind=kind, llm={"concurrency": self.args.concurrency})
        first = self.run_day(config)
        files = b.read_files(folder)
        status = files.status(kind)
        self.rows.append((f"{label}, first run", first, status["done"]))
        self.check(
            f"{kind}: exit 0, all {papers} papers summarized, files whole",
            first.code == 0 and status["done"] == papers and not files.problems,
            f"exit {first.code}, {dict(status)}, {len(files.posts)} post, "
            f"problems {files.problems}",
        )
        per_paper = first.calls_per_paper()
        self.check(
            f"{kind}: one LLM call per paper",
            first.calls == papers and set(per_paper.values()) == {1} and len(per_paper) == papers,
            f"{first.calls} calls for {papers} papers, at most {max(per_paper.values())} per paper",
        )
        said = (first.summary.get("prompt", -1), first.summary.get("completion", -1))
        self.check(
            f"{kind}: the run summary's tokens = the usage the server reported",
            said == first.usage_sent,
            f"prompt {said[0]:,} / {first.usage_sent[0]:,}, "
            f"completion {said[1]:,} / {first.usage_sent[1]:,}",
        )
        before = b.snapshot(folder)
        second = self.run_day(config)
        self.rows.append((f"{label}, second run", second, 0))
        after = b.snapshot(folder)
        changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
        self.check(
            f"{kind}: second run makes 0 LLM calls and changes no file",
            second.code == 0 and second.calls == 0 and not changed,
            f"exit {second.code}, {second.calls} calls, {len(changed)} files changed {changed[:3]}",
        )
        return first, second

    def run(self) -> None:
        args = self.args
        day = b.prepare_recordings(self.recordings, args.papers)
        papers = len(day)
        self.recorded = sum(not item["paper"]["id"].startswith(b.COPY_PREFIX) for item in day)
        first, second = self.speed("digest", papers, "digest")
        ideal = math.ceil(papers / args.concurrency) * args.latency
        limit = RATIO * ideal + STARTUP
        self.check(
            f"digest: {papers} papers at {args.latency:g} s per call, concurrency "
            f"{args.concurrency}, within {RATIO}x the ideal + {STARTUP:g} s",
            first.wall <= limit,
            f"{first.wall:.2f} s <= {RATIO} x {ideal:.1f} s + {STARTUP:g} s = {limit:.2f} s "
            f"(ratio {first.wall / ideal:.3f})",
        )
        self.check(
            f"digest: peak RSS under {RSS_DIGEST} MB",
            max(first.rss_mb, second.rss_mb) < RSS_DIGEST,
            f"{first.rss_mb:.0f} MB first run, {second.rss_mb:.0f} MB second run",
        )
        topic, topic_again = self.speed("topic", b.TOPIC_PAPERS, "topic (full text, local shots)")
        self.check(
            f"second run of the same day under {RERUN} s",
            max(second.wall, topic_again.wall) < RERUN,
            f"digest {second.wall:.2f} s, topic {topic_again.wall:.2f} s",
        )
        images = list((self.folder / "topic").rglob("*.webp"))
        self.check(
            f"topic with full text and local screenshots: peak RSS under {RSS_TOPIC} MB",
            max(topic.rss_mb, topic_again.rss_mb) < RSS_TOPIC and bool(images),
            f"{topic.rss_mb:.0f} MB first run ({len(images)} screenshots rendered), "
            f"{topic_again.rss_mb:.0f} MB second run",
        )
        self.help()
        drill = fault_drill.run_all(self.server, self.folder / "drill", self.drill)
        self.checks += drill.checks
        self.rows += drill.rows

    def help(self) -> None:
        command = [str(Path(sys.executable).with_name("paperpress")), "--help"]
        walls = [b.run_cli(command, None).wall for _ in range(5)]
        self.check(
            f"paperpress --help under {HELP} s",
            max(walls) < HELP,
            f"slowest of 5 {max(walls):.2f} s, median {statistics.median(walls):.2f} s",
        )


def table(rows: list[tuple[str, b.Run, int]], concurrency: int, latency: float | None) -> str:
    lines = [
        "| run | papers | LLM calls | concurrency used | wall | ideal | ratio "
        "| prompt tokens / paper | completion tokens / paper | peak RSS |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for label, run, summarized in rows:
        fetched = run.summary.get("fetched", 0)
        if latency and summarized and not label.startswith("drill"):
            ideal = math.ceil(summarized / concurrency) * latency
            ideal_text, ratio = f"{ideal:.1f} s", f"{run.wall / ideal:.3f}"
        else:
            ideal_text = ratio = "-"
        per = max(summarized, 1)
        lines.append(
            f"| {label} | {fetched} | {run.calls} | {run.max_in_flight} | {run.wall:.2f} s "
            f"| {ideal_text} | {ratio} | {run.summary.get('prompt', 0) / per:,.0f} "
            f"| {run.summary.get('completion', 0) / per:,.0f} | {run.rss_mb:.0f} MB |"
        )
    return "\n".join(lines)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    start = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="paperpress-bench-"))
    try:
        with FakeOpenAI(default=b.good, latency=args.latency) as server:
            bench = Bench(args, server, folder)
            bench.run()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    failed = [c for c in bench.checks if not c.ok]
    print()
    print(
        f"paperpress bench: the real CLI on a {args.papers}-paper Hugging Face day (the "
        f"{bench.recorded} recorded papers of tests/fixtures/hf, then marked copies) and a "
        f"{b.TOPIC_PAPERS}-paper arXiv topic "
        "(full text, local screenshots), against a local OpenAI-compatible server answering "
        f"in {args.latency:g} s per call, llm.concurrency {args.concurrency}."
    )
    print()
    print(table(bench.rows, args.concurrency, args.latency))
    print()
    print(
        f"drill rows: {args.drill_latency:g} s per call, client timeout "
        f"{bench.drill.timeout:g} s, 2 retries; the faults are 429 with Retry-After, 500, a "
        "hang past the timeout, JSON cut off, JSON off the schema, in equal shares"
    )
    print()
    for check in bench.checks:
        print(f"{'PASS' if check.ok else 'FAIL'}  {check.name}: {check.detail}")
    print()
    print(f"machine: {machine()}")
    print(
        f"command: make bench LATENCY={args.latency:g} (seed {args.seed}); "
        f"{time.perf_counter() - start:.0f} s in all"
    )
    print(f"{len(bench.checks) - len(failed)} of {len(bench.checks)} targets PASS")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
