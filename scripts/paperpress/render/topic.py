"""The arXiv topic post (the seed "Diffusion Models" style), daily or rolling.

Every paper gets the same sections in the same order: title, authors, abstract (folded),
PDF link and comment, one-line summary, key takeaways, the detailed summary (sections the
model could not write are left out; the reason is in the data file) and folded screenshots.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from typing import Any

import jinja2

from paperpress.config import ArxivTopicFeed, SiteConfig
from paperpress.escape import md_alt, md_inline, md_paragraphs, md_url, plain
from paperpress.models import EXTRACTIVE, Paper, Post, SummaryRecord, TopicSummary
from paperpress.render.environment import render_template
from paperpress.render.labels import labels as labels_for
from paperpress.render.post import (
    author_list,
    fold_close,
    fold_open,
    front_matter,
    make_post,
    paper_urls,
)


@dataclass(frozen=True)
class TopicEntry:
    paper: Paper
    summary: SummaryRecord | None
    figures: Sequence[dict[str, str]] = ()


def render_topic(
    env: jinja2.Environment,
    site: SiteConfig,
    feed: ArxivTopicFeed,
    *,
    day: str,
    entries: Sequence[TopicEntry],
    language: str,
    moment: datetime | None = None,
    lead: str | None = None,
) -> Post:
    """One topic post: ``{day}-{name}.md``, or ``{name}.md`` when the topic is rolling."""
    labels = labels_for(language, "topic")
    views = [_paper_view(entry, labels, site.flavor) for entry in entries]
    groups = [
        {"heading": labels["updated"].format(day=group_day), "papers": list(papers)}
        for group_day, papers in groupby(views, key=lambda view: view["day"])
    ]
    notes, lead = _notes(labels, entries), md_inline(lead) if lead else None
    body = render_template(env, "topic.md.j2", t=labels, notes=notes, groups=groups, lead=lead)
    titles = "; ".join(entry.paper.title for entry in entries[:2])
    meta = front_matter(
        site,
        language=language,
        title=feed.title
        if feed.rolling
        else labels["title_daily"].format(title=feed.title, day=day),
        day=day,
        moment=moment,
        tags=feed.tags or [feed.title],
        description=plain(
            labels["description"].format(title=feed.title, day=day, titles=titles), 200
        ),
        keywords=[feed.title, *feed.keywords],
        cover=feed.cover or site.cover,
    )
    if site.flavor == "hexo":  # the Butterfly theme's switches, as in the seed
        meta |= {"toc_number": False, "toc_style_simple": True}
    return make_post(site, topic_name(feed, day), meta, body)


def topic_name(feed: ArxivTopicFeed, day: str) -> str:
    return f"{feed.name}.md" if feed.rolling else f"{day}-{feed.name}.md"


def _notes(labels: dict[str, str], entries: Sequence[TopicEntry]) -> list[str]:
    done = [e.summary for e in entries if e.summary and e.summary.status == "done"]
    by_llm = [s for s in done if s.model != EXTRACTIVE]
    notes = []
    if by_llm:
        counts = Counter(s.source for s in by_llm)
        sources = [
            labels[label].format(count=counts[source])
            for source, label in (("full text", "from_fulltext"), ("abstract", "from_abstract"))
            if counts[source]
        ]
        notes.append(
            labels["disclaimer"].format(
                models=md_inline(", ".join(sorted({s.model for s in by_llm}))),
                sources=labels["sources_joiner"].join(sources),
            )
        )
    if any(s.model == EXTRACTIVE for s in done):
        notes.append(labels["disclaimer_extractive"])
    return notes


def _paper_view(entry: TopicEntry, labels: dict[str, str], flavor: str) -> dict[str, Any]:
    paper = entry.paper
    summary = entry.summary.topic if entry.summary else None
    inline = functools.partial(md_inline, urls=paper_urls(paper))
    pdf = md_url(pdf_url(paper))
    images = [
        {"url": url, "alt": md_alt(figure.get("caption") or paper.title)}
        for figure in entry.figures
        if (url := md_url(figure.get("url")))
    ]
    return {
        "day": paper.day,
        "title": inline(paper.title),
        "authors": author_list(paper.authors, labels),
        "abstract": md_paragraphs(paper.abstract, urls=paper_urls(paper)),
        "pdf": pdf,
        "comment": inline(paper.comment),
        "detail": _detail(summary, entry.summary, paper, labels) if summary else None,
        "tldr": inline(summary.tldr) if summary else None,
        "takeaways": [inline(t) for t in summary.takeaways] if summary else [],
        "images": images,
        "fold_open": lambda label: fold_open(label, flavor),
        "fold_close": fold_close(flavor),
    }


def _detail(
    summary: TopicSummary, record: SummaryRecord, paper: Paper, labels: dict[str, str]
) -> dict[str, Any]:
    """The detailed summary as (label, text) rows; absent sections are simply not there."""
    inline = functools.partial(md_inline, urls=paper_urls(paper))
    links = [("arXiv", md_url(paper.links.abs)), ("PDF", md_url(pdf_url(paper)))]
    links.append((labels["code"], md_url(paper.links.code)))
    links.append((labels["project"], md_url(paper.links.project)))
    if paper.doi:
        links.append(("DOI", md_url(f"https://doi.org/{paper.doi}")))
    rows = [
        (labels["translated_title"], inline(summary.translated_title)),
        (labels["authors"], author_list(paper.authors, labels)),
        (labels["affiliation"], inline(summary.first_author_affiliation)),
        (labels["keywords"], inline(", ".join(summary.keywords))),
        (labels["links"], " · ".join(f"[{name}]({url})" for name, url in links if url)),
        (labels["background"], inline(summary.background)),
        (labels["past_methods"], inline(summary.past_methods)),
        (labels["proposed_method"], inline(summary.proposed_method)),
        (labels["performance"], inline(summary.performance)),
    ]
    conclusion = []
    if summary.conclusion:
        conclusion = [
            (labels["innovation"], inline(summary.conclusion.innovation)),
            (labels["conclusion_performance"], inline(summary.conclusion.performance)),
            (labels["workload"], inline(summary.conclusion.workload)),
        ]
    # Why the abstract stood in (an HTTP error naming a URL, say) is for data/, not the post.
    source = labels["source_fulltext" if record.source == "full text" else "source_abstract"]
    return {
        "rows": [{"label": label, "text": text} for label, text in rows if text],
        "steps": [inline(step) for step in summary.method_steps],
        "conclusion": [{"label": label, "text": text} for label, text in conclusion],
        "source": source,
    }


def pdf_url(paper: Paper) -> str | None:
    """arXiv's PDF of the version summarized. Not ``links.pdf`` alone: a later sighting in
    the HF digest stores its unversioned link, and ``render`` must redo the post as it was."""
    if paper.version:
        return f"https://arxiv.org/pdf/{paper.arxiv_id}v{paper.version}"
    return paper.links.pdf
