"""``paperpress render``: every post written again from ``data/`` alone, after a template
change: no request, no LLM call (a stored lead is reused when its papers are the same)."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import jinja2

from paperpress.config import Config, Feed
from paperpress.feeds import Kind, kind_of
from paperpress.lead import make_lead
from paperpress.pipeline import write_post
from paperpress.render import make_environment
from paperpress.store import Record, Store
from paperpress.usage import Budget, Usage


def render_stored(
    config: Config,
    *,
    feeds: Sequence[Feed],
    day: str | None = None,
    on_post: Callable[[Path, bool], None] = lambda path, changed: None,
    env: jinja2.Environment | None = None,
    now: datetime | None = None,
) -> list[Path]:
    """Re-render posts from ``data/`` alone (after a template change): no network at all."""
    store = Store(config.data_dir)
    listed: dict[str, set[str]] = defaultdict(set)
    groups: dict[tuple[str, str], list[Record]] = defaultdict(list)
    for record in store.all():
        for feed_name, listed_day in record.listings:
            if day is None or listed_day == day:
                listed[feed_name].add(listed_day)
                # The stored paper's day is its latest sighting (maybe in another feed).
                paper = dataclasses.replace(record.paper, day=listed_day)
                groups[(feed_name, listed_day)].append(dataclasses.replace(record, paper=paper))
    env = env or make_environment(config.templates_dir)
    now = now or datetime.now(UTC)
    written: dict[Path, None] = {}
    kinds = [(feed, kind_of(feed, config)) for feed in feeds]
    kinds.sort(key=lambda pair: pair[1].summary is None)  # roundups link to the others' posts
    for feed, kind in kinds:
        for one_day in kind.stored_days(listed):
            post_day, shown = kind.shown(store, one_day, groups.get((feed.name, one_day), []))
            path = config.site.posts_dir / kind.post_name(post_day)
            if path in written:  # a rolling post: one for all its days
                continue
            lead = _stored_lead(store, feed, kind, post_day, shown) if feed.lead else None
            on_post(*write_post(config, env, now, kind, post_day, shown, lead=lead))
            written[path] = None
    return list(written)


def _stored_lead(store: Store, feed: Feed, kind: Kind, day: str, records: list[Record]):
    """The lead stored for these very papers, if any: a re-render makes no call."""
    ordered = kind.ordered(day, records)
    name = kind.post_name(day)
    return make_lead(
        store, None, name, f"{feed.name} {day}", ordered, budget=Budget(), spent=Usage()
    ).text
