"""``kind: hf_daily``: the Hugging Face daily digest, one post per day, most upvoted first."""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime, timedelta

import jinja2

from paperpress.config import Config, HFDailyFeed
from paperpress.feeds.base import Enrichment, Selection, Sources
from paperpress.models import Paper, Post
from paperpress.render import Entry, digest_name, render_digest
from paperpress.sources import hf
from paperpress.store import Record, Store

log = logging.getLogger(__name__)


class Digest:
    summary = "digest"
    enriches = False

    def __init__(self, feed: HFDailyFeed, config: Config) -> None:
        self.feed, self.config = feed, config

    def default_day(self, today: date) -> str:
        """Yesterday: a Hugging Face day (``submittedOnDailyAt``, UTC) grows until it ends."""
        return (today - timedelta(days=1)).isoformat()

    def select(self, sources: Sources, day: str) -> Selection:
        feed = self.feed
        parsed = hf.fetch(sources.http, base_url=feed.base_url, day=day, feed=feed.name)
        for problem in parsed.problems:
            log.warning("%s %s: %s", feed.name, day, problem)
        papers = ranked(parsed.papers, max_papers=feed.max_papers, min_upvotes=feed.min_upvotes)
        return Selection(day, tuple(papers), len(parsed.papers), problems=tuple(parsed.problems))

    def enrich(self, sources: Sources, paper: Paper, *, full_text: bool, force: bool) -> Enrichment:
        return Enrichment()  # a digest summarizes the abstract and shows the HF thumbnail

    def shown(self, store: Store, day: str, records: Sequence[Record]) -> tuple[str, list[Record]]:
        return day, list(records)

    def post_name(self, day: str) -> str:
        return digest_name(self.feed.name, day)

    def stored_days(self, listed: Mapping[str, Collection[str]]) -> list[str]:
        return sorted(listed.get(self.feed.name, ()))

    def ordered(self, day: str, records: Sequence[Record]) -> list[Record]:
        return sorted(records, key=lambda r: (-r.paper.upvotes, r.paper.arxiv_id))

    def render(
        self,
        env: jinja2.Environment,
        day: str,
        records: Sequence[Record],
        moment: datetime,
        lead: str | None = None,
    ) -> Post:
        return render_digest(
            env,
            self.config.site,
            feed_name=self.feed.name,
            tags=self.feed.tags,
            day=day,
            entries=[
                Entry(r.paper, r.summaries.get(self.summary)) for r in self.ordered(day, records)
            ],
            language=self.config.llm.language,
            moment=moment,
            lead=lead,
        )


def ranked(papers: Sequence[Paper], *, max_papers: int, min_upvotes: int) -> list[Paper]:
    """The papers a digest shows: most upvoted first (ties by id), at most ``max_papers``."""
    by_votes = sorted(papers, key=lambda p: (-p.upvotes, p.arxiv_id))
    return [p for p in by_votes if p.upvotes >= min_upvotes][:max_papers]
