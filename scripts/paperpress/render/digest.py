"""The Hugging Face daily digest post (the seed digests' style, made consistent): every
paper with the same sections, in the same order, at the same heading levels."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jinja2

from paperpress.config import SiteConfig
from paperpress.escape import md_alt, md_inline, md_paragraphs, md_url, plain
from paperpress.models import EXTRACTIVE, Paper, Post, SummaryRecord
from paperpress.render.environment import render_template
from paperpress.render.labels import labels as labels_for
from paperpress.render.post import author_list, front_matter, make_post, paper_urls
from paperpress.text import inert


@dataclass(frozen=True)
class Entry:
    paper: Paper
    summary: SummaryRecord | None


def render_digest(
    env: jinja2.Environment,
    site: SiteConfig,
    *,
    feed_name: str,
    tags: Sequence[str],
    day: str,
    entries: Sequence[Entry],
    language: str,
    moment: datetime | None = None,
    lead: str | None = None,
) -> Post:
    """The daily digest post for one feed and day, dated ``moment`` (see dates.post_date;
    by default the start of the day in the blog's zone)."""
    labels = labels_for(language, "digest")
    papers = [_paper_view(entry, labels) for entry in entries]
    models = sorted({e.summary.model for e in entries if e.summary and e.summary.status == "done"})
    pending = sum(1 for view in papers if view["pending"])
    context = {
        "t": labels,
        "day": day,
        "count": len(papers),
        "intro": labels["digest_intro"].format(
            day=day, url=f"https://huggingface.co/papers/date/{day}", count=len(papers)
        ),
        "notes": _notes(labels, models, pending),
        "lead": md_inline(lead) if lead else None,
        "papers": papers,
    }
    body = render_template(env, "digest.md.j2", **context)
    titles = "; ".join(entry.paper.title for entry in entries[:3])
    meta = front_matter(
        site,
        language=language,
        title=labels["digest_title"].format(day=day),
        day=day,
        moment=moment,
        tags=list(tags),
        description=plain(
            labels["digest_description"].format(day=day, count=len(entries), titles=titles), 200
        ),
        keywords=_top_keywords(entries),
        cover=site.cover or next((e.paper.thumbnail for e in entries if e.paper.thumbnail), None),
    )
    return make_post(site, digest_name(feed_name, day), meta, body)


def digest_name(feed_name: str, day: str) -> str:
    return f"{day}-{feed_name}.md"


def _notes(labels: dict[str, str], models: list[str], pending: int) -> list[str]:
    notes = []
    llm_models = [m for m in models if m != EXTRACTIVE]
    if llm_models:
        notes.append(labels["note_llm"].format(model=md_inline(", ".join(llm_models))))
    if EXTRACTIVE in models:
        notes.append(labels["note_extractive"])
    if pending:
        notes.append(labels["note_pending"].format(count=pending))
    return notes


def _paper_view(entry: Entry, labels: dict[str, str]) -> dict[str, Any]:
    paper = entry.paper
    digest = entry.summary.digest if entry.summary else None
    inline = functools.partial(md_inline, urls=paper_urls(paper))
    links = [
        (labels["hf_page"], md_url(paper.links.hf)),
        ("arXiv", md_url(paper.links.abs)),
        ("PDF", md_url(paper.links.pdf)),
        (labels["code"], md_url(paper.links.code)),
        (labels["project"], md_url(paper.links.project)),
    ]
    view: dict[str, Any] = {
        "id": paper.arxiv_id,
        "title": inline(paper.title),
        "authors": author_list(paper.authors, labels),
        "links": [{"label": label, "url": url} for label, url in links if url],
        "stars": labels["stars"].format(count=paper.github_stars) if paper.github_stars else None,
        "upvotes": labels["upvotes"].format(count=paper.upvotes),
        "thumbnail": md_url(paper.thumbnail),
        "alt": md_alt(paper.title),
        "abstract": md_paragraphs(paper.abstract, urls=paper_urls(paper)),
        "pending": digest is None,
    }
    if digest is not None:
        view |= {
            "tldr": inline(digest.tldr),
            "main_work": inline(digest.main_work),
            "highlights": [inline(h) for h in digest.highlights],
            "keywords": [
                {
                    "term": inline(k.term),
                    "translation": inline(k.translation)
                    if k.translation.casefold() != k.term.casefold()
                    else None,
                }
                for k in digest.keywords
            ],
            "scores": [
                {"label": labels[name], "score": _score(s.score), "reason": inline(s.reason)}
                for name, s in (
                    ("practicality", digest.practicality),
                    ("innovation", digest.innovation),
                    ("recommendation", digest.recommendation),
                )
            ],
        }
    return view


def _score(value: float) -> str:
    return f"{value:g}"


def _top_keywords(entries: Sequence[Entry], limit: int = 8) -> list[str]:
    seen: dict[str, None] = {}
    for entry in entries:
        digest = entry.summary.digest if entry.summary else None
        terms = (
            [k.term for k in digest.keywords[:2]] if digest else list(entry.paper.ai_keywords[:2])
        )
        for term in terms:
            seen.setdefault(plain(inert(term)), None)
    return [term for term in seen if term][:limit]
