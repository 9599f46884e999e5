"""Which LLM errors no retry and no next run can heal, and what the user must fix for each:
a refused key, a key without access, a model the provider does not serve, an account out
of quota, a base URL nobody answers on. The summarizer stops calling after the first."""

from __future__ import annotations

import re

import httpx2

from paperpress.config import LLMSettings
from paperpress.errors import LLMUnavailableError

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
