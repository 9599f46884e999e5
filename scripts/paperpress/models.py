"""Plain values passed between the stages of a run.

Internal values are frozen dataclasses; pydantic sits only at the untrusted edges
(the config file and LLM replies, see ``config`` and ``summarize``).
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from paperpress.text import cut, error_text, one_line, strip_controls


@dataclass(frozen=True)
class Links:
    abs: str | None = None
    pdf: str | None = None
    hf: str | None = None
    code: str | None = None
    project: str | None = None


@dataclass(frozen=True)
class Paper:
    """One paper as every source normalizes it. ``arxiv_id`` is the base id, no version."""

    arxiv_id: str
    title: str
    authors: tuple[str, ...] = ()
    abstract: str = ""
    day: str = ""  # ISO date the paper belongs to in its feed (HF: submittedOnDailyAt, UTC)
    feed: str = ""
    version: int | None = None
    published: str | None = None  # first-version submission time, ISO 8601
    updated: str | None = None  # this version's submission time (arXiv)
    links: Links = field(default_factory=Links)
    upvotes: int = 0
    github_stars: int | None = None
    thumbnail: str | None = None
    comment: str | None = None
    categories: tuple[str, ...] = ()  # the primary category first
    doi: str | None = None
    journal_ref: str | None = None
    organization: str | None = None
    ai_summary: str | None = None
    ai_keywords: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Every source builds its papers here and the store reads them back here: whatever
        # a field, no control or bidirectional character (text.strip_controls) stays in it,
        # and no line break but the abstract's paragraphs.
        for f in _PAPER_FIELDS:
            value = getattr(self, f.name)
            object.__setattr__(self, f.name, _cleaned(value, paragraphs=f.name == "abstract"))

    def to_dict(self) -> dict[str, Any]:
        """As JSON-ready values (``dataclasses.asdict`` without its deep copies: the values
        are strings, numbers and tuples of strings already)."""
        values = {f.name: getattr(self, f.name) for f in _PAPER_FIELDS}
        values["links"] = {f.name: getattr(self.links, f.name) for f in _LINK_FIELDS}
        return values

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Paper:
        names = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        values["links"] = Links(**(values.get("links") or {}))
        for key in ("authors", "categories", "ai_keywords"):
            values[key] = tuple(values.get(key) or ())
        return cls(**values)


def _cleaned(value: Any, *, paragraphs: bool = False) -> Any:
    """A Paper field's value with its text cleaned: strings, tuples of them and Links."""
    if isinstance(value, str):
        return strip_controls(value) if paragraphs else one_line(value)
    if isinstance(value, tuple):
        return tuple(_cleaned(item) for item in value)
    if isinstance(value, Links):
        return Links(*(_cleaned(getattr(value, f.name)) for f in _LINK_FIELDS))
    return value


# --- The LLM's answer: validated, because it comes from outside. -----------------------


def _bounded(most: int) -> Any:
    """A string of at most ``most`` characters, in the schema the provider sees and in
    validation; a longer one is cut at a sentence end (text.cut), not refused. Control and
    bidirectional characters go before it is stored (text.strip_controls)."""
    return Annotated[
        str,
        BeforeValidator(_clean(most)),
        Field(max_length=most),
    ]


def _clean(most: int) -> Any:
    def clean(value: Any) -> Any:
        return cut(strip_controls(value), most) if isinstance(value, str) else value

    return clean


Phrase = _bounded(80)  # a keyword
Line = _bounded(400)  # one sentence: a TL;DR, a highlight, a takeaway, a reason
Paragraph = _bounded(1500)  # a few sentences: the main work, a conclusion's part
Passage = _bounded(2500)  # a topic post's section


class Keyword(BaseModel):
    model_config = ConfigDict(extra="ignore")

    term: Phrase = Field(min_length=1, description="the term in English, as used in the paper")
    translation: Phrase = Field(min_length=1, description="the same term in the output language")

    @model_validator(mode="before")
    @classmethod
    def _from_pair(cls, value: Any) -> Any:
        """Models often answer ``"term"`` or ``["term", "translation"]``; accept both."""
        if isinstance(value, str):
            return {"term": value, "translation": value}
        if isinstance(value, list | tuple) and len(value) == 2:
            return {"term": value[0], "translation": value[1]}
        return value


class Score(BaseModel):
    model_config = ConfigDict(extra="ignore")

    score: float = Field(ge=1, le=5, description="1 to 5, half points allowed")
    reason: Line = Field(min_length=1, description="one line")

    @field_validator("score")
    @classmethod
    def _half_points(cls, value: float) -> float:
        return round(value * 2) / 2


class DigestSummary(BaseModel):
    """What one LLM call returns for a digest entry."""

    model_config = ConfigDict(extra="ignore")

    tldr: Line = Field(min_length=1, description="one sentence")
    main_work: Paragraph = Field(min_length=1, description="what the paper does, 2-4 sentences")
    highlights: list[Line] = Field(min_length=2, max_length=5)
    keywords: list[Keyword] = Field(min_length=3, max_length=6)
    practicality: Score
    innovation: Score
    recommendation: Score

    @model_validator(mode="before")
    @classmethod
    def _trim_extras(cls, value: Any) -> Any:
        """Too many highlights or keywords is not worth a retry: keep the first ones."""
        if isinstance(value, dict):
            value = dict(value)
            for name, most in (("highlights", 5), ("keywords", 6)):
                if isinstance(value.get(name), list):
                    value[name] = value[name][:most]
        return value


class Conclusion(BaseModel):
    model_config = ConfigDict(extra="ignore")

    innovation: Paragraph = Field(min_length=1)
    performance: Paragraph = Field(min_length=1)
    workload: Paragraph = Field(min_length=1)


class TopicSummary(BaseModel):
    """What one LLM call returns for a topic post: the digest's one-liner and takeaways plus
    a structured summary of the full text. A section the text does not support is null, and
    ``omitted`` says why; the post leaves it out rather than printing an error."""

    model_config = ConfigDict(extra="ignore")

    tldr: Line = Field(min_length=1, description="one sentence")
    takeaways: list[Line] = Field(min_length=3, max_length=8)
    translated_title: Line = Field(min_length=1, description="the title in the output language")
    first_author_affiliation: Line | None = None
    keywords: list[Phrase] = Field(min_length=3, max_length=8)
    background: Passage | None = None
    past_methods: Passage | None = Field(None, description="earlier approaches and their problems")
    proposed_method: Passage | None = None
    performance: Passage | None = Field(
        None, description="tasks, results, and whether they support the goals"
    )
    method_steps: list[Line] = Field(default_factory=list, max_length=10)
    conclusion: Conclusion | None = None
    recommendation: Score | None = None  # how worth reading: ranks roundups
    omitted: dict[str, Line] = Field(
        default_factory=dict, description="section name -> why it could not be written"
    )

    @model_validator(mode="before")
    @classmethod
    def _trim_extras(cls, value: Any) -> Any:
        if isinstance(value, dict):
            value = dict(value)
            for name, most in (("takeaways", 8), ("keywords", 8), ("method_steps", 10)):
                if isinstance(value.get(name), list):
                    value[name] = value[name][:most]
        return value

    @field_validator("omitted", mode="before")
    @classmethod
    def _known_sections(cls, value: Any) -> Any:
        """Reasons for the sections a post may leave out, no other key: a reply's keys are
        free text (5,000 of them made a 2 MB data file)."""
        if isinstance(value, dict):
            return {name: why for name, why in value.items() if name in OPTIONAL_SECTIONS}
        return value

    @model_validator(mode="after")
    def _every_gap_has_a_reason(self) -> TopicSummary:
        """A section left out of the post always says why in the data file."""
        for name in OPTIONAL_SECTIONS:
            if not getattr(self, name) and name not in self.omitted:
                self.omitted[name] = "the model gave no content for it"
        return self


OPTIONAL_SECTIONS = (
    "first_author_affiliation", "background", "past_methods", "proposed_method",
    "performance", "method_steps", "conclusion",
)  # fmt: skip


class LeadSummary(BaseModel):
    """What the optional lead call returns: an overview of a post's papers."""

    model_config = ConfigDict(extra="ignore")

    overview: Paragraph = Field(min_length=1, description="three sentences on the post's papers")


SCHEMAS: dict[str, type[BaseModel]] = {
    "digest": DigestSummary,
    "topic": TopicSummary,
    "lead": LeadSummary,
}

SummaryStatus = Literal["done", "pending"]
EXTRACTIVE = "extractive"  # the model name of the built-in summarizer
# Worst to best: a pending marker, the built-in summarizer's, an LLM's from the abstract that
# stood in for a full text it could not read (``source_note`` says why), an LLM's.
RANKS = {"pending": 0, "extractive": 1, "stand-in": 2, "llm": 3}


@dataclass(frozen=True)
class SummaryRecord:
    """A summary with what made it, or a pending marker with the error that stopped it.

    ``key`` identifies what the summary was made from (paper version, model, language,
    prompt hash, mode); a record whose key differs from the current one is stale.
    """

    status: SummaryStatus
    key: str
    model: str
    language: str
    prompt_hash: str
    source: str = "abstract"  # what the model read: "abstract" or "full text"
    source_note: str | None = None  # why the abstract stood in for the full text
    content: dict[str, Any] | None = None
    tokens: int = 0
    error: str | None = None
    checks: dict[str, Any] | None = None  # the faithfulness guard's claims and verdicts

    def __post_init__(self) -> None:
        # An error (and why the abstract stood in) may quote an error body or a reply: one
        # line without controls or "::", of a few hundred characters, in the data file too.
        for name in ("error", "source_note"):
            if (text := getattr(self, name)) is not None:
                object.__setattr__(self, name, error_text(text) or "(no text)")

    @property
    def rank(self) -> int:
        """How good a summary this is (``RANKS``). A new summary never replaces a better one
        (see ``preferred``): an LLM's summary of the full text is not undone by one made
        from the abstract because the PDF could not be read this time."""
        if self.status != "done":
            return RANKS["pending"]
        if self.model == EXTRACTIVE:
            return RANKS["extractive"]
        return RANKS["stand-in"] if self.source_note else RANKS["llm"]

    @functools.cached_property  # validated once: a post reads it several times
    def digest(self) -> DigestSummary | None:
        if self.status != "done" or self.content is None:
            return None
        return DigestSummary.model_validate(self.content)

    @functools.cached_property
    def lead(self) -> LeadSummary | None:
        if self.status != "done" or self.content is None:
            return None
        return LeadSummary.model_validate(self.content)

    @functools.cached_property
    def topic(self) -> TopicSummary | None:
        if self.status != "done" or self.content is None:
            return None
        return TopicSummary.model_validate(self.content)

    def to_dict(self) -> dict[str, Any]:
        """As JSON-ready values; ``content`` and ``checks`` are JSON already (not copied)."""
        return {f.name: getattr(self, f.name) for f in _SUMMARY_FIELDS}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SummaryRecord:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


_PAPER_FIELDS = dataclasses.fields(Paper)
_LINK_FIELDS = dataclasses.fields(Links)
_SUMMARY_FIELDS = dataclasses.fields(SummaryRecord)


def preferred(stored: SummaryRecord | None, new: SummaryRecord) -> SummaryRecord:
    """The summary to keep: ``new`` unless ``stored`` is better. A failed call never undoes a
    finished summary, and the built-in summarizer never replaces an LLM's (nothing paid for
    is thrown away by a re-run without a key, or by a ``--force`` that fails)."""
    return stored if stored is not None and stored.rank > new.rank else new


@dataclass(frozen=True)
class Post:
    """A rendered post: where it goes (relative to the posts folder) and what it says."""

    path: str
    front_matter: dict[str, Any]
    body: str
    text: str  # the whole file: front matter and body, as it will be written
