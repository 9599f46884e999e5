"""What `make bench` times of the faithfulness check (issue 13: under 5 ms per paper), in
its own process: the claims of a summary looked up in its source, the source indexed too.

Two cases: the digest's (each bench paper's built-in summary against its title and
abstract, where every claim is supported) and the realistic worst case, a topic's: a
full text as long as a topic reads (``fulltext_budget_tokens``, 6,000 tokens, about
24,000 characters) and a summary with unsupported claims of each kind, the ones that
make the check look at every index it has.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from devtools.recordings import RECORDINGS, SEARCH
from paperpress import extractive, faithfulness, guard
from paperpress.models import Paper
from paperpress.sources import arxiv
from paperpress.sources.hf import parse_daily_papers

FULL_TEXT_CHARS = 24_000
PLANTED = (  # a percentage, a multiplier, a count, a size, a duration, made-up names
    "It gains 37.4% over FooBench-XL and runs 4.2x faster on 4,096 GPUs. "
    "The QRT head (3.7B parameters, 7×7 kernels) trains in 41 hours, ahead of GPT-5o."
)


def digest_cases(day: list[dict[str, Any]], language: str) -> list[tuple[Paper, dict, None]]:
    """Each paper of the bench day with its built-in summary, checked against its abstract."""
    papers = parse_daily_papers(day, day="2025-11-11", feed="bench").papers
    return [(p, extractive.summarize(p, language).model_dump(mode="json"), None) for p in papers]


def topic_cases(day: list[dict[str, Any]], language: str) -> list[tuple[Paper, dict, str]]:
    """Each paper of the recorded arXiv topic with a full text of ``FULL_TEXT_CHARS`` (its
    abstract, then the day's recorded abstracts) and its topic summary, ``PLANTED`` in
    three of its fields."""
    abstracts = [p.abstract for p in parse_daily_papers(day, day="2025-11-11", feed="b").papers]
    papers = arxiv.parse_api((RECORDINGS / SEARCH).read_bytes()).papers
    cases = []
    for number, paper in enumerate(papers):
        text = [paper.abstract]
        while sum(map(len, text)) < FULL_TEXT_CHARS:
            text.append(abstracts[(number + len(text)) % len(abstracts)])
        content = extractive.summarize_topic(paper, language).model_dump(mode="json")
        for field in ("tldr", "performance"):
            content[field] = f"{content.get(field) or ''} {PLANTED}".strip()
        content["takeaways"] = [*content["takeaways"][:-1], PLANTED]
        cases.append((paper, content, "\n\n".join(text)[:FULL_TEXT_CHARS]))
    return cases


def milliseconds_per_paper(cases: Sequence[tuple[Paper, dict, str | None]], rounds: int = 5):
    """CPU milliseconds per paper for the check of ``cases`` (the best of ``rounds``, as
    other processes share the machine), and the claims found and unsupported per paper."""
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for paper, content, material in cases:
            faithfulness.unsupported(content, guard.source_of(paper, material))
        best = min(best, (time.process_time() - start) * 1000 / max(1, len(cases)))
    found = sum(len(faithfulness.claims(content)) for _, content, _ in cases)
    bad = sum(
        len(faithfulness.unsupported(content, guard.source_of(paper, material)))
        for paper, content, material in cases
    )
    return best, found / max(1, len(cases)), bad / max(1, len(cases))
