"""One run: for each feed, fetch -> summarize (cached) -> store -> render -> write.

Knows no argv and prints nothing; the CLI wires the clients in and reports the result.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import httpx2
import jinja2

from paperpress.config import Config, Feed
from paperpress.models import Paper, Post, SummaryRecord
from paperpress.render import Entry, make_environment, render_digest
from paperpress.sources import hf
from paperpress.store import Record, Store, write_if_changed
from paperpress.summarize import KIND, Summarizer, summarize_all, summary_key

log = logging.getLogger(__name__)


class Progress(Protocol):
    def start(self, label: str, total: int) -> None: ...
    def advance(self, paper: Paper, record: SummaryRecord) -> None: ...
    def finish(self) -> None: ...


class QuietProgress:
    def start(self, label: str, total: int) -> None: ...
    def advance(self, paper: Paper, record: SummaryRecord) -> None: ...
    def finish(self) -> None: ...


@dataclass
class FeedReport:
    feed: str
    day: str
    fetched: int = 0
    skipped: int = 0  # over max_papers or under min_upvotes
    summarized: int = 0
    cached: int = 0
    pending: int = 0
    tokens: int = 0
    post: Path | None = None
    post_changed: bool = False
    problems: list[str] = field(default_factory=list)


@dataclass
class Report:
    feeds: list[FeedReport] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(getattr(feed, name) for feed in self.feeds)

    @property
    def posts(self) -> list[Path]:
        return [feed.post for feed in self.feeds if feed.post]


def run(
    config: Config,
    *,
    day: str,
    feeds: Sequence[Feed],
    http: httpx2.Client,
    summarizer: Summarizer,
    force: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> Report:
    """Make (or refresh) each feed's post for ``day``. Raises only for errors of the whole run
    (a source down, a config problem); one paper's failure becomes a pending summary."""
    store = Store(config.data_dir)
    env = make_environment(config.templates_dir)
    report = Report()
    for feed in feeds:
        job = _FeedJob(config, feed, day, store, env, summarizer, force, dry_run, progress)
        report.feeds.append(job.run(http))
    return report


@dataclass(frozen=True)
class _FeedJob:
    """One feed on one day; split into steps so each stays short."""

    config: Config
    feed: Feed
    day: str
    store: Store
    env: jinja2.Environment
    summarizer: Summarizer
    force: bool
    dry_run: bool
    progress: Progress | None

    def run(self, http: httpx2.Client) -> FeedReport:
        result = FeedReport(feed=self.feed.name, day=self.day)
        parsed = hf.fetch(http, base_url=self.feed.base_url, day=self.day, feed=self.feed.name)
        for problem in parsed.problems:
            log.warning("%s %s: %s", self.feed.name, self.day, problem)
        result.problems.extend(parsed.problems)
        result.fetched = len(parsed.papers)
        papers = select(
            parsed.papers, max_papers=self.feed.max_papers, min_upvotes=self.feed.min_upvotes
        )
        result.skipped = result.fetched - len(papers)
        if not papers:
            return result
        records = {p.arxiv_id: _merge(self.store.get(p.arxiv_id), p) for p in papers}
        todo = self._to_summarize(papers, records, result)
        if todo:
            for arxiv_id, summary in self._summarize(todo).items():
                records[arxiv_id] = records[arxiv_id].with_summary(KIND, summary)
                result.tokens += summary.tokens
                if summary.status == "done":
                    result.summarized += 1
                else:
                    result.pending += 1
        self._write(list(records.values()), result)
        return result

    def _to_summarize(
        self, papers: list[Paper], records: dict[str, Record], result: FeedReport
    ) -> list[Paper]:
        todo = []
        for paper in papers:
            current = records[paper.arxiv_id].summaries.get(KIND)
            if not self.force and is_fresh(current, paper, self.summarizer):
                result.cached += 1
            elif self.dry_run:  # a dry run spends nothing: what is not cached shows as pending
                result.pending += 1
            else:
                todo.append(paper)
        return todo

    def _summarize(self, papers: list[Paper]) -> dict[str, SummaryRecord]:
        progress = self.progress or QuietProgress()
        progress.start(f"{self.feed.name} {self.day}", len(papers))
        try:
            return asyncio.run(
                summarize_all(
                    papers,
                    self.summarizer,
                    concurrency=self.config.llm.concurrency,
                    budget_tokens=self.config.llm.budget_tokens,
                    on_done=progress.advance,
                )
            )
        finally:
            progress.finish()

    def _write(self, records: list[Record], result: FeedReport) -> None:
        post = render_feed_day(self.config, self.env, self.feed, self.day, records)
        result.post = self.config.site.posts_dir / post.path
        if self.dry_run:
            log.info("dry run: would write %s", result.post)
            return
        for record in records:
            self.store.put(record)
        result.post_changed = write_if_changed(result.post, post.text)


def select(papers: Sequence[Paper], *, max_papers: int, min_upvotes: int) -> list[Paper]:
    """The papers a digest shows: most upvoted first (ties by id), at most ``max_papers``."""
    ranked = sorted(papers, key=lambda p: (-p.upvotes, p.arxiv_id))
    return [p for p in ranked if p.upvotes >= min_upvotes][:max_papers]


def is_fresh(record: SummaryRecord | None, paper: Paper, summarizer: Summarizer) -> bool:
    """A finished summary made from this paper version, model, language and prompt."""
    if record is None or record.status != "done":
        return False
    key = summary_key(
        paper,
        model=summarizer.model,
        language=summarizer.language,
        prompt_hash=summarizer.prompt_hash,
    )
    return record.key == key


def _merge(existing: Record | None, paper: Paper) -> Record:
    return (existing or Record(paper)).merged(paper)


def render_feed_day(
    config: Config, env: jinja2.Environment, feed: Feed, day: str, records: Sequence[Record]
) -> Post:
    ranked = sorted(records, key=lambda r: (-r.paper.upvotes, r.paper.arxiv_id))
    return render_digest(
        env,
        config.site,
        feed_name=feed.name,
        tags=feed.tags,
        day=day,
        entries=[Entry(r.paper, r.summaries.get(KIND)) for r in ranked],
        language=config.llm.language,
    )


def render_stored(
    config: Config,
    *,
    feeds: Sequence[Feed],
    day: str | None = None,
    on_post: Callable[[Path, bool], None] = lambda path, changed: None,
) -> list[Path]:
    """Re-render posts from ``data/`` alone (after a template change): no network at all."""
    env = make_environment(config.templates_dir)
    wanted = {feed.name: feed for feed in feeds}
    groups: dict[tuple[str, str], list[Record]] = defaultdict(list)
    for record in Store(config.data_dir).all():
        for feed_name, listed_day in record.listings:
            if feed_name in wanted and (day is None or listed_day == day):
                groups[(feed_name, listed_day)].append(record)
    written = []
    for (feed_name, listed_day), records in sorted(groups.items()):
        post = render_feed_day(config, env, wanted[feed_name], listed_day, records)
        path = config.site.posts_dir / post.path
        on_post(path, write_if_changed(path, post.text))
        written.append(path)
    return written
