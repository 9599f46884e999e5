"""What a run reports: per feed and day, what it fetched, summarized and wrote; built from
the values the pipeline's steps return. And what it shows while it works (``Progress``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from paperpress.models import Paper, SummaryRecord
from paperpress.text import printable, redact
from paperpress.usage import Usage

if TYPE_CHECKING:
    from paperpress.publish import Published


class Progress(Protocol):
    def start(self, label: str, total: int) -> None: ...
    def advance(self, paper: Paper, record: SummaryRecord, kept: SummaryRecord | None) -> None:
        """``record`` is what the call made; ``kept`` the better summary kept instead."""

    def finish(self) -> None: ...


class QuietProgress:
    def start(self, label: str, total: int) -> None: ...
    def advance(self, paper: Paper, record: SummaryRecord, kept: SummaryRecord | None) -> None: ...
    def finish(self) -> None: ...


@dataclass(frozen=True)
class Tally:
    """How a feed's summaries went (a FeedReport's counts: ``FeedReport(**asdict(tally))``)."""

    summarized: int = 0
    cached: int = 0
    pending: int = 0
    kept: int = 0  # a new summary failed; the previous, finished one stays
    tokens: int = 0
    claims_found: int = 0  # unsupported figures and names in the replies (faithfulness)
    claims_repaired: int = 0  # ... gone after the repair call
    claims_removed: int = 0  # ... removed with their sentence


@dataclass(frozen=True)
class FeedReport:
    feed: str
    day: str
    fetched: int = 0
    skipped: int = 0  # over max_papers, under min_upvotes, or off-topic
    summarized: int = 0
    cached: int = 0
    pending: int = 0
    kept: int = 0
    tokens: int = 0
    claims_found: int = 0
    claims_repaired: int = 0
    claims_removed: int = 0
    post: Path | None = None
    post_changed: bool = False
    note: str | None = None  # why there is no post
    error: str | None = None  # the feed failed (a source down); the other feeds went on
    problems: tuple[str, ...] = ()


@dataclass
class Report:
    feeds: list[FeedReport] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)  # what the API reported, over every feed
    cost: float | None = None  # US dollars, when llm.price is set

    def total(self, name: str) -> int:
        return sum(getattr(feed, name) for feed in self.feeds)

    @property
    def failed(self) -> list[FeedReport]:
        return [feed for feed in self.feeds if feed.error]

    @property
    def posts(self) -> list[Path]:
        return [feed.post for feed in self.feeds if feed.post]


# --- The Actions job summary ----------------------------------------------------------------

CLAIMS = ("claims_found", "claims_repaired", "claims_removed")


def claims(counts: Sequence[int]) -> str:
    found, repaired, removed = counts
    return f"{found} found, {repaired} repaired, {removed} removed"


def step_summary(
    report: Report, server: str, commits: Sequence[Published] = (), secrets: Sequence[str] = ()
) -> str:
    """The run as a Markdown table for ``GITHUB_STEP_SUMMARY``: a row per feed and day. A
    feed's error is outside text, as on stderr: without ``secrets``, on one line."""
    links = [
        f"[{c.sha[:7]}]({c.url(server)})" if c.sha else f"{c.repo}: no change" for c in commits
    ]
    commit = ", ".join(links) or "not committed"
    columns = ["feed", "day", "fetched", "summarized", "cached", "pending", "tokens", "claims"]
    columns.append("post")
    rows = [f"| {' | '.join([*columns, 'commit'])} |", "|" + "---|" * (len(columns) + 1)]
    for f in report.feeds:
        post = f"`{display(f.post)}`" if f.post else "none"
        post = f"{post}, failed: {printable(redact(f.error, secrets))}" if f.error else post
        rows.append(
            f"| {f.feed} | {f.day} | {f.fetched} | {f.summarized} | {f.cached} | {f.pending} "
            f"| {f.tokens:,} | {claims([getattr(f, n) for n in CLAIMS])} | {_cell(post)} "
            f"| {commit} |"
        )
    return "\n".join(["### paperpress", "", *rows, ""]) + "\n"


def _cell(text: str) -> str:
    """Table cells end at a pipe or a newline."""
    return " ".join(text.split()).replace("|", "\\|")


def display(path: Path) -> str:
    """``path`` relative to the working folder when it is under it: how a user names it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
