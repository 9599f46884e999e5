"""What a run reports: per feed and day, what it fetched, summarized and wrote; built from
the values the pipeline's steps return. And what it shows while it works (``Progress``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from paperpress.models import Paper, SummaryRecord
from paperpress.usage import Usage


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
