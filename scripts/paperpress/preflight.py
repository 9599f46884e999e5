"""Checks made before a run fetches or spends anything.

Every template a run will use is rendered once against a sample paper (a post with one
finished and one pending summary, with and without a lead, and the prompts), so a typo in
a template is one line naming its file and line, and costs no request and no token.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import jinja2

from paperpress.config import Config, Feed
from paperpress.feeds import kind_of
from paperpress.models import Links, Paper, SummaryRecord
from paperpress.prompts import build_messages, load_prompt
from paperpress.render import make_environment, template_error
from paperpress.store import Record

SAMPLE_DAY = "2025-01-06"

SAMPLE = Paper(
    arxiv_id="2501.00001",
    version=2,
    title="A Sample Paper on $\\alpha$-Diffusion",
    authors=tuple(f"Author {n}" for n in range(1, 13)),
    abstract="We propose a method. It works well.\n\nA second paragraph.",
    day=SAMPLE_DAY,
    feed="sample",
    published="2025-01-03T18:00:00Z",
    links=Links(
        abs="https://arxiv.org/abs/2501.00001",
        pdf="https://arxiv.org/pdf/2501.00001v2",
        hf="https://huggingface.co/papers/2501.00001",
        code="https://github.com/example/sample",
        project="https://example.github.io/sample/",
    ),
    upvotes=12,
    github_stars=34,
    thumbnail="https://example.org/sample.png",
    comment="10 pages, 3 figures",
    categories=("cs.CV", "cs.LG"),
    doi="10.1000/sample",
    organization="Example Lab",
    ai_summary="A sample.",
    ai_keywords=("diffusion", "sampling"),
)

_SCORE = {"score": 4, "reason": "a reason"}
_DIGEST = {
    "tldr": "One sentence.",
    "main_work": "What the paper does.",
    "highlights": ["First point.", "Second point."],
    "keywords": [{"term": "diffusion", "translation": "扩散"}, "sampling", "score"],
    "practicality": _SCORE,
    "innovation": _SCORE,
    "recommendation": _SCORE,
}
_TOPIC = {
    "tldr": "One sentence.",
    "takeaways": ["One.", "Two.", "Three."],
    "translated_title": "样例论文",
    "first_author_affiliation": "Example University",
    "keywords": ["diffusion", "sampling", "score"],
    "background": "Background.",
    "past_methods": "Earlier work.",
    "proposed_method": "The method.",
    "performance": "Results.",
    "method_steps": ["Step one.", "Step two."],
    "conclusion": {"innovation": "New.", "performance": "Good.", "workload": "Much."},
}
SAMPLE_SUMMARIES = {"digest": _DIGEST, "topic": _TOPIC}  # valid LLM replies, as data
SAMPLE_LEAD = "A sample overview. It has three sentences. This is the third."


def _record(status: str, content: dict | None, source: str = "abstract") -> SummaryRecord:
    return SummaryRecord(
        status=status,  # type: ignore[arg-type]
        key="sample",
        model="sample-model",
        language="en",
        prompt_hash="sample",
        source=source,
        content=content,
        error=None if content else "sample error",
    )


def check_templates(
    config: Config, feeds: Sequence[Feed], env: jinja2.Environment | None = None
) -> None:
    """Render what ``feeds`` will render, on the sample paper; raise ConfigError (file, line,
    problem) for the first template that fails."""
    env = env or make_environment(config.templates_dir)
    moment = datetime(2025, 1, 6, tzinfo=UTC)
    pending = Paper(arxiv_id="2501.00002", title="A pending paper", day=SAMPLE_DAY)
    figures = ({"url": "https://arxiv.org/html/2501.00001v2/x1.png", "caption": "Figure 1"},)
    listings = tuple((feed.name, SAMPLE_DAY) for feed in config.feeds)
    checked: set[type] = set()
    for feed in feeds:
        kind = kind_of(feed, config)
        if type(kind) in checked:
            continue
        checked.add(type(kind))
        summaries = [kind.summary] if kind.summary else list(SAMPLE_SUMMARIES)
        done = {name: _record("done", SAMPLE_SUMMARIES[name], "full text") for name in summaries}
        records = [Record(SAMPLE, listings, done, figures), Record(pending, listings)]
        for lead in (None, SAMPLE_LEAD):  # both branches of a template's `if lead`
            kind.render(env, SAMPLE_DAY, records, moment, lead)
        if kind.summary:
            _check_prompt(env, kind.summary, config.llm.language)
    if any(feed.lead for feed in feeds):
        _check_prompt(env, "lead", config.llm.language)


def _check_prompt(env: jinja2.Environment, kind: str, language: str) -> None:
    try:
        build_messages(load_prompt(env, kind), SAMPLE, language, material="Full text.")
    except jinja2.TemplateError as exc:
        raise template_error(exc, env) from None
