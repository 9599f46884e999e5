"""``kind: arxiv_topic``: arXiv papers on a topic, one post per announcement day (or one
rolling post), each with a detailed summary of its full text and figures.

The imperative shell around ``sources.arxiv``, ``fulltext`` and ``screenshots``: every
request goes through the polite arXiv client.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

import httpx2
import jinja2

from paperpress import fulltext, net, screenshots
from paperpress.config import ArxivTopicFeed, Config
from paperpress.errors import SourceError
from paperpress.feeds.base import Enrichment, ImageBudget, Selection, Sources
from paperpress.fulltext import FullText, PdfDownloads, PdfFailedBefore
from paperpress.models import Paper, Post
from paperpress.render import TopicEntry, render_topic, topic_name
from paperpress.screenshots import Figure
from paperpress.sources import arxiv
from paperpress.store import Record, Store

log = logging.getLogger(__name__)

ABSTRACT_ONLY = "the built-in summarizer reads only the abstract"


class Topic:
    summary = "topic"
    enriches = True

    def __init__(self, feed: ArxivTopicFeed, config: Config) -> None:
        self.feed, self.config = feed, config

    def default_day(self, today: date) -> str:
        """Today: the listing of today's announcement is out after 01:00 UTC."""
        return today.isoformat()

    def select(self, sources: Sources, day: str) -> Selection:
        found = fetch_topic(sources.arxiv, self.feed, day)
        return Selection(
            found.day, tuple(found.papers), len(found.papers) + found.dropped, found.note
        )

    def enrich(self, sources: Sources, paper: Paper, *, full_text: bool, force: bool) -> Enrichment:
        """The full text (when the summarizer reads it) and the figures of ``paper``.
        Figures are looked up once, with the summary: a paper without an HTML version must
        not cost a request on every re-run."""
        client, feed = sources.arxiv, self.feed
        material = (
            read_full_text(client, sources.pdfs, feed, paper)
            if full_text
            else FullText("abstract", paper.abstract, ABSTRACT_ONLY)
        )
        stored = sources.store.get(paper.arxiv_id)
        if not force and stored and usable(stored.figures):
            return Enrichment(material)
        found = find_figures(client, self.config, feed, paper, sources.images, sources.pdfs)
        return Enrichment(material, tuple(dataclasses.asdict(f) for f in found))

    def shown(self, store: Store, day: str, records: Sequence[Record]) -> tuple[str, list[Record]]:
        if not self.feed.rolling:
            return day, list(records)
        rolled = rolling_records(store, self.feed, records)
        # Dated by its newest day, as `render` dates it: a backfill must not move it back.
        return max([day, *(record.paper.day for record in rolled)]), rolled

    def post_name(self, day: str) -> str:
        return topic_name(self.feed, day)

    def stored_days(self, listed: Mapping[str, Collection[str]]) -> list[str]:
        return sorted(listed.get(self.feed.name, ()))

    def ordered(self, day: str, records: Sequence[Record]) -> list[Record]:
        return sorted(
            records,
            key=lambda r: (r.paper.day, r.paper.published or "", r.paper.arxiv_id),
            reverse=True,
        )

    def render(
        self,
        env: jinja2.Environment,
        day: str,
        records: Sequence[Record],
        moment: datetime,
        lead: str | None = None,
    ) -> Post:
        entries = [
            TopicEntry(r.paper, r.summaries.get(self.summary), usable(r.figures))
            for r in self.ordered(day, records)
        ]
        site, language = self.config.site, self.config.llm.language
        return render_topic(
            env,
            site,
            self.feed,
            day=day,
            entries=entries,
            language=language,
            moment=moment,
            lead=lead,
        )


def rolling_records(
    store: Store, feed: ArxivTopicFeed, fresh: Sequence[Record] = ()
) -> list[Record]:
    """A rolling topic post: every stored paper of the topic (and ``fresh``, this run's,
    over their stored copies), newest announcement first, each under its own day there."""
    latest = {record.paper.arxiv_id: record for record in [*store.all(), *fresh]}
    listed = [
        (day, record)
        for record in latest.values()
        for name, day in record.listings
        if name == feed.name
    ]
    listed.sort(key=lambda item: (item[0], item[1].paper.published or ""), reverse=True)
    seen: dict[str, Record] = {}
    for day, record in listed:
        seen.setdefault(
            record.paper.arxiv_id, replace(record, paper=replace(record.paper, day=day))
        )
    return list(seen.values())[: feed.rolling_max_papers]


@dataclass
class TopicPapers:
    day: str  # the announcement day covered (may differ from the one asked for)
    papers: list[Paper] = field(default_factory=list)
    note: str | None = None  # why there is nothing, when there is nothing
    dropped: int = 0  # found but not kept: naming no keyword, or over max_papers


def endpoints(feed: ArxivTopicFeed) -> arxiv.Endpoints:
    return arxiv.Endpoints(api=feed.api_url, listing=feed.listing_url)


def fetch_topic(client: httpx2.Client, feed: ArxivTopicFeed, day: str) -> TopicPapers:
    """The topic's papers announced on ``day``, newest first, at most ``max_papers``."""
    wanted = date.fromisoformat(day)
    if not arxiv.has_announcement(wanted):
        if feed.no_announcement == "skip":
            return TopicPapers(day, note=f"arXiv announces nothing on {day} (weekend or holiday)")
        wanted = arxiv.latest_announcement(wanted)
        log.info("%s: %s has no announcement; covering %s", feed.name, day, wanted)
    covered = wanted.isoformat()
    candidates = _from_listing(client, feed, wanted) if feed.source == "listing" else None
    if candidates is None:
        query = arxiv.search_query(feed.keywords, feed.categories, arxiv.submission_window(wanted))
        candidates = arxiv.search(
            client, endpoints(feed), query, day=covered, feed=feed.name, limit=feed.max_papers * 5
        )
    on_topic = [p for p in candidates if arxiv.on_topic(p, feed.keywords)]
    papers = [replace(p, day=covered, feed=feed.name) for p in on_topic]
    papers.sort(key=lambda p: (p.published or "", p.arxiv_id), reverse=True)
    kept = papers[: feed.max_papers]
    result = TopicPapers(covered, kept, dropped=len(candidates) - len(kept))
    if not result.papers:
        result.note = f"no new arXiv papers on {', '.join(feed.keywords)} for {covered}"
    return result


def _from_listing(client: httpx2.Client, feed: ArxivTopicFeed, wanted: date) -> list[Paper] | None:
    """Ids from today's listing, then one batched API call; None when the listing is not
    for ``wanted`` (listings only show the latest day), so the caller searches instead."""
    if not feed.categories:
        return None
    listing = arxiv.listing(client, endpoints(feed), feed.categories)
    if listing.announced != wanted:
        log.info(
            "%s: the listing is for %s, not %s; searching the API instead",
            feed.name, listing.announced, wanted,
        )  # fmt: skip
        return None
    kinds = {"new", "cross"} if feed.include_cross else {"new"}
    pattern = arxiv.keyword_pattern(feed.keywords)
    ids = [
        item.arxiv_id
        for item in listing.items
        if item.announce_type in kinds and pattern.search(f"{item.title}\n{item.abstract}")
    ]
    if not ids:
        return []
    return arxiv.by_ids(client, endpoints(feed), ids, day=wanted.isoformat(), feed=feed.name)


def pdf_link(feed: ArxivTopicFeed, paper: Paper) -> Paper:
    """The paper with its PDF fetched from the feed's PDF server (a mirror, or tests)."""
    version = f"v{paper.version}" if paper.version else ""
    url = f"{feed.pdf_url.rstrip('/')}/pdf/{paper.arxiv_id}{version}"
    return replace(paper, links=replace(paper.links, pdf=url))


def read_full_text(
    client: httpx2.Client, pdfs: PdfDownloads, feed: ArxivTopicFeed, paper: Paper
) -> FullText:
    if not feed.fulltext:
        return FullText("abstract", paper.abstract, reason="full text is off for this topic")
    return fulltext.full_text(
        client,
        pdf_link(feed, paper),
        pdfs,
        budget_tokens=feed.fulltext_budget_tokens,
        max_bytes=int(feed.max_pdf_mb * 1024 * 1024),
    )


def find_figures(
    client: httpx2.Client,
    config: Config,
    feed: ArxivTopicFeed,
    paper: Paper,
    budget: ImageBudget,
    pdfs: PdfDownloads,
) -> list[Figure]:
    """Screenshots in order of preference: arXiv HTML figures, the HF thumbnail, PDF renders
    (from the PDF ``pdfs`` got for the full text, or failed to get: asked for once)."""
    limit = feed.max_screenshots
    if feed.screenshots == "none" or limit == 0:
        return []
    figures = _html_figures(client, feed, paper)[:limit]
    if not figures and paper.thumbnail:
        figures = [Figure(paper.thumbnail, paper.title, "hf")]
    if not figures and feed.screenshots == "local" and budget.left > 0:
        try:
            path = pdfs.get(
                client, pdf_link(feed, paper), max_bytes=int(feed.max_pdf_mb * 1024 * 1024)
            )
            figures = screenshots.render_pdf_figures(
                path,
                out_dir=config.site.assets_dir,
                url_prefix=config.site.assets_url,
                name=f"{paper.arxiv_id}v{paper.version or 0}",
                limit=min(limit, budget.left),
                max_bytes=config.site.image_max_kb * 1024,
            )
        except SourceError as exc:
            level = logging.INFO if isinstance(exc, PdfFailedBefore) else logging.WARNING
            log.log(level, "%s: no screenshots from the PDF: %s", paper.arxiv_id, exc)
        budget.left -= len(figures)
    return figures


def _html_figures(client: httpx2.Client, feed: ArxivTopicFeed, paper: Paper) -> list[Figure]:
    """The figures the HTML version references. Asked for without a trailing slash, as
    arXiv links it: pages without a ``<base>`` resolve their images against that URL."""
    version = f"v{paper.version}" if paper.version else ""
    server = f"{feed.html_url.rstrip('/')}/html/"
    try:
        response = net.read(
            client,
            f"{server}{paper.arxiv_id}{version}",
            headers={"Accept": "text/html"},
            max_bytes=HTML_MAX_BYTES,
        )
    except (httpx2.HTTPError, SourceError) as exc:
        log.info("%s: HTML version unavailable (%s)", paper.arxiv_id, exc.__class__.__name__)
        return []
    if response.status_code != 200:
        return []  # no HTML conversion for this paper: normal
    figures = screenshots.parse_html_figures(response.text, str(response.url))
    return [replace(f, url=public_url(f.url, server)) for f in figures]


PUBLIC_HTML = "https://arxiv.org/html/"
HTML_MAX_BYTES = 8 * 2**20  # an HTML version's page, without its images: about 1 MB
_PAPER_FOLDER = re.compile(r"(?:\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?/")


def usable(figures: Sequence[dict[str, str]]) -> tuple[dict[str, str], ...]:
    """Stored figures without the links earlier versions got wrong: an image on arXiv's
    HTML server outside a paper's folder (``https://arxiv.org/html/x1.png``) is a 404. A
    paper left with none has its figures looked up again with its next summary."""
    return tuple(
        figure
        for figure in figures
        if not figure.get("url", "").startswith(PUBLIC_HTML)
        or _PAPER_FOLDER.match(figure["url"].removeprefix(PUBLIC_HTML))
    )


def public_url(url: str, server: str) -> str:
    """The blog links images at arXiv even when the page came from a mirror (``server``,
    ending in ``/html/``): a URL in a paper's folder there, ``<id>[v<n>]/...``, becomes the
    same path on arXiv, which serves those folders. Any other URL stays as the page gave
    it: arXiv is not known to have it."""
    rest = url.removeprefix(server)
    return PUBLIC_HTML + rest if rest != url and _PAPER_FOLDER.match(rest) else url
