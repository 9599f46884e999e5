"""Feed kinds: one module per kind of feed, each a class implementing ``Kind``.

Every feed runs down the same straight line (``pipeline.run_feed``): its kind selects the
day's papers, enriches the ones about to be summarized, says which papers its post shows
under which day, and renders that post. Each step returns values.

    feeds.digest   kind: hf_daily      the Hugging Face daily digest
    feeds.topic    kind: arxiv_topic   arXiv papers on a topic, a post a day or one rolling
    feeds.roundup  kind: roundup       a week's or a month's best, from what the others stored

To add a kind: its config model in ``config/models.py`` (its ``kind`` literal names it, and
``FEED_KINDS`` lists it), a module here with a class implementing ``Kind`` and its line in
``KINDS``, its labels in ``render/labels.py``, and its rough cost in ``dates.py`` (the
stdlib-only estimate of a manual range). ``tests/test_layout.py`` checks the three lists agree.
"""

from __future__ import annotations

from paperpress.config import Config, Feed
from paperpress.feeds.base import Enrichment, ImageBudget, Kind, Selection, Sources
from paperpress.feeds.digest import Digest
from paperpress.feeds.roundup import RoundupKind
from paperpress.feeds.topic import Topic

KINDS = {"hf_daily": Digest, "arxiv_topic": Topic, "roundup": RoundupKind}


def kind_of(feed: Feed, config: Config) -> Kind:
    """The kind that runs ``feed``."""
    return KINDS[feed.kind](feed, config)  # type: ignore[arg-type]


__all__ = ["KINDS", "Enrichment", "ImageBudget", "Kind", "Selection", "Sources", "kind_of"]
