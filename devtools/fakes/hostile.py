"""Hostile answers, for any local stand-in: what a broken or malicious server sends instead
of a page, and data shaped like an attacker's.

A stand-in given one of these answers sends it instead of its own reply (``hf_server``'s
``HFState.hostile``, by date; ``arxiv_server``'s ``ArxivState.hostile``, by path):

    Drip(body, every=1.0)     a slow loris: the body (or, ``headers=True``, the status line
                              and headers too) one byte every ``every`` seconds, until the
                              client hangs up; after ``seconds`` (the tests' safety net) the
                              rest at once
    Huge(size)                a body of ``size`` bytes (JSON-looking), made as it is sent:
                              the server never holds it
    GzipBomb(size)            ``Content-Encoding: gzip``: about ``size / 1000`` bytes on the
                              wire that decompress to ``size`` bytes
    FalseGzip(body)           ``Content-Encoding: gzip`` on a body that is not gzip
    RedirectLoop()            302 to the same path, for ever
    Nested(depth)             a JSON array nested ``depth`` deep (``[[[...]]]``, 400 KB by
                              default): valid JSON that a recursive parser cannot read

``send(handler, answer)`` writes one of them with a ``BaseHTTPRequestHandler``.

Data: ``hf_item(arxiv_id, ...)`` is one Hugging Face daily papers item, for ids such as
``INJECTED_IDS``: a newline followed by a GitHub workflow command, a path, a hidden name.
"""

from __future__ import annotations

import contextlib
import functools
import threading
import time
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

# Ids no source should accept: each would print a workflow command in an Actions log (a
# raw newline, then "::error::"), or make a file name of a path, or a hidden one.
INJECTED_IDS = (
    "2511.80004\n::error title=pwned::PWNED by a paper id",
    "2511.80005\r\n::add-mask::PWNED",
    "::stop-commands::PWNED",
    "../../../../tmp/PWNED",
    ".PWNED",
)


def hf_item(arxiv_id: str, title: str = "A paper", **paper: Any) -> dict[str, Any]:
    """One item of ``/api/daily_papers`` in the 2025 shape, with ``paper`` fields added."""
    return {
        "paper": {
            "id": arxiv_id,
            "title": title,
            "summary": paper.pop("summary", "An abstract."),
            "authors": [{"name": "A. Author"}],
            "upvotes": paper.pop("upvotes", 1),
            "publishedAt": "2025-11-10T12:00:00.000Z",
            "submittedOnDailyAt": "2025-11-11T00:00:00.000Z",
            **paper,
        },
        "title": title,
        "numComments": 0,
    }


@dataclass(frozen=True)
class Drip:
    body: bytes
    every: float = 1.0
    headers: bool = False  # drip the status line and headers as well
    seconds: float = 20.0  # then it stops dripping and sends the rest at once
    content_type: str = "application/json"
    stop: threading.Event = field(default_factory=threading.Event, compare=False)


@dataclass(frozen=True)
class Huge:
    size: int
    chunk: int = 1 << 16
    content_type: str = "application/json"


@dataclass(frozen=True)
class GzipBomb:
    size: int
    content_type: str = "application/json"


@dataclass(frozen=True)
class FalseGzip:
    body: bytes = b'[{"paper": {"id": "2511.80001", "title": "not gzip"}}]'
    content_type: str = "application/json"


@dataclass(frozen=True)
class RedirectLoop:
    pass


@dataclass(frozen=True)
class Nested:
    depth: int = 200_000
    content_type: str = "application/json"


Answer = Drip | Huge | GzipBomb | FalseGzip | RedirectLoop | Nested


def send(handler: BaseHTTPRequestHandler, answer: Answer) -> None:
    """Answer the handler's request with ``answer``; a client that hangs up ends it."""
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        _SENDERS[type(answer)](handler, answer)
    handler.close_connection = True


def _drip(handler: BaseHTTPRequestHandler, answer: Drip) -> None:
    head = (
        f"HTTP/1.1 200 OK\r\nContent-Type: {answer.content_type}\r\n"
        f"Content-Length: {len(answer.body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    if not answer.headers:
        handler.wfile.write(head)
        handler.wfile.flush()
        head = b""
    data = head + answer.body
    until = time.monotonic() + answer.seconds
    for index in range(len(data)):
        if time.monotonic() > until:
            handler.wfile.write(data[index:])
            break
        handler.wfile.write(data[index : index + 1])
        handler.wfile.flush()
        if answer.stop.wait(answer.every):
            return


def _huge(handler: BaseHTTPRequestHandler, answer: Huge) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", answer.content_type)
    handler.send_header("Content-Length", str(answer.size))
    handler.end_headers()
    filler = b'{"paper": {"id": "2511.00000", "title": "x"}}, '
    block = (filler * (answer.chunk // len(filler) + 1))[: answer.chunk]
    handler.wfile.write(b"[")
    sent = 1
    while sent < answer.size:
        part = block[: answer.size - sent]
        handler.wfile.write(part)
        sent += len(part)


@functools.lru_cache(maxsize=4)
def bomb(size: int) -> bytes:
    """``size`` bytes of JSON whitespace, gzipped (made once per size)."""
    squeezer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: a gzip header and trailer
    block = b" " * (1 << 20)
    parts = [squeezer.compress(block) for _ in range(size // len(block))]
    parts.append(squeezer.compress(b" " * (size % len(block)) + b"[]"))
    parts.append(squeezer.flush())
    return b"".join(parts)


def _gzip_bomb(handler: BaseHTTPRequestHandler, answer: GzipBomb) -> None:
    data = bomb(answer.size)
    handler.send_response(200)
    handler.send_header("Content-Type", answer.content_type)
    handler.send_header("Content-Encoding", "gzip")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def _false_gzip(handler: BaseHTTPRequestHandler, answer: FalseGzip) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", answer.content_type)
    handler.send_header("Content-Encoding", "gzip")
    handler.send_header("Content-Length", str(len(answer.body)))
    handler.end_headers()
    handler.wfile.write(answer.body)


def _redirect_loop(handler: BaseHTTPRequestHandler, answer: RedirectLoop) -> None:
    handler.send_response(302)
    handler.send_header("Location", handler.path)
    handler.send_header("Content-Length", "0")
    handler.end_headers()


def _nested(handler: BaseHTTPRequestHandler, answer: Nested) -> None:
    body = b"[" * answer.depth + b"]" * answer.depth
    handler.send_response(200)
    handler.send_header("Content-Type", answer.content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


_SENDERS: dict[type, Any] = {
    Drip: _drip,
    Huge: _huge,
    GzipBomb: _gzip_bomb,
    FalseGzip: _false_gzip,
    RedirectLoop: _redirect_loop,
    Nested: _nested,
}
