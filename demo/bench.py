"""Print the figures behind the speed promises, on the demo's recorded day (offline):
a cold run (fetch, summarize, render, write), a warm re-run (everything cached), and a
re-render from data/ alone. `make bench` runs it; it asserts nothing.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from make_recordings import main as make_recordings
from paperpress.cli import main as paperpress

ROOT = Path(__file__).resolve().parent.parent


def timed(args: list[str]) -> float:
    start = time.perf_counter()
    if paperpress(args, environ={}) != 0:
        raise SystemExit(f"paperpress {' '.join(args)} failed")
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        recordings = tmp / "recordings"
        make_recordings(recordings)
        config = tmp / "config.yaml"
        text = (ROOT / "demo" / "config.yaml").read_text().replace("../", f"{ROOT}/")
        config.write_text(text.replace(f"{ROOT}/preview", str(tmp / "preview")))
        run = ["run", "--config", str(config), "--date", "2025-11-11", "--replay", str(recordings)]
        cold = timed(run)
        warm = timed(run)
        render = timed(["render", "--config", str(config)])
        posts = list((tmp / "preview").rglob("_posts/*.md"))
        papers = len(list((tmp / "preview" / "data" / "papers").glob("*.json")))
        size = sum(p.stat().st_size for p in posts)
    print(file=sys.stderr)
    print(f"papers {papers}, posts {len(posts)} ({size / 1024:.0f} KiB)")
    print(f"cold run   {cold:6.2f} s  ({cold / papers * 1000:.0f} ms per paper, extractive)")
    print(f"warm rerun {warm:6.2f} s  (0 summaries, all cached)")
    print(f"re-render  {render:6.2f} s  (data/ only, no network)")


if __name__ == "__main__":
    main()
