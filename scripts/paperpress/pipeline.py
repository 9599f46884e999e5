"""One run: for each feed, fetch -> enrich -> summarize (cached) -> store -> render -> write.

Knows no argv and prints nothing; the CLI wires the clients in and reports the result.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

import frontmatter
import httpx2
import jinja2
import yaml

from paperpress import topics
from paperpress.config import ArxivTopicFeed, Config, Feed, HFDailyFeed
from paperpress.dates import post_date
from paperpress.errors import SourceError
from paperpress.fulltext import FullText, PdfDownloads
from paperpress.models import EXTRACTIVE, Paper, Post, SummaryRecord, preferred
from paperpress.prompts import summary_key
from paperpress.render import (
    Entry,
    TopicEntry,
    digest_name,
    make_environment,
    render_digest,
    render_topic,
    topic_name,
)
from paperpress.sources import hf
from paperpress.store import Record, Store, sweep_temp_files, write_if_changed
from paperpress.summarize import Batch, Summarizer, summarize_all
from paperpress.usage import Budget, Usage

log = logging.getLogger(__name__)


class Progress(Protocol):
    def start(self, label: str, total: int) -> None: ...
    def advance(self, paper: Paper, record: SummaryRecord, kept: SummaryRecord | None) -> None:
        """``record`` is what the call made; ``kept`` the better summary kept instead."""

    def finish(self) -> None: ...


class QuietProgress:
    def start(self, label: str, total: int) -> None: ...
    def advance(self, paper: Paper, record: SummaryRecord, kept: SummaryRecord | None) -> None: ...
    def finish(self) -> None: ...


@dataclass
class FeedReport:
    feed: str
    day: str
    fetched: int = 0
    skipped: int = 0  # over max_papers, under min_upvotes, or off-topic
    summarized: int = 0
    cached: int = 0
    pending: int = 0
    kept: int = 0  # a new summary failed; the previous, finished one stays
    tokens: int = 0
    post: Path | None = None
    post_changed: bool = False
    note: str | None = None  # why there is no post
    error: str | None = None  # the feed failed (a source down); the other feeds went on
    problems: list[str] = field(default_factory=list)


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


@dataclass(frozen=True)
class Clients:
    """What talks to the outside, made by the CLI: HTTP for Hugging Face, the polite arXiv
    client, and one summarizer per kind of summary."""

    http: httpx2.Client
    summarizers: Mapping[str, Summarizer]
    arxiv: httpx2.Client | None = None


def default_day(feed: Feed, today: date) -> str:
    """Without --date: yesterday (UTC) for Hugging Face, whose day grows until it ends;
    today for arXiv topics, whose listing for today is out after 01:00 UTC."""
    if isinstance(feed, ArxivTopicFeed):
        return today.isoformat()
    return (today - timedelta(days=1)).isoformat()


def run(
    config: Config,
    *,
    day: str | None = None,
    days: Sequence[str | None] = (),
    feeds: Sequence[Feed],
    clients: Clients,
    force: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> Report:
    """Make (or refresh) each feed's post for ``day``, or for each of ``days`` in turn (None:
    each feed's default day); the token and image budgets are for the whole run. Raises
    only for errors of the whole run (a config problem); a source down fails its feed and
    one paper's failure becomes a pending summary. ``now`` is the run's moment: it picks the
    default days and keeps post dates from the future."""
    now = now or datetime.now(UTC)
    today = now.astimezone(UTC).date()
    store = Store(config.data_dir)
    if not dry_run:
        folders = (store.folder, config.site.posts_dir, config.site.assets_dir, config.cache_dir)
        for path in sweep_temp_files(*folders):
            log.info("removed %s, left by an interrupted run", path)
    env = make_environment(config.templates_dir)
    budget = topics.ImageBudget(config.site.images_per_run)
    pdfs = PdfDownloads(config.cache_dir)  # each PDF at most once per run
    report = Report()
    progress = progress or QuietProgress()
    for one_day in days or [day]:
        for feed in feeds:
            job = _FeedJob(
                config, feed, store, env, clients, force, dry_run, progress, report.usage, pdfs, now
            )
            feed_day = one_day or default_day(feed, today)
            try:
                report.feeds.append(job.run(feed_day, budget))
            except SourceError as exc:  # one source down must not cost the others their posts
                report.feeds.append(FeedReport(feed=feed.name, day=feed_day, error=str(exc)))
    if config.llm.price is not None:
        report.cost = report.usage.cost(config.llm.price)
    return report


@dataclass(frozen=True)
class _FeedJob:
    """One feed on one day; split into steps so each stays short."""

    config: Config
    feed: Feed
    store: Store
    env: jinja2.Environment
    clients: Clients
    force: bool
    dry_run: bool
    progress: Progress
    spent: Usage  # the run's, shared by every feed: the budget is per run
    pdfs: PdfDownloads  # the run's too
    now: datetime

    @property
    def kind(self) -> str:
        return "topic" if isinstance(self.feed, ArxivTopicFeed) else "digest"

    @property
    def summarizer(self) -> Summarizer:
        return self.clients.summarizers[self.kind]

    def run(self, day: str, budget: topics.ImageBudget) -> FeedReport:
        result = FeedReport(feed=self.feed.name, day=day)
        papers = self._fetch(day, result)
        if not papers:
            result.note = result.note or "no papers for this day"
            return result
        records = {p.arxiv_id: _merge(self.store.get(p.arxiv_id), p) for p in papers}
        todo = self._to_summarize(papers, records, result)
        materials: dict[str, FullText] = {}
        if isinstance(self.feed, ArxivTopicFeed) and not self.dry_run:
            materials = self._enrich(self.feed, todo, records, budget)
        if todo:
            batch = self._summarize(result.day, todo, materials, records)
            for arxiv_id, summary in batch.records.items():
                stored = records[arxiv_id].summaries.get(self.kind)
                chosen = preferred(stored, summary)
                records[arxiv_id] = records[arxiv_id].with_summary(self.kind, chosen)
                result.tokens += summary.tokens
                if summary.status == "done":
                    result.summarized += 1
                elif chosen is stored:
                    result.kept += 1
                else:
                    result.pending += 1
            if batch.unavailable:  # no post of pending papers over a good one: the run fails
                result.error = str(batch.unavailable)
                self._store(list(records.values()))
                return result
        self._write(result, list(records.values()))
        return result

    def _fetch(self, day: str, result: FeedReport) -> list[Paper]:
        if isinstance(self.feed, HFDailyFeed):
            parsed = hf.fetch(
                self.clients.http, base_url=self.feed.base_url, day=day, feed=self.feed.name
            )
            for problem in parsed.problems:
                log.warning("%s %s: %s", self.feed.name, day, problem)
            result.problems.extend(parsed.problems)
            result.fetched = len(parsed.papers)
            papers = select(
                parsed.papers, max_papers=self.feed.max_papers, min_upvotes=self.feed.min_upvotes
            )
            result.skipped = result.fetched - len(papers)
            return papers
        if self.clients.arxiv is None:
            raise AssertionError("an arXiv feed needs the arXiv client")
        found = topics.fetch_topic(self.clients.arxiv, self.feed, day)
        result.day, result.note = found.day, found.note
        result.fetched = len(found.papers) + found.dropped
        result.skipped = found.dropped
        return found.papers

    def _to_summarize(
        self, papers: list[Paper], records: dict[str, Record], result: FeedReport
    ) -> list[Paper]:
        todo = []
        for paper in papers:
            current = records[paper.arxiv_id].summaries.get(self.kind)
            if not needs_summary(
                current, records[paper.arxiv_id].paper, self.summarizer, force=self.force
            ):
                result.cached += 1
            elif self.dry_run:  # a dry run spends nothing: what is not cached shows as pending
                result.pending += 1
            else:
                todo.append(records[paper.arxiv_id].paper)
        return todo

    def _enrich(
        self,
        feed: ArxivTopicFeed,
        todo: list[Paper],
        records: dict[str, Record],
        budget: topics.ImageBudget,
    ) -> dict[str, FullText]:
        """Full text and figures for the papers to summarize. Figures are looked up once, with
        the summary: a paper without an HTML version must not cost a request on every re-run."""
        client = self.clients.arxiv
        assert client is not None
        if self.summarizer.reads_full_text:
            materials = {
                p.arxiv_id: topics.read_full_text(client, self.pdfs, feed, p) for p in todo
            }
        else:
            note = "the built-in summarizer reads only the abstract"
            materials = {p.arxiv_id: FullText("abstract", p.abstract, note) for p in todo}
        for paper in todo:
            record = records[paper.arxiv_id]
            if not record.figures or self.force:
                figures = topics.find_figures(
                    client, self.config, feed, record.paper, budget, self.pdfs
                )
                records[paper.arxiv_id] = record.with_figures(
                    [dataclasses.asdict(f) for f in figures]
                )
        return materials

    def _summarize(
        self,
        day: str,
        papers: list[Paper],
        materials: dict[str, FullText],
        records: dict[str, Record],
    ) -> Batch:
        """Each summary is stored as soon as it arrives: a run killed halfway keeps (and the
        next run reuses) what was already paid for. A failed call keeps a finished summary."""

        def done(paper: Paper, summary: SummaryRecord) -> None:
            record = records[paper.arxiv_id]
            stored = record.summaries.get(self.kind)
            chosen = preferred(stored, summary)
            if chosen is summary:
                self.store.put(record.with_summary(self.kind, summary))
            self.progress.advance(paper, summary, None if chosen is summary else stored)

        llm = self.config.llm
        self.progress.start(f"{self.feed.name} {day}", len(papers))
        try:
            return asyncio.run(
                summarize_all(
                    papers,
                    self.summarizer,
                    concurrency=llm.concurrency,
                    budget=Budget(llm.budget_tokens, llm.budget_usd, llm.price),
                    spent=self.spent,
                    materials=materials,
                    on_done=done,
                )
            )
        finally:
            self.progress.finish()

    def _store(self, records: list[Record]) -> None:
        if not self.dry_run:
            for record in records:
                self.store.put(record)

    def _write(self, result: FeedReport, records: list[Record]) -> None:
        self._store(records)
        day = result.day
        if isinstance(self.feed, ArxivTopicFeed) and self.feed.rolling and not self.dry_run:
            records = rolling_records(self.store, self.feed)
            # Dated by its newest day, as `render` dates it: a backfill must not move it back.
            day = max([day, *(record.paper.day for record in records)])
        post = render_feed(self.config, self.env, self.feed, day, records, now=self.now)
        result.post = self.config.site.posts_dir / post.path
        if self.dry_run:
            log.info("dry run: would write %s", result.post)
            return
        result.post_changed = write_if_changed(result.post, post.text)


def select(papers: Sequence[Paper], *, max_papers: int, min_upvotes: int) -> list[Paper]:
    """The papers a digest shows: most upvoted first (ties by id), at most ``max_papers``."""
    ranked = sorted(papers, key=lambda p: (-p.upvotes, p.arxiv_id))
    return [p for p in ranked if p.upvotes >= min_upvotes][:max_papers]


def needs_summary(
    stored: SummaryRecord | None, paper: Paper, summarizer: Summarizer, *, force: bool
) -> bool:
    """Whether to call ``summarizer`` for ``paper``: its summary is missing, stale or forced,
    and ``summarizer`` can make one at least as good (the built-in one never replaces an
    LLM's summary, with or without ``--force``)."""
    can_make = 1 if summarizer.model == EXTRACTIVE else 2  # SummaryRecord.rank
    if stored is not None and stored.rank > can_make:
        return False
    return force or not is_fresh(stored, paper, summarizer)


def is_fresh(record: SummaryRecord | None, paper: Paper, summarizer: Summarizer) -> bool:
    """A finished summary made from this paper version, model, language and prompt."""
    if record is None or record.status != "done":
        return False
    key = summary_key(
        paper,
        model=summarizer.model,
        language=summarizer.language,
        prompt_hash=summarizer.prompt_hash,
        kind=summarizer.kind,
    )
    return record.key == key


def _merge(existing: Record | None, paper: Paper) -> Record:
    return (existing or Record(paper)).merged(paper)


def rolling_records(store: Store, feed: ArxivTopicFeed) -> list[Record]:
    """A rolling topic post: every stored paper of the topic, newest announcement first."""
    listed = [
        (day, record)
        for record in store.all()
        for name, day in record.listings
        if name == feed.name
    ]
    listed.sort(key=lambda item: (item[0], item[1].paper.published or ""), reverse=True)
    seen: dict[str, Record] = {}
    for day, record in listed:
        seen.setdefault(
            record.paper.arxiv_id,
            dataclasses.replace(record, paper=dataclasses.replace(record.paper, day=day)),
        )
    return list(seen.values())[: feed.rolling_max_papers]


def render_feed(
    config: Config,
    env: jinja2.Environment,
    feed: Feed,
    day: str,
    records: Sequence[Record],
    *,
    now: datetime,
) -> Post:
    """The feed's post for ``day``, dated as dates.post_date says (a date already written,
    within the day, is kept: the post is read back for it)."""
    language = config.llm.language
    site = config.site
    name = (
        topic_name(feed, day) if isinstance(feed, ArxivTopicFeed) else digest_name(feed.name, day)
    )
    previous = written_date(site.posts_dir / name, site.timezone)
    moment = post_date(day, site.timezone, now=now, previous=previous)
    if isinstance(feed, ArxivTopicFeed):
        ordered = sorted(
            records,
            key=lambda r: (r.paper.day, r.paper.published or "", r.paper.arxiv_id),
            reverse=True,
        )
        entries = [TopicEntry(r.paper, r.summaries.get("topic"), r.figures) for r in ordered]
        return render_topic(
            env, site, feed, day=day, entries=entries, language=language, moment=moment
        )
    ranked = sorted(records, key=lambda r: (-r.paper.upvotes, r.paper.arxiv_id))
    return render_digest(
        env,
        config.site,
        feed_name=feed.name,
        tags=feed.tags,
        day=day,
        entries=[Entry(r.paper, r.summaries.get("digest")) for r in ranked],
        language=language,
        moment=moment,
    )


def written_date(path: Path, timezone: str) -> datetime | None:
    """The ``date`` in the front matter of the post at ``path``, if it has a readable one
    (Hexo's naive dates are in the blog's zone)."""
    try:
        value = frontmatter.load(path).metadata.get("date")
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except (OSError, ValueError, TypeError, yaml.YAMLError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(timezone))


def render_stored(
    config: Config,
    *,
    feeds: Sequence[Feed],
    day: str | None = None,
    on_post: Callable[[Path, bool], None] = lambda path, changed: None,
) -> list[Path]:
    """Re-render posts from ``data/`` alone (after a template change): no network at all."""
    now = datetime.now(UTC)
    env = make_environment(config.templates_dir)
    wanted = {feed.name: feed for feed in feeds}
    store = Store(config.data_dir)
    groups: dict[tuple[str, str], list[Record]] = defaultdict(list)
    for record in store.all():
        for feed_name, listed_day in record.listings:
            if feed_name in wanted and (day is None or listed_day == day):
                # The stored paper's day is its latest sighting (maybe in another feed).
                paper = dataclasses.replace(record.paper, day=listed_day)
                groups[(feed_name, listed_day)].append(dataclasses.replace(record, paper=paper))
    written = []
    rolled: set[str] = set()
    for (feed_name, listed_day), records in sorted(groups.items()):
        feed = wanted[feed_name]
        if isinstance(feed, ArxivTopicFeed) and feed.rolling:
            if feed_name in rolled:
                continue
            rolled.add(feed_name)
            latest = max(d for (name, d) in groups if name == feed_name)
            records = rolling_records(store, feed)
            listed_day = latest
        post = render_feed(config, env, feed, listed_day, records, now=now)
        path = config.site.posts_dir / post.path
        on_post(path, write_if_changed(path, post.text))
        written.append(path)
    return written
