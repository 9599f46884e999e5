"""The one HTTP stack (httpx2): client construction and GET with polite retries, and the
same limits (a deadline for a whole answer, a cap on its size) for the LLM's async client.

Retries only what can heal (429, 5xx, connection errors), with exponential backoff that
honours ``Retry-After``; anything else fails at once with the URL and the status.
"""

from __future__ import annotations

import asyncio
import contextvars
import email.utils
import json
import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpcore2
import httpx2

from paperpress import USER_AGENT
from paperpress.errors import SourceError

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_WAIT = 120.0
MAX_BYTES = 20 * 2**20  # a page of JSON, Atom or HTML, decompressed: far above any real one
DEADLINE = 120.0  # seconds for one whole answer, however slowly the server drips it


def make_http_client(
    *, timeout: float = 30.0, transport: httpx2.BaseTransport | None = None
) -> httpx2.Client:
    """The run's HTTP client: a User-Agent naming us, timeouts everywhere, redirects followed."""
    return httpx2.Client(
        headers={"User-Agent": USER_AGENT},
        timeout=httpx2.Timeout(timeout, connect=10.0),
        follow_redirects=True,
        transport=transport or deadline_transport(),
    )


# --- A deadline for the whole request --------------------------------------------------------
# httpx2's timeouts bound each read, so a server that drips its headers a byte at a time is
# never cut off. Every read and write of a connection made by ``deadline_transport`` is
# bounded by what is left of the deadline that ``read`` sets for its request.

_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("deadline", default=None)


def _left(timeout: float | None) -> float | None:
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise httpcore2.ReadTimeout("the request's deadline passed")
    return left if timeout is None else min(timeout, left)


class _Stream(httpcore2.NetworkStream):
    def __init__(self, stream: httpcore2.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _left(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None):  # type: ignore[no-untyped-def]
        return _Stream(self._stream.start_tls(ssl_context, server_hostname, _left(timeout)))

    def get_extra_info(self, info: str) -> object:
        return self._stream.get_extra_info(info)


class _Backend(httpcore2.NetworkBackend):
    def __init__(self, backend: httpcore2.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):  # type: ignore[no-untyped-def]
        stream = self._backend.connect_tcp(
            host, port, _left(timeout), local_address, socket_options
        )
        return _Stream(stream)

    def connect_unix_socket(self, path, timeout=None, socket_options=None):  # type: ignore[no-untyped-def]
        return _Stream(self._backend.connect_unix_socket(path, _left(timeout), socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def deadline_transport(**options: object) -> httpx2.HTTPTransport:
    """httpx2's transport, its connections' reads and writes bounded by ``read``'s deadline.
    It reaches into the transport's pool (``_pool._network_backend``, private): if a new
    httpx2 moves it, the deadline falls back to the body alone, with a warning."""
    transport = httpx2.HTTPTransport(**options)  # type: ignore[arg-type]
    pool = getattr(transport, "_pool", None)
    if pool is not None and hasattr(pool, "_network_backend"):
        pool._network_backend = _Backend(pool._network_backend)
    else:
        log.warning("httpx2's pool has changed: the deadline covers bodies only")
    return transport


def read(
    client: httpx2.Client,
    url: str,
    *,
    params: Mapping[str, str | int] | None = None,
    headers: Mapping[str, str] | None = None,
    max_bytes: int = MAX_BYTES,
    deadline: float | None = None,
) -> httpx2.Response:
    """GET ``url`` and have its whole answer within ``deadline`` seconds (DEADLINE by
    default; headers too, on a ``deadline_transport``) and its body within ``max_bytes``
    once decompressed (a gzip bomb stops at the cap); SourceError otherwise. The answer
    comes back read, as a plain Response."""
    seconds = DEADLINE if deadline is None else deadline
    started = time.monotonic()
    token = _DEADLINE.set(started + seconds)
    try:
        with client.stream("GET", url, params=params, headers=headers) as response:
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    raise SourceError(
                        f"GET {response.request.url}: larger than {max_bytes:,} bytes"
                    )
                if time.monotonic() - started > seconds:
                    raise SourceError(
                        f"GET {response.request.url}: no whole answer in {seconds:g} s"
                    )
    except httpx2.TimeoutException as exc:
        if time.monotonic() - started >= seconds:
            raise SourceError(f"GET {url}: no whole answer in {seconds:g} s") from exc
        raise
    finally:
        _DEADLINE.reset(token)
    return settled(response, bytes(body))


def settled(response: httpx2.Response, body: bytes) -> httpx2.Response:
    """``response`` as a plain Response holding ``body``, its bytes already read and
    decompressed (the headers that described the transfer go)."""
    kept = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _ENCODED]
    return httpx2.Response(
        response.status_code, headers=kept, content=body, request=response.request
    )


_ENCODED = {"content-encoding", "content-length", "transfer-encoding"}  # read already


# --- The same limits for the LLM's client (async, through the openai SDK) -------------------

MAX_REPLY_BYTES = 4 * 2**20  # an LLM's answer, decompressed: a long summary is ~100 KB


class TooLarge(httpx2.HTTPError):
    """An answer over the size cap. Not an httpx2.RequestError: the openai SDK passes it on
    untouched, with no retry (the next try would likely be as large, and each is paid for)."""


class LimitedAsyncClient(httpx2.AsyncClient):
    """An async client that reads every answer whole (``stream`` is ignored) within
    ``deadline`` seconds, from sending the request to the last byte, and ``max_bytes``
    decompressed: ``read``'s limits, for the openai SDK, which reads through ``send``.
    Past the deadline it raises httpx2.ReadTimeout, which the SDK retries as any timeout;
    past the cap, TooLarge."""

    def __init__(
        self, *, deadline: float, max_bytes: int = MAX_REPLY_BYTES, **options: Any
    ) -> None:
        super().__init__(**options)
        self.deadline, self.max_bytes = deadline, max_bytes

    async def send(
        self, request: httpx2.Request, *, stream: bool = False, **options: Any
    ) -> httpx2.Response:
        body = bytearray()
        try:
            async with asyncio.timeout(self.deadline):
                response = await super().send(request, stream=True, **options)
                try:
                    async for chunk in response.aiter_bytes():
                        body += chunk
                        if len(body) > self.max_bytes:
                            raise TooLarge(f"larger than {self.max_bytes:,} bytes")
                finally:
                    await response.aclose()
        except TimeoutError as exc:
            message = f"no whole answer in {self.deadline:g} s"
            raise httpx2.ReadTimeout(message, request=request) from exc
        return settled(response, bytes(body))


def get(
    client: httpx2.Client,
    url: str,
    *,
    params: Mapping[str, str | int] | None = None,
    headers: Mapping[str, str] | None = None,
    max_bytes: int = MAX_BYTES,
    retries: int = 3,
    backoff: float = 2.0,
    sleep: Callable[[float], None] = time.sleep,
    retry_statuses: frozenset[int] = RETRY_STATUSES,
    explain: Callable[[httpx2.Response], str | None] = lambda response: None,
) -> httpx2.Response:
    """GET ``url`` (``read``: a deadline and a size cap); retry ``retry_statuses`` and
    connection errors; raise SourceError when it gives up, or at once for an HTTP error that
    a retry would not mend (a redirect loop, a body that does not decompress). ``explain``
    may turn an error body into the message (arXiv's Atom errors)."""
    for attempt in range(retries + 1):
        last = attempt == retries
        try:
            response = read(client, url, params=params, headers=headers, max_bytes=max_bytes)
        except httpx2.TransportError as exc:
            if last:
                raise SourceError(f"GET {url} failed: {exc.__class__.__name__}: {exc}") from exc
            wait = backoff * 2**attempt
            log.warning("GET %s: %s; retrying in %.0f s", url, exc.__class__.__name__, wait)
        except httpx2.HTTPError as exc:  # TooManyRedirects, DecodingError ...
            raise SourceError(f"GET {url} failed: {exc.__class__.__name__}: {exc}") from exc
        else:
            if response.status_code < 400:
                return response
            if response.status_code not in retry_statuses or last:
                detail = explain(response)
                reason = f": {detail}" if detail else _reason(response)
                raise SourceError(
                    f"GET {response.request.url} answered HTTP {response.status_code}{reason}"
                )
            wait = retry_after(response.headers, now=datetime.now(UTC))
            if wait is None:
                wait = backoff * 2**attempt
            log.warning("GET %s: HTTP %s; retrying in %.0f s", url, response.status_code, wait)
        sleep(min(wait, MAX_WAIT))
    raise AssertionError("unreachable")


def retry_after(headers: Mapping[str, str], *, now: datetime) -> float | None:
    """Seconds to wait from ``Retry-After`` (seconds or an HTTP date), if the server said."""
    value = (headers.get("retry-after") or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - now).total_seconds())


def _reason(response: httpx2.Response) -> str:
    text = response.text.strip().replace("\n", " ")
    return f": {text[:200]}" if text else ""


def replay_transport(folder: Path) -> httpx2.MockTransport:
    """Answer requests from recorded responses, for the demo and for offline runs.

    ``folder/recordings.json`` maps full request URLs to files beside it. A request that
    was not recorded gets a 599 naming the URL, so the run fails loudly instead of reaching
    out to the network.
    """
    manifest_path = folder / "recordings.json"
    try:
        manifest: dict[str, str] = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SourceError(f"{manifest_path}: cannot read the recordings manifest: {exc}") from exc

    def handle(request: httpx2.Request) -> httpx2.Response:
        name = manifest.get(str(request.url))
        if name is None:
            return httpx2.Response(599, text=f"not recorded in {manifest_path}: {request.url}")
        content = (folder / name).read_bytes()
        kind = "application/json" if name.endswith(".json") else "application/octet-stream"
        return httpx2.Response(200, content=content, headers={"content-type": kind})

    return httpx2.MockTransport(handle)
