"""The roundup post: a week's or a month's best papers, with links to the daily posts they
appeared in. The links go through each blog's own cross-reference (Hugo's ``relref``,
Hexo's ``post_link``), so they follow the blog's permalinks and fail its build if broken."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import jinja2

from paperpress.config import Config, RoundupFeed
from paperpress.escape import md_inline, md_url, plain
from paperpress.models import Post
from paperpress.render.environment import render_template
from paperpress.render.labels import labels as labels_for
from paperpress.render.post import front_matter, make_post, paper_urls

if TYPE_CHECKING:
    from paperpress.feeds.roundup import Pick, Roundup


def post_link(flavor: str, name: str, text: str) -> str:
    """A link to the post in file ``name`` of the same posts folder, as the blog makes it:
    Hugo's ``relref`` inside a Markdown link; Hexo's ``post_link`` tag, which writes the
    whole link (a tag inside a Markdown link's URL is mangled by Hexo's placeholders).
    ``name`` and ``text`` are ours (days, counts and feed names: ``[0-9a-z -]``)."""
    if flavor == "hugo":
        return f'[{text}]({{{{< relref "{name}" >}}}})'
    return "{% post_link " + name.removesuffix(".md") + f" '{text}' %}}"


def render_roundup(
    env: jinja2.Environment,
    config: Config,
    feed: RoundupFeed,
    roundup: Roundup,
    moment: datetime,
    lead: str | None = None,
) -> Post:
    labels = labels_for(config.llm.language, "roundup")
    site, period = config.site, roundup.period
    sources = [display_name(config, name) for name in feed.sources]
    span = labels["span"].format(start=period.start.isoformat(), end=period.end.isoformat())
    context = {
        "t": labels,
        "lead": md_inline(lead) if lead else None,
        "intro": labels["intro"].format(
            span=span,
            sources=md_inline(", ".join(sources)),
            count=roundup.total,
            top=len(roundup.picks),
        ),
        "sources": [md_inline(name) for name in sources],
        "days": _days(roundup, feed, site.flavor),
        "picks": [_pick(pick, roundup, labels, site.flavor) for pick in roundup.picks],
        "themes": [{"word": md_inline(word), "count": n} for word, n in roundup.themes],
    }
    body = render_template(env, "roundup.md.j2", **context)
    titles = "; ".join(pick.record.paper.title for pick in roundup.picks[:3])
    # Updated as of the newest day with papers (its start in UTC: never after the run).
    latest = max((day for day, _ in roundup.counts), default=period.start.isoformat())
    meta = front_matter(
        site,
        language=config.llm.language,
        title=title(labels, feed.period, period.start),
        day=period.start.isoformat(),
        moment=moment,
        updated=datetime.fromisoformat(latest).replace(tzinfo=UTC),
        tags=feed.tags or [labels[f"tag_{feed.period}"]],
        categories=feed.categories,
        description=plain(labels["description"].format(span=span, titles=titles), 200),
        keywords=[word for word, _ in roundup.themes[:8]],
        cover=feed.cover or site.cover,
    )
    return make_post(site, f"{period.label}-{feed.name}.md", meta, body)


def title(labels: dict[str, str], period: str, start) -> str:
    if period == "week":
        year, week, _ = start.isocalendar()
        return labels["title_week"].format(year=year, week=week)
    month_name = calendar.month_name[start.month]
    return labels["title_month"].format(year=start.year, month=start.month, month_name=month_name)


def display_name(config: Config, name: str) -> str:
    """A feed as readers know it: a topic's title, else the feed's name."""
    return getattr(config.feed(name), "title", None) or name


def _days(roundup: Roundup, feed: RoundupFeed, flavor: str) -> list[dict[str, Any]]:
    """One row per day with papers: the count per source, linked to that day's post."""
    days = sorted({day for day, _ in roundup.counts})
    rows = []
    for day in days:
        cells = []
        for name in feed.sources:
            count = roundup.counts.get((day, name), 0)
            post = roundup.posts.get((name, day))
            cells.append(post_link(flavor, post, str(count)) if post and count else str(count))
        rows.append({"day": day, "cells": cells})
    return rows


def _pick(pick: Pick, roundup: Roundup, labels: dict[str, str], flavor: str) -> dict[str, Any]:
    record, paper = pick.record, pick.record.paper
    digest = record.summaries.get("digest")
    topic = record.summaries.get("topic")
    brief = (digest.digest if digest else None) or None
    detail = (topic.topic if topic else None) or None
    tldr = (brief.tldr if brief else None) or (detail.tldr if detail else None)
    scores = []
    if brief:
        for name in ("recommendation", "practicality", "innovation"):
            scores.append(f"{labels[name]} {getattr(brief, name).score:g}/5")
    elif detail and detail.recommendation:
        scores.append(f"{labels['recommendation']} {detail.recommendation.score:g}/5")
    if paper.links.hf:
        scores.append(labels["upvotes"].format(count=paper.upvotes))
    appeared = [
        post_link(flavor, roundup.posts[(name, day)], f"{name} {day}")
        for name, day in pick.appearances
        if (name, day) in roundup.posts
    ]
    links = [("arXiv", md_url(paper.links.abs)), ("PDF", md_url(paper.links.pdf))]
    return {
        "title": md_inline(paper.title, urls=paper_urls(paper)),
        "tldr": md_inline(tldr, urls=paper_urls(paper)) if tldr else labels["no_summary"],
        "scores": " · ".join(scores),
        "links": [{"label": label, "url": url} for label, url in links if url],
        "appeared": appeared,
    }
