"""The built-in summarizer used when no LLM is configured: no network, no model download.

It fills the same schema as the LLM from the abstract alone, by picking sentences. The
scores are heuristics from public signals (code released, upvotes, claims in the abstract),
and their reasons say so.
"""

from __future__ import annotations

import re

from paperpress.models import DigestSummary, Keyword, Paper, Score, TopicSummary
from paperpress.text import one_line

VERSION = "extractive-1"

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])")
_CONTRIBUTION = re.compile(
    r"\b(we (propose|present|introduce|develop|design|build|release|study|show)"
    r"|this (paper|work))\b",
    re.IGNORECASE,
)
_RESULT = re.compile(
    r"\b(outperform\w*|state-of-the-art|SOTA|improv\w+|achiev\w+|surpass\w*|\d+(\.\d+)?\s*(%|x|×))",
    re.IGNORECASE,
)
_ACRONYM = re.compile(r"(?<![\w-])[A-Z][\w-]*[A-Z][\w-]*(?![\w-])")
_CONNECTIVE = re.compile(
    r"^(therefore|thus|hence|however|furthermore|moreover|additionally|finally|here|specifically"
    r"|to (address|tackle|overcome|solve|bridge) (this|these|the)( \w+)?|in this (paper|work))"
    r",\s+",
    re.IGNORECASE,
)
_NOVELTY = re.compile(r"\b(first|novel|new|introduce\w*)\b", re.IGNORECASE)

_REASONS = {
    "zh": {
        "code": "已公开代码或项目主页，便于复现和使用（启发式估计）",
        "no_code": "摘要未提及公开代码（启发式估计）",
        "novel": "摘要声称提出了新的方法或首个工作（启发式估计）",
        "ordinary": "摘要中未见明确的新颖性声明（启发式估计）",
        "votes": "Hugging Face 上获得 {votes} 个赞（启发式估计）",
    },
    "en": {
        "code": "code or a project page is public (heuristic)",
        "no_code": "no public code is mentioned (heuristic)",
        "novel": "the abstract claims a new method or a first (heuristic)",
        "ordinary": "the abstract makes no clear novelty claim (heuristic)",
        "votes": "{votes} upvotes on Hugging Face (heuristic)",
    },
}


def sentences(text: str) -> list[str]:
    return [s for s in (one_line(part) for part in _SENTENCE.split(one_line(text))) if s]


def summarize(paper: Paper, language: str) -> DigestSummary:
    found = sentences(paper.abstract) or [paper.title]
    contribution = [s for s in found if _CONTRIBUTION.search(s)]
    results = [s for s in found if _RESULT.search(s) and s not in contribution]
    main = [_without_connective(s) for s in contribution[:2] or found[:2]]
    # After the contribution sentence come method and results; before it, background.
    start = found.index((contribution[:1] or found[:1])[0])
    highlights = _distinct(
        [*contribution[2:], *results, *found[start + 1 :], *found[:start]], exclude=main
    )[:4]
    while len(highlights) < 2:  # very short abstracts: fall back on the title and tl;dr
        highlights.append(paper.title if not highlights else found[0])
    reasons = _REASONS.get(language, _REASONS["en"])
    has_code = bool(paper.links.code or paper.links.project)
    novel = bool(_NOVELTY.search(paper.abstract))
    return DigestSummary(
        tldr=paper.ai_summary or main[0],
        main_work=" ".join(main),
        highlights=highlights,
        keywords=[Keyword(term=term, translation=term) for term in keywords(paper)],
        practicality=Score(
            score=4 if has_code else 3, reason=reasons["code" if has_code else "no_code"]
        ),
        innovation=Score(
            score=3.5 if novel else 3, reason=reasons["novel" if novel else "ordinary"]
        ),
        recommendation=Score(
            score=_votes_score(paper.upvotes), reason=reasons["votes"].format(votes=paper.upvotes)
        ),
    )


_ABSTRACT_ONLY = {
    "zh": "内置摘要器只读论文摘要，无法给出这一部分",
    "en": "the built-in summarizer reads only the abstract",
}


def summarize_topic(paper: Paper, language: str) -> TopicSummary:
    """The topic schema from the abstract: what the abstract can support, the rest omitted."""
    found = sentences(paper.abstract) or [paper.title]
    digest = summarize(paper, language)
    contribution = [s for s in found if _CONTRIBUTION.search(s)]
    start = found.index(contribution[0]) if contribution else 0
    background = found[:start]
    results = [s for s in found[start:] if _RESULT.search(s)]
    takeaways = _distinct([digest.main_work, *digest.highlights, *found], exclude=[])[:5]
    reason = _ABSTRACT_ONLY.get(language, _ABSTRACT_ONLY["en"])
    return TopicSummary(
        tldr=digest.tldr,
        takeaways=takeaways
        if len(takeaways) >= 3
        else [*takeaways, paper.title, paper.arxiv_id][:3],
        translated_title=paper.title,
        keywords=[k.term for k in digest.keywords] + ["arXiv"] * max(0, 3 - len(digest.keywords)),
        background=" ".join(background) or None,
        proposed_method=" ".join(contribution[:2]) or None,
        performance=" ".join(results[:2]) or None,
        recommendation=digest.recommendation,
        omitted={
            name: reason
            for name in ("first_author_affiliation", "past_methods", "method_steps", "conclusion")
        },
    )


def keywords(paper: Paper) -> list[str]:
    """HF's ai_keywords when present, else acronyms and names from the title and abstract."""
    found = list(paper.ai_keywords)
    found += _ACRONYM.findall(paper.title) + _ACRONYM.findall(paper.abstract)
    unique = _distinct([one_line(k) for k in found if len(one_line(k)) > 1], exclude=[])
    if len(unique) < 3:  # few names to go on: fall back on the title's longer words
        words = [w.strip(",.:;()") for w in paper.title.split() if len(w) > 6]
        unique = _distinct([*unique, *words], exclude=[])
    return ([*unique, "arXiv", paper.arxiv_id, "paper"])[: max(3, min(6, len(unique)))]


def _without_connective(sentence: str) -> str:
    """ "Therefore, we introduce X" reads badly on its own: "We introduce X"."""
    rest = _CONNECTIVE.sub("", sentence, count=1)
    return rest[:1].upper() + rest[1:] if rest != sentence else sentence


def _votes_score(upvotes: int) -> float:
    for threshold, score in ((100, 5.0), (50, 4.5), (20, 4.0), (10, 3.5), (3, 3.0)):
        if upvotes >= threshold:
            return score
    return 2.5


def _distinct(items: list[str], *, exclude: list[str]) -> list[str]:
    seen = {item.casefold() for item in exclude}
    out = []
    for item in items:
        if item.casefold() not in seen:
            seen.add(item.casefold())
            out.append(item)
    return out
