"""``kind: roundup``: the best papers of a week or a month, from what other feeds stored.

No request and no LLM call (but the optional lead): it reads ``data/`` alone, so it runs
after the feeds it rounds up, and a scheduled run keeps the current period's post up to
date as days arrive.

Ranking (``score``): the mean of the signals a paper has, each scaled to 0..1: its LLM
recommendation score (1 to 5, from its digest summary, else its topic summary) as
``(score - 1) / 4``, and, for a Hugging Face paper, its upvotes as
``log(1 + upvotes) / log(1 + the period's most upvotes)``. Ties go to the newer paper.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import jinja2

from paperpress.config import Config, RoundupFeed
from paperpress.dates import Period, period_of
from paperpress.feeds.base import Enrichment, Selection, Sources
from paperpress.models import DigestSummary, Paper, Post, TopicSummary
from paperpress.store import Record, Store


@dataclass(frozen=True)
class Pick:
    """A paper of the period: its record, its score and where it appeared (feed, day)."""

    record: Record
    score: float
    appearances: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Roundup:
    """What a roundup post shows: the period, papers per day and source, the top picks, and
    the period's most frequent keywords."""

    period: Period
    total: int  # papers in the period
    counts: Mapping[tuple[str, str], int]  # (day, feed) -> papers listed
    picks: tuple[Pick, ...]
    themes: tuple[tuple[str, int], ...]
    posts: Mapping[tuple[str, str], str]  # (feed, day) -> the daily post's file name


class RoundupKind:
    summary = None  # nothing to summarize: it reads what the other feeds stored
    enriches = False

    def __init__(self, feed: RoundupFeed, config: Config) -> None:
        self.feed, self.config = feed, config

    def default_day(self, today: date) -> str:
        """Today. A run writes the periods of the days its sources covered, not this
        (``pipeline.covered_days`` and ``stored_days``)."""
        return today.isoformat()

    def select(self, sources: Sources, day: str) -> Selection:
        period = period_of(day, self.feed.period)
        papers = tuple(r.paper for r in in_period(sources.store.all(), self.feed.sources, period))
        note = (
            None
            if papers
            else (f"no stored papers from {', '.join(self.feed.sources)} in {period.label}")
        )
        return Selection(period.start.isoformat(), papers, 0, note)  # fetched nothing

    def enrich(self, sources: Sources, paper: Paper, *, full_text: bool, force: bool) -> Enrichment:
        return Enrichment()  # nothing to summarize

    def shown(self, store: Store, day: str, records: Sequence[Record]) -> tuple[str, list[Record]]:
        period = period_of(day, self.feed.period)
        return period.start.isoformat(), in_period(store.all(), self.feed.sources, period)

    def post_name(self, day: str) -> str:
        return f"{period_of(day, self.feed.period).label}-{self.feed.name}.md"

    def stored_days(self, listed: Mapping[str, Collection[str]]) -> list[str]:
        days = {day for name in self.feed.sources for day in listed.get(name, ())}
        return sorted({period_of(day, self.feed.period).start.isoformat() for day in days})

    def ordered(self, day: str, records: Sequence[Record]) -> list[Record]:
        roundup = make_roundup(records, self.feed, period_of(day, self.feed.period), {})
        return [pick.record for pick in roundup.picks]

    def render(
        self,
        env: jinja2.Environment,
        day: str,
        records: Sequence[Record],
        moment: datetime,
        lead: str | None = None,
    ) -> Post:
        from paperpress.feeds import kind_of  # the feeds it rounds up, for their post names
        from paperpress.render.roundup import render_roundup

        period = period_of(day, self.feed.period)
        names = {
            (feed.name, listed): kind_of(feed, self.config).post_name(listed)
            for feed in self.config.feeds
            if feed.name in self.feed.sources
            for listed in period.days
        }
        existing = {key: name for key, name in names.items() if self._exists(name)}
        roundup = make_roundup(records, self.feed, period, existing)
        return render_roundup(env, self.config, self.feed, roundup, moment, lead)

    def _exists(self, name: str) -> bool:
        """Known from data/ (the posts may be in another repository), or, for a post
        written before data/ noted them, from the posts folder."""
        exists = Store(self.config.data_dir).has_post(name)
        return exists or (self.config.site.posts_dir / name).is_file()


def in_period(records, sources: Sequence[str], period: Period) -> list[Record]:
    """The stored records listed by one of ``sources`` on a day of ``period``."""
    return [
        record
        for record in records
        if any(feed in sources and day in period for feed, day in record.listings)
    ]


def make_roundup(
    records: Sequence[Record],
    feed: RoundupFeed,
    period: Period,
    posts: Mapping[tuple[str, str], str],
) -> Roundup:
    """The roundup of ``records`` (pure): counts, the top ``feed.top`` and the themes."""
    counts: Counter[tuple[str, str]] = Counter()
    appearances = {}
    for record in records:
        seen = tuple(
            (name, day) for name, day in record.listings if name in feed.sources and day in period
        )
        appearances[record.paper.arxiv_id] = seen
        counts.update((day, name) for name, day in seen)
    most_votes = max((r.paper.upvotes for r in records), default=0)
    picks = sorted(
        (Pick(r, score(r, most_votes), appearances[r.paper.arxiv_id]) for r in records),
        key=lambda pick: (-pick.score, _age(pick), pick.record.paper.arxiv_id),
    )
    top = tuple(picks[: feed.top])
    return Roundup(period, len(records), dict(counts), top, themes(records, feed.themes), posts)


def score(record: Record, most_votes: int) -> float:
    """The documented ranking: the mean of the paper's scaled signals (module docstring)."""
    signals = []
    recommendation = recommendation_score(record)
    if recommendation is not None:
        signals.append((recommendation - 1) / 4)
    if record.paper.links.hf and most_votes > 0:
        signals.append(math.log1p(record.paper.upvotes) / math.log1p(most_votes))
    return round(sum(signals) / len(signals), 6) if signals else 0.0


def recommendation_score(record: Record) -> float | None:
    for summary in (_digest(record), _topic(record)):
        if summary is not None and summary.recommendation is not None:
            return summary.recommendation.score
    return None


def themes(records: Sequence[Record], limit: int) -> tuple[tuple[str, int], ...]:
    """The period's most frequent keywords (each paper counts once per keyword), most
    frequent first, as the papers spell them most often."""
    counted: Counter[str] = Counter()
    spellings: dict[str, Counter[str]] = {}
    for record in records:
        words = {}
        for word in keywords(record):
            words.setdefault(word.casefold(), word)
        for key, word in words.items():
            counted[key] += 1
            spellings.setdefault(key, Counter())[word] += 1
    ranked = sorted(counted.items(), key=lambda item: (-item[1], item[0]))
    return tuple((spellings[key].most_common(1)[0][0], n) for key, n in ranked[:limit] if n > 1)


def keywords(record: Record) -> list[str]:
    digest, topic = _digest(record), _topic(record)
    words = [k.term for k in digest.keywords] if digest else []
    words += list(topic.keywords) if topic else []
    return [" ".join(word.split()) for word in words if word.strip()]


def _digest(record: Record) -> DigestSummary | None:
    summary = record.summaries.get("digest")
    return summary.digest if summary else None


def _topic(record: Record) -> TopicSummary | None:
    summary = record.summaries.get("topic")
    return summary.topic if summary else None


def _age(pick: Pick) -> int:
    """Days before the newest possible: sorts the most recent appearance first."""
    latest = max((day for _, day in pick.appearances), default="0001-01-01")
    return -date.fromisoformat(latest).toordinal()
