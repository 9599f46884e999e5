"""What `make bench` stands on: a 50-paper day built from the recorded Hugging Face days, a
local OpenAI-compatible server (devtools/fakes/openai_server.py) answering with valid summaries,
the real CLI run as a subprocess (wall time, peak RSS and exit code are the real ones), and
the checks that every post and data file is whole.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from devtools.fakes.openai_server import Action, FakeOpenAI, error, hang, reply, truncated
from devtools.recordings import main as make_recordings
from paperpress import extractive
from paperpress.models import Paper
from paperpress.render.labels import labels
from paperpress.store import TEMP_SUFFIX

ROOT = Path(__file__).resolve().parent.parent

DAY = "2025-11-11"
HF_URL = f"https://huggingface.co/api/daily_papers?date={DAY}&limit=100&p=0"
RECORDED_DAYS = [ROOT / "tests" / "fixtures" / "hf" / f"daily_papers_{d}.json" for d in (
    "2025-11-11", "2024-04-04", "2025-04-11",
)]  # fmt: skip
LANGUAGE = "en"
TOPIC_PAPERS = 10  # every paper of the recorded arXiv search
COPY_PREFIX = "2599."  # ids of the marked copies: a month arXiv will never have


# --- The day -----------------------------------------------------------------------------


def bench_day(size: int = 50) -> list[dict[str, Any]]:
    """``size`` distinct Hugging Face items: every recorded paper of the three recorded days
    (37), then copies of them with new ids, marked as copies in the title and the id
    (``COPY_PREFIX``), up to ``size``."""
    items: list[dict[str, Any]] = []
    seen: set[str] = set()
    for path in RECORDED_DAYS:
        for item in json.loads(path.read_text(encoding="utf-8")):
            if item["paper"]["id"] not in seen:
                seen.add(item["paper"]["id"])
                items.append(item)
    real = list(items)
    for number in range(1, size - len(real) + 1):
        item = copy.deepcopy(real[(number - 1) % len(real)])
        paper = item["paper"]
        paper["title"] = f"{paper['title']} (bench copy {number} of {paper['id']})"
        paper["id"] = f"{COPY_PREFIX}{number:05d}"
        item["title"] = paper["title"]
        items.append(item)
    return items[:size]


def prepare_recordings(folder: Path, size: int) -> list[dict[str, Any]]:
    """The demo's recordings (with PDFs for the topic papers) plus the bench day, served for
    the Hugging Face request and for the topic search that asks for all ``TOPIC_PAPERS``."""
    make_recordings(folder)
    day = bench_day(size)
    manifest = json.loads((folder / "recordings.json").read_text(encoding="utf-8"))
    for page in range(len(day) // 100 + 1):  # served in pages of 100, as the API pages it
        name = f"hf/bench_day_p{page}.json"
        items = day[page * 100 : (page + 1) * 100]
        (folder / name).write_text(json.dumps(items, indent=1), encoding="utf-8")
        manifest[HF_URL.replace("&p=0", f"&p={page}")] = name
    for url, name in list(manifest.items()):
        if "max_results=20" in url:  # recorded for max_papers 4; the bench keeps all 10
            manifest[url.replace("max_results=20", f"max_results={TOPIC_PAPERS * 5}")] = name
    (folder / "recordings.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return day


def write_config(folder: Path, *, kind: str, llm: dict[str, Any], max_papers: int = 50) -> Path:
    """A config for one feed (``digest``: the day's Hugging Face papers; ``topic``: an arXiv
    topic with full text and local screenshots) writing under ``folder``."""
    feed: dict[str, Any] = {"name": "hf-daily", "kind": "hf_daily", "max_papers": max_papers}
    if kind == "topic":
        feed = {
            "name": "software-testing",
            "kind": "arxiv_topic",
            "title": "Software Testing",
            "keywords": ["software testing", "test generation", "testing"],
            "source": "api",
            "max_papers": TOPIC_PAPERS,
            "fulltext": True,
            "screenshots": "local",
        }
    config = {
        "site": {
            "flavor": "hexo",
            "posts_dir": "site/source/_posts",
            "assets_dir": "site/source/images/papers",
            "timezone": "Asia/Shanghai",
        },
        "data_dir": "data",
        "cache_dir": "cache",
        # Another checkout's CLI (BENCH_PAPERPRESS) reads that checkout's templates.
        "templates_dir": str(_checkout() / "templates"),
        "llm": {"language": LANGUAGE, **llm},
        "feeds": [feed],
    }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def _checkout() -> Path:
    other = os.environ.get("BENCH_PAPERPRESS")
    return Path(other).resolve().parent if other else ROOT


# --- The LLM ----------------------------------------------------------------------------


def tokens(text: str) -> int:
    """The fake server's token count: one per four characters, as a rough tokenizer."""
    return max(1, round(len(text) / 4))


def paper_in(body: dict[str, Any]) -> Paper:
    """The paper a request is about, read back from the user prompt."""
    prompt = body["messages"][1]["content"]
    title = re.search(r"^Title: (.*)$", prompt, re.M)
    abstract = prompt.split("Abstract:\n", 1)[-1]
    abstract = re.split(r"\n\n(?:Full text|\(Only the abstract)", abstract)[0]
    return Paper(arxiv_id="bench", title=title.group(1) if title else "", abstract=abstract)


def valid_summary(body: dict[str, Any]) -> str:
    """A summary that fits the schema the request asks for, made from the paper's abstract."""
    return _summary_for(body["messages"][1]["content"])


@functools.lru_cache(maxsize=512)
def _summary_for(prompt: str) -> str:
    paper = paper_in({"messages": [{}, {"content": prompt}]})
    if "reading guide" in prompt:  # templates/prompts/topic.j2
        summary = extractive.summarize_topic(paper, LANGUAGE)
    else:
        summary = extractive.summarize(paper, LANGUAGE)
    return json.dumps(summary.model_dump(mode="json"), ensure_ascii=False)


def usage(body: dict[str, Any], content: str) -> dict[str, int]:
    prompt = sum(tokens(m.get("content") or "") for m in body["messages"])
    return {"prompt_tokens": prompt, "completion_tokens": tokens(content)}


def good(body: dict[str, Any]) -> Action:
    content = valid_summary(body)
    return reply(content, **usage(body, content))


def cut_off(body: dict[str, Any]) -> Action:
    content = valid_summary(body)
    return truncated(content, keep=0.4, **usage(body, content))


OFF_SCHEMA_SERVED = Counter[str]()  # the server counts the other faults itself
_COUNTING = threading.Lock()


def off_schema(body: dict[str, Any]) -> Action:
    with _COUNTING:
        OFF_SCHEMA_SERVED["count"] += 1
    data = json.loads(valid_summary(body))
    data.pop("tldr", None)
    data["keywords"] = data.get("keywords", [])[:1]
    content = json.dumps(data, ensure_ascii=False)
    return reply(content, **usage(body, content))


def faults(*, hang_seconds: float) -> list[Any]:
    """The drill's faults, in equal shares: a 429 with Retry-After, a 500, a hang past the
    client's timeout, a reply cut off mid-JSON, and JSON that breaks the schema."""
    return [
        error(429, "Rate limit reached", type="requests", code="rate_limit", retry_after=1),
        error(500, "The server had an error while processing your request."),
        hang(hang_seconds),
        cut_off,
        off_schema,
    ]


def title_of(body: dict[str, Any]) -> str:
    return paper_in(body).title


# --- Running the CLI --------------------------------------------------------------------


@dataclass
class Run:
    code: int  # the exit code; -9 when killed
    wall: float
    rss_mb: float
    out: str
    err: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    served: list[str] = field(default_factory=list)
    max_in_flight: int = 0
    usage_sent: tuple[int, int] = (0, 0)
    cached_sent: int = 0  # prompt tokens the server reported as cached
    first_call: float | None = None  # seconds from the process's start to its first LLM call
    killed: bool = False

    @property
    def summary(self) -> dict[str, int]:
        """The counts of the run's ``done:`` line."""
        line = next((ln for ln in self.out.splitlines() if ln.startswith("done: ")), "")
        counts = {k: int(v.replace(",", "")) for k, v in re.findall(r"(\w+) ([\d,]+)", line)}
        counts["tokens"] = counts.pop("used", 0)
        return counts

    @property
    def calls(self) -> int:
        return len(self.requests)

    @property
    def prompt_chars(self) -> float:
        """Characters of prompt per first call of a paper (what the client sends)."""
        first = {}
        for body in self.requests:
            first.setdefault(title_of(body), body)
        sent = [sum(len(m.get("content") or "") for m in b["messages"]) for b in first.values()]
        return sum(sent) / max(1, len(sent))

    def calls_per_paper(self) -> Counter[str]:
        return Counter(title_of(body) for body in self.requests)


def environment(server: FakeOpenAI) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.endswith(("_API_KEY", "_TOKEN", "_PROXY", "_proxy"))
        and k not in ("OPENAI_BASE_URL", "PAPERPRESS_MODEL", "GITHUB_STEP_SUMMARY", "CI")
    }
    if os.environ.get("BENCH_PAPERPRESS"):  # another checkout's scripts/: a before and after
        env["PYTHONPATH"] = os.environ["BENCH_PAPERPRESS"]
    env.update(
        OPENAI_API_KEY="bench-key",
        OPENAI_BASE_URL=server.base_url,
        NO_PROXY="127.0.0.1,localhost",
        GITHUB_ACTIONS="",
    )
    return env


def paperpress(*args: str) -> list[str]:
    return [sys.executable, "-m", "paperpress", *args]


def run_cli(
    command: list[str], server: FakeOpenAI | None, *, kill_after: float | None = None
) -> Run:
    """Run ``command``; with ``kill_after``, SIGKILL it after that many seconds unless it has
    finished. Peak RSS is the child's own (wait4), not the largest child's so far."""
    before = _server_state(server)
    if server is not None:
        server.max_in_flight = 0
    env = environment(server) if server else {**os.environ}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        started = time.monotonic()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env, cwd=ROOT)
        killed = False
        if kill_after is not None:
            deadline = start + kill_after
            while time.perf_counter() < deadline and _running(process.pid):
                time.sleep(0.01)
            if _running(process.pid):
                os.kill(process.pid, signal.SIGKILL)
                killed = True
        _, status, rusage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    run = Run(process.returncode, wall, rusage.ru_maxrss / 1024, stdout, stderr, killed=killed)
    if server is not None:
        with server._lock:
            run.requests = server.requests[before[0] :]
            arrivals = server.arrivals[before[0] :]
            run.served = server.served[before[1] :]
            run.usage_sent = (
                server.usage_sent[0] - before[2][0],
                server.usage_sent[1] - before[2][1],
            )
            run.cached_sent = server.cached_sent - before[3]
        run.max_in_flight = server.max_in_flight
        run.first_call = arrivals[0] - started if arrivals else None
    return run


def _server_state(server: FakeOpenAI | None) -> tuple[int, int, tuple[int, int], int]:
    if server is None:
        return 0, 0, (0, 0), 0
    with server._lock:
        usage = (server.usage_sent[0], server.usage_sent[1])
        return len(server.requests), len(server.served), usage, server.cached_sent


def _running(pid: int) -> bool:
    """Whether the child still runs (without reaping it: wait4 must get its rusage)."""
    try:
        info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return False
    return info is None


# --- Files ------------------------------------------------------------------------------


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file under ``folder``: a hash of its bytes and its mtime."""
    return {
        str(path.relative_to(folder)): (
            hashlib.sha256(path.read_bytes()).hexdigest(),
            path.stat().st_mtime_ns,
        )
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@dataclass
class Files:
    """What a workspace holds after a run: the papers' records and the posts, all parsed."""

    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    posts: dict[str, frontmatter.Post] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # unreadable or half-written files
    temp_files: list[str] = field(default_factory=list)  # left by a killed run

    def status(self, kind: str) -> Counter[str]:
        return Counter(
            (record["summaries"].get(kind) or {}).get("status", "missing")
            for record in self.records.values()
        )


def read_files(workspace: Path) -> Files:
    files = Files()
    for path in sorted((workspace / "data" / "papers").glob("*.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            if not {"paper", "summaries", "listings"} <= record.keys():
                raise ValueError("keys missing")
            files.records[record["paper"]["arxiv_id"]] = record
        except (ValueError, KeyError, TypeError) as exc:
            files.problems.append(f"{path.name}: {exc}")
    for path in sorted((workspace / "site" / "source" / "_posts").glob("*.md")):
        try:
            post = frontmatter.loads(path.read_text(encoding="utf-8"))
            if not (post.get("title") and post.content.strip()):
                raise ValueError("no title or no body")
            files.posts[path.name] = post
        except Exception as exc:
            files.problems.append(f"{path.name}: {exc}")
    files.temp_files = [str(p) for p in workspace.rglob(f"*{TEMP_SUFFIX}")]
    return files


def post_sections(post: frontmatter.Post) -> dict[str, str]:
    """A digest's sections by arXiv id (from each section's arXiv link)."""
    sections = {}
    for section in post.content.split("\n## ")[1:]:
        found = re.search(r"arxiv\.org/abs/([\w.\-/]+?)(?:v\d+)?[)\s>\"]", section)
        if found:
            sections[found.group(1)] = section
    return sections


def pending_label() -> str:
    return labels(LANGUAGE, "digest")["pending"].split(":")[0]  # "⏳ Summary pending"
