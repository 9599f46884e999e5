"""A local stand-in for ``huggingface.co/api/daily_papers``, fed with recorded responses.

Serves the recorded list for a date, paged as the real API pages it (``limit``, 0-based
``p``), and can fail the first requests with a status (and ``Retry-After``) to exercise
retries. Records every request path it served.

Hostile on request: ``hostile[date]`` answers that date's requests with one of
``devtools.fakes.hostile``'s answers (a slow loris, a gzip bomb ...); ``page_size`` makes it
ignore the ``limit`` asked for and send pages of that many items.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from devtools.fakes import hostile as misbehaving
from devtools.fakes import loopback


@dataclass
class HFState:
    days: dict[str, list[Any]] = field(default_factory=dict)
    failures: list[tuple[int, str | None]] = field(default_factory=list)  # (status, Retry-After)
    requests: list[str] = field(default_factory=list)
    user_agents: list[str] = field(default_factory=list)
    hostile: dict[str, misbehaving.Answer] = field(default_factory=dict)  # by date
    page_size: int | None = None  # pages of this many items, whatever the limit asked


@contextmanager
def serve_hf(state: HFState) -> Iterator[str]:
    """Run the server for the ``with`` block; yields its base URL."""

    class Handler(loopback.Handler):
        def do_GET(self) -> None:
            state.requests.append(self.path)
            state.user_agents.append(self.headers.get("User-Agent", ""))
            if state.failures:
                status, retry_after = state.failures.pop(0)
                headers = {"Retry-After": retry_after} if retry_after else {}
                return self.answer(status, {"error": "try later"}, headers=headers)
            url = urlsplit(self.path)
            if url.path != "/api/daily_papers":
                return self.answer(404, {"error": "Not Found"})
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            limit, page = int(query.get("limit", 50)), int(query.get("p", 0))
            if limit > 100:
                return self.answer(400, {"error": "Too big: expected number to be <=100"})
            if query.get("date", "") in state.hostile:
                return misbehaving.send(self, state.hostile[query["date"]])
            items = state.days.get(query.get("date", ""), [])
            limit = state.page_size or limit
            return self.answer(200, items[page * limit : (page + 1) * limit])

    with loopback.serve(Handler) as base:
        yield base
