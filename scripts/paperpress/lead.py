"""The optional lead (``lead: true`` on a feed): one more LLM call per post that writes a
three-sentence overview of its papers from their stored one-line summaries.

It is cached like a summary (``data/leads/<post>.json``), under a key made of the post, the
one-liners it was written from, the model, the language and the prompt: a re-run makes no
call, and a day that grew gets a new lead. A failed call leaves the lead out; nothing is
made up in its place (and the built-in summarizer writes no lead).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from paperpress.errors import LLMUnavailableError
from paperpress.fulltext import FullText
from paperpress.models import Paper
from paperpress.prompts import summary_key
from paperpress.store import Record, Store
from paperpress.summarize import Summarizer, summarize_all
from paperpress.usage import Budget, Usage

log = logging.getLogger(__name__)

MAX_LINES = 30  # the overview is of the top of the post


@dataclass(frozen=True)
class Lead:
    text: str | None  # None: no lead (off, no LLM, or the call failed)
    tokens: int = 0
    unavailable: LLMUnavailableError | None = None  # no call can work: the feed fails


def one_liners(records: Sequence[Record]) -> list[str]:
    """``title: one-line summary`` for each paper that has a finished summary, in order."""
    lines = []
    for record in records[:MAX_LINES]:
        for summary in (record.summaries.get("digest"), record.summaries.get("topic")):
            content = summary.content if summary and summary.status == "done" else None
            if content and content.get("tldr"):
                lines.append(f"- {' '.join(record.paper.title.split())}: {content['tldr']}")
                break
    return lines


def lead_paper(post_name: str, title: str, lines: Sequence[str]) -> Paper:
    """The lead's input as the summarizer takes it: its id names the post and what it was
    written from, so the cache key changes when the post's papers do."""
    digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]
    return Paper(arxiv_id=f"{post_name.removesuffix('.md')}@{digest}", title=title)


def make_lead(
    store: Store,
    summarizer: Summarizer | None,
    post_name: str,
    title: str,
    records: Sequence[Record],
    *,
    budget: Budget,
    spent: Usage,
    dry_run: bool = False,
    faithful: bool = True,
) -> Lead:
    """The post's lead: the stored one if it was written from these papers and is current
    (or no call can be made: no key, a dry run, ``paperpress render``), else one call. A
    failed call keeps a stored lead of the same papers (nothing paid for is thrown away)."""
    lines = one_liners(records)
    if not lines:
        return Lead(None)
    paper = lead_paper(post_name, title, lines)
    cached = store.lead(post_name)
    same_papers = bool(cached and cached.lead and cached.key.split("|", 1)[0] == paper.arxiv_id)
    kept = Lead(cached.lead.overview if same_papers and cached and cached.lead else None)
    if summarizer is None or dry_run:
        return kept
    key = summary_key(
        paper,
        model=summarizer.model,
        language=summarizer.language,
        prompt_hash=summarizer.prompt_hash,
        kind="lead",
    )
    if same_papers and cached and cached.key == key:
        return kept
    batch = asyncio.run(
        summarize_all(
            [paper],
            summarizer,
            concurrency=1,
            budget=budget,
            spent=spent,
            materials={paper.arxiv_id: _material(paper, lines)},
            faithful=faithful,
        )
    )
    made = batch.records.get(paper.arxiv_id)
    if made is None or made.lead is None:
        if batch.unavailable is None:
            log.info("%s: no new lead: %s", post_name, made.error if made else "no reply")
        return Lead(kept.text, made.tokens if made else 0, batch.unavailable)
    store.put_lead(post_name, made)
    return Lead(made.lead.overview, made.tokens)


def _material(paper: Paper, lines: Sequence[str]) -> FullText:
    # "full text": the summarizer hands it to the prompt as its material.
    return FullText("full text", "\n".join(lines))
