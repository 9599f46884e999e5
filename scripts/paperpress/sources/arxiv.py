"""arXiv: the export API (search and ``id_list``) and the listing feeds (rss.arxiv.org).

Parsing is pure and uses feedparser for both Atom and RSS. The client is polite as the
API terms ask: one connection, at most one request every 3 s (an httpx2 request hook, so
retries and redirects are spaced too), retries on 429/503/406 honouring Retry-After.

"The day" of a topic post is an announcement day: the UTC date on which a listing appears
(arXiv mails at 20:00 US Eastern, Sunday to Thursday, except on holidays).
"""

from __future__ import annotations

import html
import logging
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import feedparser
import httpx2

from paperpress import USER_AGENT, net
from paperpress.errors import SourceError
from paperpress.models import Links, Paper
from paperpress.text import base_arxiv_id, is_arxiv_id, one_line, paragraphs

log = logging.getLogger(__name__)

EASTERN = ZoneInfo("America/New_York")
PAGE_SIZE = 100
MAX_RESULTS = 1000
POLITE_INTERVAL = 3.0
RETRY_STATUSES = frozenset({406, 429, 500, 502, 503, 504})
# Evenings (US Eastern) without a mailing, from arXiv's availability page; the listing
# that would have appeared the next UTC day does not exist.
HOLIDAYS = frozenset(
    date.fromisoformat(d)
    for d in (
        "2025-01-01", "2025-01-20", "2025-05-26", "2025-06-19", "2025-07-03", "2025-09-01",
        "2025-11-27", "2025-12-25", "2025-12-31", "2026-01-01", "2026-01-19", "2026-06-19",
        "2026-07-03", "2026-09-07", "2026-11-26", "2026-12-25", "2026-12-29", "2026-12-31",
    )
)  # fmt: skip
_CODE_URL = re.compile(r"https?://(?:www\.)?(?:github\.com|gitlab\.com)/[\w.-]+/[\w.-]+", re.I)
_ANNOUNCE = re.compile(r"^\s*arXiv:\S+\s+Announce Type:\s*\S+\s*(?:Abstract:\s*)?", re.I)


# --- The announcement calendar (pure) ---------------------------------------------------


def has_announcement(day: date) -> bool:
    """Whether a listing appears on UTC date ``day`` (Monday to Friday, not after a holiday)."""
    return day.weekday() < 5 and (day - timedelta(days=1)) not in HOLIDAYS


def latest_announcement(day: date) -> date:
    """The latest announcement day on or before ``day``."""
    while not has_announcement(day):
        day -= timedelta(days=1)
    return day


def submission_window(day: date) -> tuple[datetime, datetime]:
    """The submissions (14:00 ET cutoffs) that the listing of UTC date ``day`` announces."""
    end = day - timedelta(days=1)  # the mailing's Eastern date
    while end.weekday() >= 5 or end in HOLIDAYS:  # a Sunday mailing covers up to Friday
        end -= timedelta(days=1)
    start = end - timedelta(days=1)
    while start.weekday() >= 5 or start in HOLIDAYS:
        start -= timedelta(days=1)
    at_cutoff = datetime.min.time().replace(hour=14)
    return (
        datetime.combine(start, at_cutoff, EASTERN).astimezone(ZoneInfo("UTC")),
        datetime.combine(end, at_cutoff, EASTERN).astimezone(ZoneInfo("UTC")),
    )


# --- Queries and matching (pure) ---------------------------------------------------------


def search_query(keywords: Sequence[str], categories: Sequence[str], window=None) -> str:
    """``(ti:"k" OR abs:"k" ...) AND (cat:c ...) AND submittedDate:[a TO b]``."""
    parts = []
    if keywords:
        terms = [f'{field}:"{_quote_safe(k)}"' for k in keywords for field in ("ti", "abs")]
        parts.append("(" + " OR ".join(terms) + ")")
    if categories:
        parts.append("(" + " OR ".join(f"cat:{c}" for c in categories) + ")")
    if window:
        start, end = (moment.strftime("%Y%m%d%H%M") for moment in window)
        parts.append(f"submittedDate:[{start} TO {end}]")
    return " AND ".join(parts)


def _quote_safe(keyword: str) -> str:
    return one_line(keyword).replace('"', "")


def keyword_pattern(keywords: Sequence[str]) -> re.Pattern[str]:
    """Whole-word, case-insensitive, plural-tolerant match of any keyword."""
    alternatives = [r"\s+".join(map(re.escape, k.split())) for k in keywords if k.strip()]
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?:e?s)?(?!\w)", re.I)


def on_topic(paper: Paper, keywords: Sequence[str]) -> bool:
    """The API's search is fuzzy; a topic post keeps only papers that name a keyword."""
    if not keywords:
        return True
    return bool(keyword_pattern(keywords).search(f"{paper.title}\n{paper.abstract}"))


def code_url(*texts: str | None) -> str | None:
    """The first GitHub/GitLab repository named in the abstract or the comment."""
    for text in texts:
        match = _CODE_URL.search(text or "")
        if match:
            return match.group(0).rstrip(".")
    return None


_URL = re.compile(r"https?://[^\s<>\"'`{}\\]+", re.I)  # \href{url}{text}: a brace ends it
_NOT_A_PROJECT = re.compile(
    r"^https?://(?:www\.)?(?:github\.com|gitlab\.com|(?:export\.)?arxiv\.org|doi\.org|dx\.doi\.org)/",
    re.I,
)


def project_url(*texts: str | None) -> str | None:
    """The first web page named in the comment or the abstract that is no repository, paper
    or DOI: the project page ("Project page: https://x.github.io/y")."""
    for text in texts:
        for match in _URL.finditer(text or ""):
            url = match.group(0).rstrip(".,;:!?)]}")
            if not _NOT_A_PROJECT.match(url):
                return url
    return None


# --- Parsing (pure) -----------------------------------------------------------------------


@dataclass(frozen=True)
class ApiPage:
    papers: list[Paper]
    total: int
    problems: list[str] = field(default_factory=list)


def api_error(raw: bytes) -> str | None:
    """The message of arXiv's Atom error entry (sent with HTTP 400, sometimes with 200)."""
    for entry in feedparser.parse(raw).entries:
        if "/api/errors" in entry.get("id", "") or entry.get("title") == "Error":
            return one_line(entry.get("summary")) or "unknown arXiv API error"
    return None


def parse_api(raw: bytes, *, day: str = "", feed: str = "") -> ApiPage:
    """One page of the export API (legacy, transitional and current formats)."""
    error = api_error(raw)
    if error:
        raise SourceError(f"arXiv API error: {error}")
    parsed = feedparser.parse(raw)
    if parsed.bozo and not parsed.entries and not parsed.feed:
        raise SourceError(f"the arXiv API reply is not an Atom feed: {parsed.bozo_exception}")
    papers, problems = [], []
    for position, entry in enumerate(parsed.entries):
        paper = _api_entry(entry, day=day, feed=feed)
        if isinstance(paper, str):
            problems.append(f"entry {position}: {paper}; skipped")
        else:
            papers.append(paper)
    total = _int(parsed.feed.get("opensearch_totalresults"), default=len(papers))
    return ApiPage(papers, total, problems)


def _api_entry(entry: Any, *, day: str, feed: str) -> Paper | str:
    raw_id = entry.get("id", "")
    if "arxiv.org/abs/" not in raw_id:
        return f"not an arXiv paper id: {raw_id!r}"
    arxiv_id, version = base_arxiv_id(raw_id)
    if not is_arxiv_id(arxiv_id):
        return f"{raw_id!r} is not an arXiv id"
    title = one_line(entry.get("title"))
    if not title:
        return f"paper {arxiv_id} has no title"
    comment = one_line(entry.get("arxiv_comment")) or None
    if comment and re.search(r"\bwithdrawn\b", comment, re.I):
        return f"paper {arxiv_id} was withdrawn"
    abstract = "\n\n".join(paragraphs(entry.get("summary")))
    primary = (entry.get("arxiv_primary_category") or {}).get("term")
    categories = [t.get("term") for t in entry.get("tags", []) if t.get("term")]
    if primary:
        categories = [primary, *[c for c in categories if c != primary]]
    versioned = f"{arxiv_id}v{version}" if version else arxiv_id
    return Paper(
        arxiv_id=arxiv_id,
        version=version,
        title=title,
        authors=tuple(n for n in (one_line(a.get("name")) for a in entry.get("authors", [])) if n),
        abstract=abstract,
        day=day,
        feed=feed,
        published=entry.get("published"),
        updated=entry.get("updated"),
        links=Links(
            abs=f"https://arxiv.org/abs/{arxiv_id}",
            pdf=f"https://arxiv.org/pdf/{versioned}",
            code=code_url(abstract, comment),
            project=project_url(comment, abstract),
        ),
        comment=comment,
        categories=tuple(dict.fromkeys(categories)),
        doi=one_line(entry.get("arxiv_doi")) or None,
        journal_ref=one_line(entry.get("arxiv_journal_ref")) or None,
    )


@dataclass(frozen=True)
class ListingItem:
    arxiv_id: str
    version: int | None
    announce_type: str
    title: str
    abstract: str
    categories: tuple[str, ...]


@dataclass(frozen=True)
class Listing:
    announced: date | None  # the listing's announcement date (its pubDate, Eastern)
    items: list[ListingItem]


def parse_listing(raw: bytes) -> Listing:
    """An rss.arxiv.org RSS or Atom listing; an error channel becomes a SourceError."""
    parsed = feedparser.parse(raw)
    title = parsed.feed.get("title", "")
    if title.startswith("Feed error"):
        raise SourceError(f"arXiv listing error: {one_line(parsed.feed.get('description'))}")
    if parsed.bozo and not parsed.entries and not title:
        raise SourceError(f"not an arXiv listing feed: {parsed.bozo_exception}")
    items = []
    for entry in parsed.entries:
        arxiv_id, version = base_arxiv_id(entry.get("id") or entry.get("link", ""))
        if not is_arxiv_id(arxiv_id):
            log.warning("skipped a listing item: %r is not an arXiv id", arxiv_id)
            continue
        summary = entry.get("summary", "")
        if entry.get("summary_detail", {}).get("type") == "text/html":
            summary = html.unescape(summary)
        items.append(
            ListingItem(
                arxiv_id=arxiv_id,
                version=version,
                announce_type=one_line(entry.get("arxiv_announce_type")) or "new",
                title=one_line(entry.get("title")),
                abstract=_ANNOUNCE.sub("", summary).strip(),
                categories=tuple(t.get("term") for t in entry.get("tags", []) if t.get("term")),
            )
        )
    sources = [parsed.feed, *parsed.entries]  # the channel's date, else its items'
    days = [_eastern_date(source.get("published")) for source in sources]
    stamps = [source.get("published_parsed") for source in sources]
    announced = next((day for day in days if day), None)
    announced = announced or next((date(*stamp[:3]) for stamp in stamps if stamp), None)
    return Listing(announced, items)


def _eastern_date(text: str | None) -> date | None:
    """The pubDate is Eastern midnight ("00:00:00 -0500"); its date is the listing's day.
    None for a date that is none ("27 Xyz 2024"): the next one in the listing stands in."""
    match = re.search(r"(\d{1,2}) (\w{3}) (\d{4})", text or "")
    iso = re.match(r"(\d{4}-\d{2}-\d{2})", text or "")
    try:
        if match:
            return datetime.strptime(" ".join(match.groups()), "%d %b %Y").date()
        return date.fromisoformat(iso.group(1)) if iso else None
    except ValueError:
        return None


def _int(value: Any, *, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


# --- The polite client (the shell) -------------------------------------------------------


def make_client(
    *,
    transport: httpx2.BaseTransport | None = None,
    interval: float = POLITE_INTERVAL,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    timeout: float = 30.0,
) -> httpx2.Client:
    """An HTTP client for arXiv only: one connection, requests at least ``interval`` apart."""
    last: list[float] = []

    def space(request: httpx2.Request) -> None:
        if last:
            wait = last[0] + interval - clock()
            if wait > 0:
                sleep(wait)
        last[:] = [clock()]

    return httpx2.Client(
        headers={"User-Agent": USER_AGENT},
        timeout=httpx2.Timeout(timeout, connect=10.0),
        follow_redirects=True,
        transport=transport or net.deadline_transport(limits=httpx2.Limits(max_connections=1)),
        limits=httpx2.Limits(max_connections=1),
        event_hooks={"request": [space]},
    )


@dataclass(frozen=True)
class Endpoints:
    api: str = "https://export.arxiv.org/api/query"
    listing: str = "https://rss.arxiv.org"


def _get(client: httpx2.Client, url: str, params: dict[str, Any], **retry: Any) -> bytes:
    response = net.get(
        client,
        url,
        params=params,
        headers={"Accept": "application/atom+xml, application/rss+xml"},
        retry_statuses=RETRY_STATUSES,
        explain=lambda r: api_error(r.content),
        backoff=retry.pop("backoff", 3.0),
        **retry,
    )
    return response.content


def search(
    client: httpx2.Client,
    endpoints: Endpoints,
    query: str,
    *,
    day: str,
    feed: str,
    limit: int = MAX_RESULTS,
    **retry: Any,
) -> list[Paper]:
    """All results of a search, newest submissions first, paged."""
    papers: list[Paper] = []
    start = 0
    while start < limit:
        params = {
            "search_query": query,
            "start": start,
            "max_results": min(PAGE_SIZE, limit - start),
            "sortBy": "submittedDate",
            "sortOrder": "descending",
        }
        page = parse_api(_get(client, endpoints.api, params, **retry), day=day, feed=feed)
        for problem in page.problems:
            log.warning("arXiv search: %s", problem)
        papers.extend(page.papers)
        start += PAGE_SIZE
        if not page.papers or start >= page.total:
            break
    return papers


def by_ids(
    client: httpx2.Client,
    endpoints: Endpoints,
    ids: Iterable[str],
    *,
    day: str,
    feed: str,
    **retry: Any,
) -> list[Paper]:
    """Full metadata for ``ids``, in batches of 100 (one request each)."""
    wanted = list(dict.fromkeys(ids))
    papers: list[Paper] = []
    for start in range(0, len(wanted), PAGE_SIZE):
        batch = wanted[start : start + PAGE_SIZE]
        params = {"id_list": ",".join(batch), "start": 0, "max_results": len(batch)}
        page = parse_api(_get(client, endpoints.api, params, **retry), day=day, feed=feed)
        papers.extend(page.papers)
    return papers


def listing(
    client: httpx2.Client, endpoints: Endpoints, categories: Sequence[str], **retry: Any
) -> Listing:
    url = f"{endpoints.listing.rstrip('/')}/rss/{'+'.join(categories)}"
    return parse_listing(_get(client, url, {}, **retry))
