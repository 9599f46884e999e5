"""Hugging Face Daily Papers: ``GET /api/daily_papers?date=D&limit=100&p=N``.

The schema drifted several times (2024: ``mediaUrl``; 2025: ``submittedOnDailyAt``,
``ai_summary``; titles hard-wrapped until late 2025), so every field is optional here.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

import httpx2

from paperpress import net
from paperpress.errors import SourceError
from paperpress.models import Links, Paper
from paperpress.text import base_arxiv_id, is_arxiv_id, one_line, paragraphs

log = logging.getLogger(__name__)

PAGE_SIZE = 100
MAX_PAGES = 20
HF_SITE = "https://huggingface.co"
THUMBNAIL = "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{id}.png"


@dataclass(frozen=True)
class Parsed:
    papers: list[Paper]
    problems: list[str]


def parse_daily_papers(raw: bytes | str | list[Any], *, day: str, feed: str) -> Parsed:
    """Normalize one ``daily_papers`` response; skip (and report) unusable items."""
    items = _json(raw, "the reply") if isinstance(raw, bytes | str) else raw
    if not isinstance(items, list):
        raise SourceError(f"expected a JSON list of papers, got {type(items).__name__}")
    papers: list[Paper] = []
    problems: list[str] = []
    seen: set[str] = set()
    for position, item in enumerate(items):
        paper = parse_item(item, day=day, feed=feed)
        if isinstance(paper, str):
            problems.append(f"item {position}: {paper}; skipped")
        elif paper.arxiv_id in seen:
            problems.append(f"item {position}: duplicate id {paper.arxiv_id}; kept the first")
        else:
            seen.add(paper.arxiv_id)
            papers.append(paper)
    return Parsed(papers, problems)


def parse_item(item: Any, *, day: str, feed: str) -> Paper | str:
    """One item to a Paper, or a short reason why it cannot be one."""
    if not isinstance(item, dict):
        return "not an object"
    inner = item.get("paper") if isinstance(item.get("paper"), dict) else {}
    raw_id = _text(inner.get("id")) or _text(item.get("id"))
    if not raw_id:
        return "no paper id"
    arxiv_id, version = base_arxiv_id(raw_id)
    if not is_arxiv_id(arxiv_id):
        return f"{raw_id!r} is not an arXiv id"  # repr: a newline in it stays "\n"
    title = one_line(_text(inner.get("title")) or _text(item.get("title")))
    if not title:
        return f"paper {arxiv_id} has no title"
    abstract = "\n\n".join(paragraphs(_text(inner.get("summary")) or _text(item.get("summary"))))
    github = _url(inner.get("githubRepo"))
    project = _url(inner.get("projectPage"))
    if not github and project and "github.com/" in project:
        github, project = project, None
    return Paper(
        arxiv_id=arxiv_id,
        version=version,
        title=title,
        authors=_authors(inner.get("authors")),
        abstract=abstract,
        day=day,
        feed=feed,
        published=_text(inner.get("publishedAt")) or None,
        links=Links(
            abs=f"https://arxiv.org/abs/{arxiv_id}",
            pdf=f"https://arxiv.org/pdf/{arxiv_id}",
            hf=f"{HF_SITE}/papers/{arxiv_id}",
            code=github,
            project=project if project != github else None,
        ),
        upvotes=_int(inner.get("upvotes")),
        github_stars=_int(inner.get("githubStars")) if "githubStars" in inner else None,
        thumbnail=_url(item.get("thumbnail"))
        or _url(item.get("mediaUrl"))
        or THUMBNAIL.format(id=arxiv_id),
        organization=_organization(inner.get("organization") or item.get("organization")),
        ai_summary=one_line(_text(inner.get("ai_summary"))) or None,
        ai_keywords=tuple(
            k for k in (one_line(_text(x)) for x in _list(inner.get("ai_keywords"))) if k
        ),
    )


def fetch(client: httpx2.Client, *, base_url: str, day: str, feed: str, **retry: Any) -> Parsed:
    """All of day ``day``'s papers, page by page until a short page."""
    url = f"{base_url.rstrip('/')}/api/daily_papers"
    items: list[Any] = []
    for page in range(MAX_PAGES):
        params = {"date": day, "limit": PAGE_SIZE, "p": page}
        response = net.get(client, url, params=params, headers=_JSON, **retry)
        batch = _json(response.content, f"GET {response.request.url}: the reply")
        if not isinstance(batch, list):
            raise SourceError(f"GET {response.request.url}: expected a JSON list")
        if len(batch) > PAGE_SIZE:  # more than asked for: not the API we know; take a page
            log.warning(
                "%s sent %d items for a page of %d; kept the first", url, len(batch), PAGE_SIZE
            )
            batch = batch[:PAGE_SIZE]
        items.extend(batch)
        if len(batch) < PAGE_SIZE:
            break
    else:
        log.warning("stopped after %d pages of %s for %s", MAX_PAGES, url, day)
    return parse_daily_papers(items, day=day, feed=feed)


_JSON = {"Accept": "application/json"}


def _json(raw: bytes | str, what: str) -> Any:
    """``raw`` as JSON, or SourceError: for text that is not JSON, and for JSON nested so
    deep (``[[[...]]]``) that Python's recursive decoder gives up with RecursionError."""
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise SourceError(f"{what} is not JSON") from exc
    except RecursionError as exc:
        raise SourceError(f"{what} nests too deep to read as JSON") from exc


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _url(value: Any) -> str | None:
    text = one_line(_text(value))
    return text if re.match(r"^https?://[^\s/]+", text) else None


def _organization(value: Any) -> str | None:
    if not isinstance(value, dict):
        return None
    return one_line(_text(value.get("fullname")) or _text(value.get("name"))) or None


def _authors(value: Any) -> tuple[str, ...]:
    names = []
    for author in _list(value):
        name = one_line(_text(author.get("name"))) if isinstance(author, dict) else ""
        if name:
            names.append(name)
    return tuple(names)
