"""What every feed kind implements (``Kind``) and the values its steps return."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

import httpx2
import jinja2

from paperpress.fulltext import FullText, PdfDownloads
from paperpress.models import Paper, Post
from paperpress.store import Record, Store


@dataclass
class ImageBudget:
    """Local screenshots a run may still render (``site.images_per_run``)."""

    left: int


@dataclass(frozen=True)
class Sources:
    """What a kind may read, made once per run by the caller."""

    http: httpx2.Client  # Hugging Face, and any plain HTTP
    arxiv: httpx2.Client  # the polite arXiv client: one request every 3 s
    store: Store  # data/: what earlier runs stored
    pdfs: PdfDownloads  # each PDF at most once per run
    images: ImageBudget  # local screenshots left for this run


@dataclass(frozen=True)
class Selection:
    """The papers a feed shows for a day, and what it left out."""

    day: str  # the day covered (a topic on a weekend may cover the last announcement)
    papers: tuple[Paper, ...] = ()
    fetched: int = 0  # from the source (0 for a kind that reads only data/)
    note: str | None = None  # why there is nothing, when there is nothing
    problems: tuple[str, ...] = ()  # items of the source that could not be read

    @property
    def skipped(self) -> int:
        return max(0, self.fetched - len(self.papers))


@dataclass(frozen=True)
class Enrichment:
    """What a kind adds to a paper it is about to summarize: the text the summarizer reads
    (None: the abstract), and the figures its post shows (None: keep the stored ones)."""

    material: FullText | None = None
    figures: tuple[dict[str, str], ...] | None = None


class Kind(Protocol):
    """One kind of feed. Made from its config (and the run's ``Config``) by ``kind_of``."""

    # The kind of summary: which summarizer, which slot of a data file. None for a kind that
    # summarizes nothing and reads what the others stored (a roundup): it runs after them.
    summary: str | None
    enriches: bool  # whether enrich fetches anything: it then runs beside the LLM calls

    def default_day(self, today: date) -> str:
        """The day a run without ``--date`` covers (``today`` in UTC)."""

    def select(self, sources: Sources, day: str) -> Selection:
        """The papers of ``day``, fetched and chosen; SourceError when the source fails."""

    def enrich(self, sources: Sources, paper: Paper, *, full_text: bool, force: bool) -> Enrichment:
        """Full text and figures for ``paper``, about to be summarized (in a worker thread,
        one paper at a time, in order: the polite arXiv client's pace)."""

    def shown(self, store: Store, day: str, records: Sequence[Record]) -> tuple[str, list[Record]]:
        """The post's day and the papers it shows, given this run's ``records`` of ``day``
        (a rolling post shows every stored paper of its feed, under its newest day)."""

    def post_name(self, day: str) -> str:
        """The post's file name in the posts folder."""

    def stored_days(self, listed: Mapping[str, Collection[str]]) -> list[str]:
        """The days whose posts ``paperpress render`` writes again, from the days each feed
        has papers listed for in data/; for a kind that reads data/ alone (a roundup), also
        the days a run writes, from the days each feed covered in it."""

    def ordered(self, day: str, records: Sequence[Record]) -> list[Record]:
        """The papers in the order the post shows them (a roundup: its top picks)."""

    def render(
        self,
        env: jinja2.Environment,
        day: str,
        records: Sequence[Record],
        moment: datetime,
        lead: str | None = None,
    ) -> Post:
        """The post of ``day`` showing ``records``, dated ``moment``, ``lead`` on top."""
