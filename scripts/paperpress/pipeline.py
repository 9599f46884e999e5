"""One run: every feed, whatever its kind, down one straight line (``run_feed``):

    select -> merge with data/ -> plan summaries -> enrich -> summarize -> store -> render -> write

Each step returns values and the feed's report is built from them at the end. Knows no
argv and prints nothing; the CLI wires the clients in and reports the result.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import frontmatter
import httpx2
import jinja2
import yaml

from paperpress.config import Config, Feed
from paperpress.dates import post_date
from paperpress.errors import SourceError
from paperpress.feeds import ImageBudget, Kind, Selection, Sources, kind_of
from paperpress.fulltext import FullText, PdfDownloads
from paperpress.lead import make_lead
from paperpress.models import EXTRACTIVE, RANKS, Paper, SummaryRecord, preferred
from paperpress.prompts import summary_key
from paperpress.render import make_environment
from paperpress.report import FeedReport, Progress, QuietProgress, Report, Tally
from paperpress.store import Record, Store, sweep_temp_files, write_if_changed
from paperpress.summarize import Batch, Summarizer, summarize_all
from paperpress.usage import Budget, Usage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Clients:
    """What talks to the outside, made by the CLI: HTTP for Hugging Face, the polite arXiv
    client, and one summarizer per kind of summary."""

    http: httpx2.Client
    arxiv: httpx2.Client
    summarizers: Mapping[str, Summarizer]


@dataclass(frozen=True)
class Context:
    """One run's shared state: what every feed's line reads."""

    config: Config
    env: jinja2.Environment
    sources: Sources
    summarizers: Mapping[str, Summarizer]
    progress: Progress
    spent: Usage  # the run's, over every feed: the budget is per run
    now: datetime
    force: bool
    dry_run: bool

    @property
    def store(self) -> Store:
        return self.sources.store


def run(
    config: Config,
    *,
    days: Sequence[str | None] = (None,),
    feeds: Sequence[Feed],
    clients: Clients,
    force: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    now: datetime | None = None,
    env: jinja2.Environment | None = None,
) -> Report:
    """Make (or refresh) each feed's post for each of ``days`` in turn (None: each feed's
    default day), and last, once each, the posts of the feeds that read data/ alone
    (``covered_days``); the token and image budgets are for the whole run. Raises only for
    errors of the whole run (a config problem); a source down fails its feed, and one paper's
    failure becomes a pending summary. ``now`` is the run's moment: it picks the default
    days and keeps post dates from the future. The steps return values; the one shared,
    mutable thing is the run's ``Usage`` (and the image budget), because a budget is spent
    across feeds and by calls in flight at once."""
    now = now or datetime.now(UTC)
    store = Store(config.data_dir)
    if not dry_run:
        folders = (store.root, config.site.posts_dir, config.site.assets_dir, config.cache_dir)
        for path in sweep_temp_files(*folders):
            log.info("removed %s, left by an interrupted run", path)
    sources = Sources(
        clients.http,
        clients.arxiv,
        store,
        PdfDownloads(config.cache_dir),
        ImageBudget(config.site.images_per_run),
    )
    context = Context(
        config, env or make_environment(config.templates_dir), sources, clients.summarizers,
        progress or QuietProgress(), Usage(), now, force, dry_run,
    )  # fmt: skip
    report = Report(usage=context.spent)
    kinds = [(feed, kind_of(feed, config)) for feed in feeds]
    today = now.astimezone(UTC).date()
    for day in days:
        for feed, kind in kinds:
            if kind.summary is not None:  # who reads data/ alone (a roundup) goes last
                report.feeds.append(_one(context, feed, kind, day or kind.default_day(today)))
    listed = covered_days(config, report, [day for day in days if day], today)
    for feed, kind in kinds:
        for feed_day in kind.stored_days(listed) if kind.summary is None else ():
            report.feeds.append(_one(context, feed, kind, feed_day))
    if config.llm.price is not None:
        report.cost = report.usage.cost(config.llm.price)
    return report


def covered_days(
    config: Config, report: Report, asked: Sequence[str], today: date
) -> dict[str, list[str]]:
    """The days each feed of ``config`` covers in this run: those it covered (``report``),
    or, for a feed that did not run, the days ``asked`` (--date), else its default day. A
    roundup writes the periods of its sources' days: a run covering a Monday's topic
    papers refreshes that week's roundup, and a range's roundups are written once each."""
    ran: dict[str, set[str]] = {}
    for feed_report in report.feeds:
        ran.setdefault(feed_report.feed, set()).add(feed_report.day)
    return {
        feed.name: sorted(ran.get(feed.name) or asked or [kind_of(feed, config).default_day(today)])
        for feed in config.feeds
    }


def _one(context: Context, feed: Feed, kind: Kind, day: str) -> FeedReport:
    try:
        return run_feed(context, feed, kind, day)
    except SourceError as exc:  # one source down must not cost the others their posts
        return FeedReport(feed.name, day, error=str(exc))


def run_feed(context: Context, feed: Feed, kind: Kind, day: str) -> FeedReport:
    """One feed on one day, as a straight line."""
    name = feed.name
    selection = kind.select(context.sources, day)
    if not selection.papers:
        return _report(name, selection, note=selection.note or "no papers for this day")
    if kind.summary is None:  # a roundup: only what the other feeds stored
        post_day, shown = kind.shown(context.store, selection.day, [])
        return _post(context, feed, kind, selection, Tally(), post_day, shown)
    records = {p.arxiv_id: merged(context.store.get(p.arxiv_id), p) for p in selection.papers}
    summarizer = context.summarizers[kind.summary]
    todo = [
        record.paper
        for record in records.values()
        if needs_summary(record, kind.summary, summarizer, context.force)
    ]
    cached = len(records) - len(todo)
    if context.dry_run:  # a dry run spends nothing: what is not cached shows as pending
        todo, tally = [], Tally(cached=cached, pending=len(todo))
    else:
        tally = Tally(cached=cached)
    label = f"{name} {selection.day}"
    batch, figures = summarize(context, label, kind, todo, records, feed.faithfulness)
    records, tally = apply(with_figures(records, figures), kind.summary, batch, tally)
    if not context.dry_run:
        for record in records.values():
            context.store.put(record)
    if batch.unavailable:  # no post of pending papers over a good one: the feed fails
        return _report(name, selection, tally, error=str(batch.unavailable))
    post_day, shown = kind.shown(context.store, selection.day, list(records.values()))
    return _post(context, feed, kind, selection, tally, post_day, shown)


def _post(
    context: Context,
    feed: Feed,
    kind: Kind,
    selection: Selection,
    tally: Tally,
    day: str,
    records: list[Record],
) -> FeedReport:
    """The last steps: the lead (when asked for), render, write; the feed's report. A lead
    no call can write (a refused key) is left out, and the feed fails so that it is fixed."""
    text, tokens, error = None, 0, None
    if feed.lead:
        llm = context.config.llm
        made = make_lead(
            context.store,
            context.summarizers.get("lead"),
            kind.post_name(day),
            f"{feed.name} {day}",
            kind.ordered(day, records),
            budget=Budget(llm.budget_tokens, llm.budget_usd, llm.price),
            spent=context.spent,
            dry_run=context.dry_run,
            faithful=feed.faithfulness,
        )
        text, tokens = made.text, made.tokens
        error = str(made.unavailable) if made.unavailable else None
    path, changed = write_post(
        context.config, context.env, context.now, kind, day, records,
        lead=text, dry_run=context.dry_run,
    )  # fmt: skip
    tally = dataclasses.replace(tally, tokens=tally.tokens + tokens)
    return _report(feed.name, selection, tally, post=path, post_changed=changed, error=error)


NO_TALLY = Tally()


def _report(name: str, selection: Selection, tally: Tally = NO_TALLY, **outcome) -> FeedReport:
    return FeedReport(
        name,
        selection.day,
        fetched=selection.fetched,
        skipped=selection.skipped,
        problems=selection.problems,
        **dataclasses.asdict(tally),
        **outcome,
    )


def merged(existing: Record | None, paper: Paper) -> Record:
    return (existing or Record(paper)).merged(paper)


def needs_summary(record: Record, kind: str, summarizer: Summarizer, force: bool) -> bool:
    """Whether to call ``summarizer`` for ``record``'s paper: its summary is missing, stale
    or forced, and ``summarizer`` can make one at least as good (the built-in one never
    replaces an LLM's summary, with or without ``--force``)."""
    stored = record.summaries.get(kind)
    can_make = RANKS["extractive" if summarizer.model == EXTRACTIVE else "llm"]
    if stored is not None and stored.rank > can_make:
        return False
    return force or not is_fresh(stored, record.paper, summarizer)


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


def with_figures(
    records: dict[str, Record], figures: Mapping[str, tuple[dict[str, str], ...]]
) -> dict[str, Record]:
    return {
        arxiv_id: record.with_figures(list(figures[arxiv_id])) if arxiv_id in figures else record
        for arxiv_id, record in records.items()
    }


def summarize(
    context: Context,
    label: str,
    kind: Kind,
    papers: Sequence[Paper],
    records: Mapping[str, Record],
    faithful: bool = True,
) -> tuple[Batch, dict[str, tuple[dict[str, str], ...]]]:
    """Summaries of ``papers`` (and the figures their kind found for them). A paper's call
    starts as soon as its own full text is read, while the next PDF is fetched. Each
    summary is stored as soon as it arrives: a run killed halfway keeps (and the next run
    reuses) what was already paid for. A failed call never replaces a finished summary."""
    if not papers:
        return Batch({}), {}
    summary_kind = str(kind.summary)
    summarizer = context.summarizers[summary_kind]
    figures: dict[str, tuple[dict[str, str], ...]] = {}
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="enrich")  # the polite pace
    enrich = _enricher(context, kind, summarizer.reads_full_text, figures)

    async def prepare(paper: Paper) -> FullText | None:
        return await asyncio.get_running_loop().run_in_executor(pool, enrich, paper)

    def done(paper: Paper, summary: SummaryRecord) -> None:
        record = with_figures({paper.arxiv_id: records[paper.arxiv_id]}, figures)[paper.arxiv_id]
        stored = record.summaries.get(summary_kind)
        chosen = preferred(stored, summary)
        if chosen is summary:
            context.store.put(record.with_summary(summary_kind, summary))
        context.progress.advance(paper, summary, None if chosen is summary else stored)

    llm = context.config.llm
    context.progress.start(label, len(papers))
    try:
        batch = asyncio.run(
            summarize_all(
                papers,
                summarizer,
                concurrency=llm.concurrency,
                budget=Budget(llm.budget_tokens, llm.budget_usd, llm.price),
                spent=context.spent,
                on_done=done,
                faithful=faithful,
                prepare=prepare if kind.enriches else None,
            )
        )
    finally:
        pool.shutdown(wait=True)
        context.progress.finish()
    return batch, figures


def _enricher(
    context: Context, kind: Kind, full_text: bool, figures: dict[str, tuple[dict[str, str], ...]]
) -> Callable[[Paper], FullText | None]:
    """One paper's enrichment for the worker thread: its material, its figures noted."""

    def enrich(paper: Paper) -> FullText | None:
        try:
            found = kind.enrich(context.sources, paper, full_text=full_text, force=context.force)
        except Exception as exc:  # one paper's PDF or page must not cost the others theirs
            log.warning("%s: no full text or figures: %s", paper.arxiv_id, exc)
            return None
        if found.figures is not None:
            figures[paper.arxiv_id] = found.figures
        return found.material

    return enrich


def apply(
    records: dict[str, Record], kind: str, batch: Batch, tally: Tally
) -> tuple[dict[str, Record], Tally]:
    """``records`` with the better of each stored and new summary, and the tally of it."""
    counts = dataclasses.asdict(tally)
    updated = dict(records)
    for arxiv_id, summary in batch.records.items():
        stored = records[arxiv_id].summaries.get(kind)
        chosen = preferred(stored, summary)
        updated[arxiv_id] = records[arxiv_id].with_summary(kind, chosen)
        counts["tokens"] += summary.tokens
        for name in ("found", "repaired", "removed"):
            counts[f"claims_{name}"] += (summary.checks or {}).get(name, 0)
        if chosen is not summary:  # failed, or made from less: the stored one stays
            counts["kept"] += 1
        else:
            counts["summarized" if summary.status == "done" else "pending"] += 1
    return updated, Tally(**counts)


def write_post(
    config: Config,
    env: jinja2.Environment,
    now: datetime,
    kind: Kind,
    day: str,
    records: Sequence[Record],
    *,
    lead: str | None = None,
    dry_run: bool = False,
) -> tuple[Path, bool]:
    """Render the post and write it unless it holds those bytes: (its path, changed); and
    note in data/ that it was written (``Store.put_post``)."""
    site = config.site
    path = site.posts_dir / kind.post_name(day)
    previous = written_date(path, site.timezone)
    moment = post_date(day, site.timezone, now=now, previous=previous)
    post = kind.render(env, day, records, moment, lead)
    if dry_run:
        log.info("dry run: would write %s", path)
        return path, False
    changed = write_if_changed(path, post.text)
    Store(config.data_dir).put_post(path.name)
    return path, changed


def written_date(path: Path, timezone: str) -> datetime | None:
    """The ``date`` in the front matter of the post at ``path``, if it has a readable one
    (Hexo's naive dates are in the blog's zone)."""
    try:
        value = frontmatter.load(path).metadata.get("date")
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except (OSError, ValueError, TypeError, yaml.YAMLError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(timezone))
