"""The OpenAI-compatible provider: its client, the response formats it is asked for (a JSON
schema, then JSON mode, then plain text), and which of its errors no retry and no next run
can heal, with what the user must fix for each (a refused key, a key without access, a
model it does not serve, an account out of quota, a base URL nobody answers on). The
summarizer stops calling after the first of those."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, TypeVar

import httpx2

from paperpress import USER_AGENT, net
from paperpress.config import LLMSettings
from paperpress.errors import LLMUnavailableError, SummaryError
from paperpress.prompts import schema_json

if TYPE_CHECKING:
    import openai

MODES = ("json_schema", "json_object", "text")
T = TypeVar("T")

_MODEL_MISSING = re.compile(
    r"model.{0,40}(not (be )?found|not exist|does not exist|unknown|invalid|not available)"
    r"|(unknown|invalid|no such) model",
    re.I,
)


def unavailable(exc: Exception, settings: LLMSettings) -> LLMUnavailableError | None:
    """The error as one that every later call would repeat, with what to fix; None for an
    error of this one call (a 429, a 5xx, a timeout, a reply cut short ...)."""
    import openai

    where = settings.base_url or "https://api.openai.com/v1"
    key, model = settings.api_key_env, settings.model
    detail = _detail(exc)
    if isinstance(exc, openai.AuthenticationError):
        return LLMUnavailableError(
            f"the LLM API at {where} refused the key in {key} (HTTP 401: {detail}); set the "
            f"secret {key} to a valid key for this provider"
        )
    if isinstance(exc, openai.PermissionDeniedError):
        return LLMUnavailableError(
            f"the key in {key} may not use {model!r} at {where} (HTTP 403: {detail}); give the "
            f"key access to the model, or set the variable PAPERPRESS_MODEL to one it may use"
        )
    model_missing = isinstance(exc, openai.BadRequestError) and _MODEL_MISSING.search(detail)
    if isinstance(exc, openai.NotFoundError) or model_missing:
        status = getattr(exc, "status_code", "")
        return LLMUnavailableError(
            f"the LLM API at {where} has no model {model!r} (HTTP {status}: {detail}); set the "
            "variable PAPERPRESS_MODEL (or llm.model) to a model it serves, and check "
            "OPENAI_BASE_URL (an OpenAI-compatible base URL usually ends in /v1)"
        )
    if (
        isinstance(exc, openai.RateLimitError)
        and getattr(exc, "code", None) == "insufficient_quota"
    ):
        return LLMUnavailableError(
            f"the account of the key in {key} has no quota left at {where} (HTTP 429 "
            f"insufficient_quota); add credit with the provider, or set {key} to another key"
        )
    cause = exc.__cause__
    if isinstance(exc, openai.APIConnectionError) and isinstance(cause, httpx2.ConnectError):
        return LLMUnavailableError(
            f"cannot connect to the LLM API at {where} ({cause.__class__.__name__}: {cause}); "
            "check the variable OPENAI_BASE_URL (or llm.base_url)"
        )
    return None


def _detail(exc: Exception) -> str:
    """The provider's own message (OpenAI's ``error.message``), else the exception's text."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        message = inner.get("message") if isinstance(inner, dict) else None
        if isinstance(message, str) and message.strip():
            return " ".join(message.split())[:200]
    return " ".join(str(exc).split())[:200]


DEADLINE_FACTOR = 2  # a whole answer within twice llm.timeout: see make_client


def make_client(settings: LLMSettings) -> openai.AsyncOpenAI:
    """The SDK client; it retries 429, 5xx and timeouts itself, honouring Retry-After.

    ``llm.timeout`` bounds each wait for the server (a model may think that long before its
    first byte); a server that drips its answer never trips it, so each try must also end
    within DEADLINE_FACTOR times it, and its answer fit in net.MAX_REPLY_BYTES
    (net.LimitedAsyncClient)."""
    import openai

    http = net.LimitedAsyncClient(
        deadline=settings.timeout * DEADLINE_FACTOR,
        timeout=settings.timeout,
        limits=openai.DEFAULT_CONNECTION_LIMITS,
        follow_redirects=True,
    )
    return openai.AsyncOpenAI(
        api_key=settings.api_key or "not-needed",  # local servers (Ollama, vLLM) take any key
        base_url=settings.base_url,
        timeout=settings.timeout,
        max_retries=settings.max_retries,
        default_headers={"User-Agent": USER_AGENT},
        http_client=http,
    )


async def post_chat(client: openai.AsyncOpenAI, body: dict[str, Any], settings: LLMSettings) -> Any:
    """One chat completion's JSON, sent through the SDK's plain ``post`` (its documented
    way to custom requests): it keeps the SDK's auth, retries and errors, but not its
    per-call walk over the request (the schema is large) and its typed reply, which cost
    more than everything else. A 400 or 422 comes out as the SDK raised it (the caller may
    try a weaker response format); any other failure as ``unavailable`` says, else as a
    SummaryError (the paper is pending)."""
    import openai

    try:
        reply = await client.post("/chat/completions", cast_to=httpx2.Response, body=body)
        return reply.json()
    except (openai.BadRequestError, openai.UnprocessableEntityError):
        raise
    except openai.OpenAIError as exc:
        raise unavailable(exc, settings) or SummaryError(api_message(exc)) from exc
    except net.TooLarge as exc:
        raise SummaryError(f"the API's answer is {exc}") from exc
    except (ValueError, RecursionError) as exc:  # RecursionError: JSON nested too deep
        raise SummaryError(f"the API answered with a body that is not JSON: {exc}") from exc


def response_format(mode: str, kind: str) -> dict[str, Any]:
    if mode == "json_schema":
        schema = json.loads(schema_json(kind))  # a fresh copy: the SDK may change it
        return {
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "paper_summary", "schema": schema, "strict": False},
            }
        }
    if mode == "json_object":
        return {"response_format": {"type": "json_object"}}
    return {}


_FORMAT_WORDS = re.compile(
    r"response.?format|json|schema|structured|not supported|unsupported", re.I
)


def about_format(exc: openai.APIStatusError) -> bool:
    """Whether a 400/422 refuses the response format (then a weaker one is worth trying),
    rather than this one request (too long, say), which a weaker format would not mend."""
    return bool(_FORMAT_WORDS.search(str(exc)))


def api_message(exc: openai.OpenAIError) -> str:
    """The error on one line, with its cause when the SDK's own words say little ("Request
    timed out." because no whole answer came in the deadline)."""
    status = getattr(exc, "status_code", None)
    name = exc.__class__.__name__
    text = str(exc).replace("\n", " ")[:300]
    cause = str(exc.__cause__ or "").replace("\n", " ")[:200]
    if cause and not status:
        text = f"{text} ({cause})"
    return f"{name} (HTTP {status}): {text}" if status else f"{name}: {text}"


def read_completion(data: Any) -> tuple[str, tuple[int, int, int], bool]:
    """A chat completion's JSON as (the reply's text, (prompt, completion, cached) tokens,
    whether it was cut off at max_tokens); anything missing reads as empty or zero."""
    data = data if isinstance(data, dict) else {}
    choices = data.get("choices") or [{}]
    choice = choices[0] if isinstance(choices[0], dict) else {}
    message = choice.get("message") if isinstance(choice.get("message"), dict) else {}
    content = message.get("content") if isinstance(message.get("content"), str) else ""
    usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
    details = usage.get("prompt_tokens_details")
    cached = details.get("cached_tokens") if isinstance(details, dict) else 0
    tokens = tuple(_count(value) for value in (usage.get("prompt_tokens"),
                   usage.get("completion_tokens"), cached))  # fmt: skip
    return content, tokens, choice.get("finish_reason") == "length"  # type: ignore[return-value]


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def in_background(make: Callable[[], T]) -> Future[T]:
    """``make()`` in a daemon thread (the SDK's import takes about a second): a run that
    needs no call, every paper cached, exits without waiting for it."""
    future: Future[T] = Future()

    def run() -> None:
        try:
            future.set_result(make())
        except BaseException as exc:  # handed to the first call, which raises it there
            future.set_exception(exc)

    threading.Thread(target=run, name="warm-up", daemon=True).start()
    return future
