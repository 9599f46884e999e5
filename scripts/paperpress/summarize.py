"""Summaries through any OpenAI-compatible API, or the built-in extractive summarizer.

The shell around ``prompts`` (pure: messages, cache keys, reply parsing): ``LLMSummarizer``
(one structured call per paper, through the openai SDK, which already retries 429/5xx/
timeouts with backoff honouring Retry-After) and ``summarize_all`` (bounded concurrency; a
failure makes that one paper pending; the usage the API reports is summed, and a run's
budget stops new calls, see ``usage``).

Structured output is asked for in the strongest form the provider accepts: a JSON schema
response format, then JSON mode, then plain text; replies are read tolerantly (``<think>``
blocks and code fences stripped) and one repair call is made when validation fails.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from pydantic import BaseModel, ValidationError

from paperpress import extractive, guard
from paperpress.config import LLMSettings
from paperpress.errors import (
    LLMUnavailableError,
    SpentSummaryError,
    SummaryError,
    UnfaithfulSummaryError,
)
from paperpress.fulltext import FullText
from paperpress.models import EXTRACTIVE, OPTIONAL_SECTIONS, Paper, SummaryRecord
from paperpress.prompts import Prompt, build_messages, parse_summary, summary_key, with_schema
from paperpress.provider import (
    MODES,
    about_format,
    api_message,
    in_background,
    make_client,
    post_chat,
    read_completion,
    response_format,
    unavailable,
)
from paperpress.text import redact
from paperpress.usage import Budget, Usage

if TYPE_CHECKING:  # the SDK is imported when the first call is made: a cached run needs none
    import openai

log = logging.getLogger(__name__)

OPTIONAL = {"topic": set(OPTIONAL_SECTIONS)}  # sections a topic post may leave out


# --- The shell: LLM calls ---------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    summary: BaseModel
    usage: Usage = field(default_factory=Usage)
    checks: dict | None = None  # the faithfulness guard's findings (guard.record)

    @property
    def tokens(self) -> int:
        return self.usage.total


class Breaker:
    """Shared by a run's LLM summarizers. After the first error that every call would repeat
    (a refused key, an unknown model, an unreachable server), no further call is made: each
    raises that error at once, so a wrong secret costs one failed call, not one per paper."""

    def __init__(self) -> None:
        self.error: LLMUnavailableError | None = None

    def trip(self, error: LLMUnavailableError) -> LLMUnavailableError:
        self.error = self.error or error
        return self.error


class Summarizer(Protocol):
    kind: str
    reads_full_text: bool
    model: str
    language: str
    prompt_hash: str

    async def summarize(
        self, paper: Paper, material: str | None = None, *, faithful: bool = True
    ) -> Outcome: ...

    async def aclose(self) -> None: ...

    def warm_up(self) -> None:
        """Get ready for the first call off the critical path (while the feed is fetched)."""


class LLMSummarizer:
    """One structured chat completion per paper (plus at most one repair call)."""

    def __init__(
        self,
        settings: LLMSettings,
        prompt: Prompt,
        client_factory: Callable[[], openai.AsyncOpenAI] | None = None,
        breaker: Breaker | None = None,
    ) -> None:
        self.client_factory = client_factory or (lambda: make_client(settings))
        self.client: openai.AsyncOpenAI | None = None
        self._warm: Future[openai.AsyncOpenAI] | None = None
        self.breaker = breaker or Breaker()
        self.settings = settings
        self.prompt = prompt
        self.model = settings.model
        self.language = settings.language
        self.prompt_hash = prompt.hash
        self.kind = prompt.kind
        self.reads_full_text = True
        self.mode = MODES[0]

    async def summarize(
        self, paper: Paper, material: str | None = None, *, faithful: bool = True
    ) -> Outcome:
        """The summary and what it cost; a failure raises SpentSummaryError with the cost, or
        LLMUnavailableError (then, and from then on, without a call) when no call can work.
        ``faithful``: check its figures and names against the source (``faithfulness``)."""
        if self.breaker.error:
            raise self.breaker.error
        usage = Usage()
        try:
            messages = build_messages(self.prompt, paper, self.language, material)
            reply, summary = await self._reply(paper, messages, usage)
            if not faithful:
                return Outcome(summary, usage)
            summary, checks = await self._guard(paper, material, messages, reply, summary, usage)
            return Outcome(summary, usage, checks)
        except LLMUnavailableError as exc:
            raise self.breaker.trip(LLMUnavailableError(self._redacted(exc))) from None
        except SummaryError as exc:
            checks = getattr(exc, "checks", None)
            raise SpentSummaryError(self._redacted(exc), usage, checks) from exc

    def _redacted(self, exc: Exception) -> str:
        """The error's text without the key: some providers echo it in their error body."""
        return redact(str(exc), [self.settings.api_key])

    async def _reply(
        self, paper: Paper, messages: list[dict[str, str]], usage: Usage
    ) -> tuple[str, BaseModel]:
        """The reply and its summary, with one repair call when it does not fit the schema."""
        reply = await self._complete(messages, usage)
        try:
            return reply, parse_summary(reply, self.prompt.schema)
        except SummaryError as problem:
            log.info("%s: %s; asking for a repair", paper.arxiv_id, problem)
            asked = [
                *messages,
                {"role": "assistant", "content": reply},
                {
                    "role": "user",
                    "content": f"That reply is not usable: {problem}. "
                    "Answer again with only the corrected JSON object.",
                },
            ]
            reply = await self._complete(asked, usage)
            return reply, parse_summary(reply, self.prompt.schema)

    async def _guard(
        self,
        paper: Paper,
        material: str | None,
        messages: list[dict[str, str]],
        reply: str,
        summary: BaseModel,
        usage: Usage,
    ) -> tuple[BaseModel, dict]:
        """No figure or name the source lacks: one repair call lists the unsupported claims;
        what the repaired reply still has goes with its sentence. A required field left
        empty makes the summary fail (pending, retried next run), visibly, with the record
        of what was found (UnfaithfulSummaryError.checks) for the data file and the counts."""
        source = guard.source_of(paper, material)
        content = summary.model_dump(mode="json")
        found, first = guard.review(content, source)
        if not first:
            return summary, guard.record(found, [], [], [])
        log.info("%s: unsupported claims %s; asking for a repair", paper.arxiv_id, first)
        try:
            answer = await self._complete(guard.repair_messages(messages, reply, first), usage)
            repaired = parse_summary(answer, self.prompt.schema).model_dump(mode="json")
        except SummaryError:
            repaired = content  # no usable repair: the first reply, less what is unsupported
        optional = OPTIONAL.get(self.kind, set())
        cleaned, checks = guard.remove(found, first, repaired, source, optional)
        try:
            return self.prompt.schema.model_validate(cleaned), checks
        except ValidationError as exc:
            raise UnfaithfulSummaryError(guard.left_empty(checks, exc.errors()), checks) from exc

    def warm_up(self) -> None:
        """Import the SDK and make the client in a thread while the feeds are fetched: the
        import alone takes about a second, which the first call would otherwise wait for."""
        if self.client is None and self._warm is None:
            self._warm = in_background(self.client_factory)

    async def aclose(self) -> None:
        """Close the client; the next call opens a new one (in the then current event loop)."""
        if self.client is not None:
            await self.client.close()
            self.client = None

    async def _complete(self, messages: list[dict[str, str]], usage: Usage) -> str:
        """One chat completion (the SDK retries it, ``post_chat``); adds the reported usage
        to ``usage``. A request the API refuses for its format is made again in a weaker
        one (JSON schema, then JSON mode, then plain text), for this and every later call."""
        import openai

        if self.client is None:
            warm, self._warm = self._warm, None
            self.client = warm.result() if warm is not None else self.client_factory()
        while True:
            mode = self.mode
            body = {
                "model": self.settings.model,
                "messages": messages if mode == "json_schema" else with_schema(messages, self.kind),
                "temperature": self.settings.temperature,
                "max_tokens": self.settings.max_output_tokens,
                **response_format(mode, self.kind),
            }
            try:
                data = await post_chat(self.client, body, self.settings)
            except (openai.BadRequestError, openai.UnprocessableEntityError) as exc:
                if fatal := unavailable(exc, self.settings):
                    raise fatal from exc
                if mode == MODES[-1] or not about_format(exc):
                    raise SummaryError(f"the API refused the request: {api_message(exc)}") from exc
                if self.mode == mode:
                    self.mode = MODES[MODES.index(mode) + 1]
                    log.warning(
                        "the API refused response format %s (%s); using %s",
                        mode,
                        api_message(exc),
                        self.mode,
                    )
                continue
            content, reported, cut_off = read_completion(data)
            usage.add(Usage(*reported))
            if cut_off:
                log.info("a reply was cut off at max_tokens (%s)", self.settings.max_output_tokens)
            return content


class ExtractiveSummarizer:
    """The no-key fallback: sentences picked from the abstract, no network, no model."""

    model = EXTRACTIVE
    prompt_hash = extractive.VERSION
    reads_full_text = False

    def __init__(self, language: str, kind: str = "digest") -> None:
        self.language = language
        self.kind = kind

    async def summarize(
        self, paper: Paper, material: str | None = None, *, faithful: bool = True
    ) -> Outcome:
        """Sentences of the abstract: nothing to check (``faithful`` is moot)."""
        if self.kind == "topic":
            return Outcome(extractive.summarize_topic(paper, self.language))
        return Outcome(extractive.summarize(paper, self.language))

    async def aclose(self) -> None:
        return None

    def warm_up(self) -> None:
        return None


# --- Many papers at once ----------------------------------------------------------------


async def _one(
    paper: Paper,
    summarizer: Summarizer,
    material: FullText | None,
    budget: Budget,
    spent: Usage,
    faithful: bool,
) -> SummaryRecord:
    """One paper's summary, or its pending marker; LLMUnavailableError stops the batch."""
    common = {
        "key": summary_key(
            paper,
            model=summarizer.model,
            language=summarizer.language,
            prompt_hash=summarizer.prompt_hash,
            kind=summarizer.kind,
        ),
        "model": summarizer.model,
        "language": summarizer.language,
        "prompt_hash": summarizer.prompt_hash,
        "source": material.source if material else "abstract",
        "source_note": material.reason if material else None,
    }
    try:
        if reason := budget.used_up(spent):
            raise SummaryError(reason)
        text = material.text if material and material.source == "full text" else None
        outcome = await summarizer.summarize(paper, text, faithful=faithful)
    except LLMUnavailableError:
        raise
    except Exception as exc:  # one paper's failure, whatever it is, must not stop the rest
        log.info("%s: summary pending: %s", paper.arxiv_id, exc)  # progress shows it
        usage = getattr(exc, "usage", None) or Usage()
        spent.add(usage)
        checks = getattr(exc, "checks", None)  # what the guard found, if it made the failure
        return SummaryRecord(
            status="pending", error=str(exc), tokens=usage.total, checks=checks, **common
        )
    spent.add(outcome.usage)
    content = outcome.summary.model_dump(mode="json")
    return SummaryRecord(
        status="done", content=content, tokens=outcome.tokens, checks=outcome.checks, **common
    )


@dataclass(frozen=True)
class Batch:
    """What ``summarize_all`` made: a record per paper it got to, and the error that stopped
    it early when the LLM became unavailable (the papers after it have no record)."""

    records: dict[str, SummaryRecord]
    unavailable: LLMUnavailableError | None = None


async def summarize_all(
    papers: Sequence[Paper],
    summarizer: Summarizer,
    *,
    concurrency: int,
    budget: Budget | None = None,
    spent: Usage | None = None,
    materials: Mapping[str, FullText] | None = None,
    on_done: Callable[[Paper, SummaryRecord], None] = lambda paper, record: None,
    faithful: bool = True,
    prepare: Callable[[Paper], Awaitable[FullText | None]] | None = None,
) -> Batch:
    """Summarize ``papers`` with at most ``concurrency`` calls in flight; ``materials`` holds
    the full text (or the abstract, with the reason) per paper id for topic summaries, or
    ``prepare`` makes it: each paper's call starts as soon as its own is ready (a topic's
    PDFs are read one by one while the calls for the ones read already run).
    ``spent`` sums the usage of this call (and, when the caller passes the same one to every
    call, of the whole run, which ``budget`` caps).

    Never raises for one paper: a failure becomes a pending record with its error. An error
    that every call would repeat (LLMUnavailableError) ends the batch instead.
    """
    gate = asyncio.Semaphore(concurrency)
    budget = budget or Budget()
    spent = Usage() if spent is None else spent
    stopped: list[LLMUnavailableError] = []

    async def one(paper: Paper) -> tuple[str, SummaryRecord | None]:
        material = (materials or {}).get(paper.arxiv_id)
        if prepare is not None and not stopped:
            material = await prepare(paper)
        async with gate:
            if stopped:
                return paper.arxiv_id, None
            try:
                record = await _one(paper, summarizer, material, budget, spent, faithful)
            except LLMUnavailableError as exc:
                stopped.append(exc)
                return paper.arxiv_id, None
        on_done(paper, record)
        return paper.arxiv_id, record

    try:
        results = await asyncio.gather(*(one(paper) for paper in papers))
    finally:
        await summarizer.aclose()
    records = {arxiv_id: record for arxiv_id, record in results if record is not None}
    return Batch(records, stopped[0] if stopped else None)
