"""A local OpenAI-compatible chat completions server, scripted per test.

Serves ``POST /v1/chat/completions`` (and ``/chat/completions``) with the real response
shape. Each request consumes the next scripted action, or the default one when the script
is empty; an action is an ``Action`` or a callable taking the request body and returning one:

    reply(text)                  200 with ``text`` as the message content, usage counted
    truncated(text)              200 with the first part of ``text``, finish_reason "length"
    error(429, retry_after=0.1)  an error status with OpenAI's JSON error body
    echoing_key(401)             an error whose body repeats the request's API key, as some
                                 providers' do ("Incorrect API key provided: <key>")
    hang(5)                      answer nothing for 5 s (or until the server stops)
    malformed()                  200 with a body that is not JSON
    drip(text, every=0.5)        a slow loris: 200 with ``text`` as the reply, one byte every
                                 ``every`` seconds (``headers=True``: the status line and
                                 headers too), each gap well within a read timeout; after
                                 ``seconds`` the rest at once, a reply that then parses
    huge(size)                   200 with a body of ``size`` bytes, made as it is sent

``faulty(good, faults, rate=0.3)`` makes a script that answers a share of the requests with
one of ``faults``, picked from a hash of the request and how often it was seen before, so the
same run of requests meets the same faults whatever order the threads take.

``latency`` is how long the server takes to answer (the time it spends making the answer
included, so a slow script does not add to it); ``reject_response_format`` answers 400 to
requests whose ``response_format`` type it names, without consuming the script. Every
request body is recorded (``requests``), so are the kind of every answer (``served``), the
usage reported in replies (``usage_sent``: prompt and completion tokens) and the most
requests ever in flight (a request stops counting once it hangs: its client may have given
up long before).

    with FakeOpenAI(default=reply('{"a": 1}')) as server:
        client = openai.AsyncOpenAI(base_url=server.base_url, api_key="test")
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from devtools.fakes import hostile as misbehaving
from devtools.fakes import loopback


@dataclass(frozen=True)
class Action:
    kind: str  # "reply", "error", "hang", "malformed", "drip" or "huge"
    content: str = ""
    finish_reason: str = "stop"
    status: int = 200
    body: Any = None
    retry_after: float | None = None
    seconds: float = 0.0
    usage: tuple[int, int] = (0, 0)  # prompt and completion tokens
    echo_key: bool = False  # "{key}" in the body becomes the request's bearer token
    every: float = 0.0  # drip: seconds between bytes
    headers: bool = False  # drip: the status line and headers too
    size: int = 0  # huge: bytes in the body


Script = Action | Callable[[dict[str, Any]], Action]


def reply(content: str, *, prompt_tokens: int = 100, completion_tokens: int = 50) -> Action:
    return Action("reply", content=content, usage=(prompt_tokens, completion_tokens))


def truncated(
    content: str, *, keep: float = 0.5, prompt_tokens: int = 100, completion_tokens: int = 50
) -> Action:
    """A reply cut off at the output token limit, as a model that ran out of tokens sends it."""
    return Action(
        "reply",
        content=content[: int(len(content) * keep)],
        finish_reason="length",
        usage=(prompt_tokens, completion_tokens),
    )


def error(
    status: int,
    message: str = "error",
    *,
    type: str = "server_error",
    code: str | None = None,
    retry_after: float | None = None,
) -> Action:
    body = {"error": {"message": message, "type": type, "param": None, "code": code}}
    return Action("error", status=status, body=body, retry_after=retry_after)


def echoing_key(
    status: int = 401,
    message: str = "Incorrect API key provided: {key}. You can find your API key at "
    "https://platform.example/account/api-keys.",
    *,
    type: str = "invalid_request_error",
    code: str | None = "invalid_api_key",
) -> Action:
    """An error whose message holds the key the request was sent with, where ``{key}`` is."""
    body = {"error": {"message": message, "type": type, "param": None, "code": code}}
    return Action("error", status=status, body=body, echo_key=True)


def hang(seconds: float) -> Action:
    return Action("hang", seconds=seconds)


def malformed(text: str = "<html>502 Bad Gateway</html> {") -> Action:
    return Action("malformed", content=text)


def drip(
    content: str, *, every: float = 0.5, seconds: float = 20.0, headers: bool = False
) -> Action:
    return Action("drip", content=content, every=every, seconds=seconds, headers=headers)


def huge(size: int) -> Action:
    return Action("huge", size=size)


def faulty(
    good: Script, faults: Sequence[Script], *, rate: float = 0.3, seed: int = 0
) -> Callable[[dict[str, Any]], Action]:
    """A script answering about ``rate`` of the requests with one of ``faults`` (evenly) and
    the rest with ``good``. The choice hangs on the request's messages and on how many times
    the same messages came before, so a retry can succeed where the first try failed."""
    seen: Counter[str] = Counter()
    lock = threading.Lock()

    def pick(body: dict[str, Any]) -> Action:
        messages = json.dumps(body.get("messages"), sort_keys=True)
        with lock:
            attempt = seen[messages]
            seen[messages] += 1
        digest = hashlib.sha256(f"{seed}|{attempt}|{messages}".encode()).digest()
        draw = int.from_bytes(digest[:8], "big") / 2**64
        if draw < rate and faults:
            action = faults[min(int(draw / rate * len(faults)), len(faults) - 1)]
        else:
            action = good
        return action(body) if callable(action) else action

    return pick


class FakeOpenAI:
    def __init__(
        self,
        default: Script | None = None,
        *,
        latency: float = 0.0,
        reject_response_format: Collection[str] = (),
    ) -> None:
        self.default: Script = default or reply('{"ok": true}')
        self.script: list[Script] = []
        self.latency = latency
        self.reject_response_format = set(reject_response_format)
        self.requests: list[dict[str, Any]] = []
        self.arrivals: list[float] = []  # time.monotonic() of each request, in order
        self.cached_sent = 0  # prompt tokens reported as served from the prompt cache
        self._prefixes: set[str] = set()  # system prompts seen: what a provider would cache
        self.served: list[str] = []  # per answer: reply, truncated, error <status>, hang ...
        self.usage_sent = [0, 0]  # prompt and completion tokens reported in replies
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None

    def add(self, *actions: Script) -> FakeOpenAI:
        with self._lock:
            self.script.extend(actions)
        return self

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start the server first"
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> FakeOpenAI:
        self._server = loopback.start(_handler(self))
        return self

    def stop(self) -> None:
        self._stopping.set()  # releases hanging handlers
        if self._server is not None:
            loopback.stop(self._server)
            self._server = None

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _next(self, body: dict[str, Any]) -> Action:
        """Record the request and pick its action (under the lock: many handler threads)."""
        with self._lock:
            self.requests.append(body)
            self.arrivals.append(time.monotonic())
            kind = (body.get("response_format") or {}).get("type")
            if kind in self.reject_response_format:
                message = f"response_format of type '{kind}' is not supported with this model."
                return error(400, message, type="invalid_request_error")
            action = self.script.pop(0) if self.script else self.default
        return action(body) if callable(action) else action

    def _served(self, action: Action) -> None:
        with self._lock:
            if action.kind == "error":
                self.served.append(f"error {action.status}")
            elif action.kind == "reply" and action.finish_reason == "length":
                self.served.append("truncated")
            else:
                self.served.append(action.kind)
            if action.kind == "reply":
                self.usage_sent[0] += action.usage[0]
                self.usage_sent[1] += action.usage[1]

    def _cached(self, body: dict[str, Any], action: Action) -> int:
        """Like a provider's prompt cache: a system prompt seen before is served from it
        (one token per four characters), and counted as cached in the reply's usage."""
        messages = body.get("messages") or [{}]
        system = str(messages[0].get("content") or "") if isinstance(messages[0], dict) else ""
        with self._lock:
            hit = system in self._prefixes
            self._prefixes.add(system)
            cached = len(system) // 4 if hit and action.usage[0] else 0
            self.cached_sent += min(cached, action.usage[0])
        return cached

    def _enter(self, step: int, *, track: bool = True) -> None:
        with self._lock:
            self.in_flight += step
            if track:
                self.max_in_flight = max(self.max_in_flight, self.in_flight)


def _completion(body: dict[str, Any], action: Action, cached: int = 0) -> dict[str, Any]:
    prompt, completion = action.usage
    return {
        "id": f"chatcmpl-fake{time.monotonic_ns()}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "fake-model"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": action.content, "refusal": None},
                "logprobs": None,
                "finish_reason": action.finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": min(cached, prompt)},
        },
    }


def _misbehaving(body: dict[str, Any], action: Action, stop: threading.Event) -> misbehaving.Answer:
    if action.kind == "huge":
        return misbehaving.Huge(action.size)
    reply = json.dumps(_completion(body, action)).encode()
    return misbehaving.Drip(
        reply, every=action.every, headers=action.headers, seconds=action.seconds, stop=stop
    )


def _handler(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(loopback.Handler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path.rstrip("/") not in ("/v1/chat/completions", "/chat/completions"):
                return self.answer(404, error(404, "Not found", type="invalid_request_error").body)
            fake._enter(+1)
            try:
                self._reply(json.loads(raw or b"{}"))
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout): nothing left to answer
            finally:
                fake._enter(-1)

        def _reply(self, body: dict[str, Any]) -> None:
            started = time.monotonic()
            action = fake._next(body)
            fake._served(action)
            if fake.latency:
                fake._stopping.wait(max(0.0, fake.latency - (time.monotonic() - started)))
            if action.kind == "hang":
                fake._enter(-1, track=False)
                try:
                    fake._stopping.wait(action.seconds)
                finally:
                    fake._enter(+1, track=False)
                self.close_connection = True
                return self.answer(504, error(504, "gateway timeout").body)
            if action.kind == "error":
                headers = {}
                if action.retry_after is not None:
                    headers["Retry-After"] = str(action.retry_after)
                body = action.body
                if action.echo_key:
                    key = self.headers.get("Authorization", "").partition(" ")[2]
                    text = json.dumps(body).replace("{key}", json.dumps(key)[1:-1])
                    body = text.encode()
                return self.answer(action.status, body, headers=headers)
            if action.kind == "malformed":
                return self.answer(200, action.content.encode())
            if action.kind in ("drip", "huge"):
                return misbehaving.send(self, _misbehaving(body, action, fake._stopping))
            return self.answer(200, _completion(body, action, fake._cached(body, action)))

    return Handler
