"""What every local stand-in server shares: a quiet handler that answers in one call, and
a threaded server on 127.0.0.1 with a free port."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Handler(BaseHTTPRequestHandler):
    def answer(
        self,
        status: int,
        body: bytes | Any,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> None:
        """Send ``body`` (bytes as they are, anything else as JSON) with its length."""
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    # The standard library's backlog of 5 drops connections when 32 clients connect at
    # once: a stand-in must never be what limits the client it measures.
    request_queue_size = 1024


def start(handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    server = _Server(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server


def stop(server: ThreadingHTTPServer) -> None:
    server.shutdown()
    server.server_close()


@contextmanager
def serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Run a server for the ``with`` block; yields its base URL (no trailing slash)."""
    server = start(handler)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        stop(server)
