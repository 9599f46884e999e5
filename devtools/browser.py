"""Headless Chromium driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``):
load a page, read its DOM, save a full-page screenshot, at a desktop or a phone's size; and
a local web server for a built site. Standard library only.

The browser is offline: every host but 127.0.0.1 fails to resolve, so a page's CDN script
(MathJax) is never fetched from the CDN. ``serve`` can serve MathJax itself instead, from
a local copy, by rewriting the CDN's address in the pages it serves.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import functools
import json
import mimetypes
import os
import select
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
]


class BrowserError(RuntimeError):
    pass


class Chromium:
    """One browser, one tab. Messages are JSON, NUL-terminated: we write on the browser's
    fd 3 and read its fd 4."""

    def __init__(self, binary: str, *, width: int = 1280, height: int = 900) -> None:
        self.width, self.height = width, height
        self._profile = tempfile.TemporaryDirectory(prefix="paperpress-chromium-")
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close())
        to_browser, from_us = os.pipe()
        to_us, from_browser = os.pipe()
        # Above 9, so moving them onto 3 and 4 in the child cannot clobber one another.
        child = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (to_browser, from_browser)]
        os.close(to_browser)
        os.close(from_browser)
        # bash, not sh: dash takes no file descriptor above 9 in a redirection.
        shell = f'exec "$0" "$@" 3<&{child[0]} 4>&{child[1]}'
        options = [f"--user-data-dir={self._profile.name}", f"--window-size={width},{height}"]
        self._process = subprocess.Popen(
            ["bash", "-c", shell, binary, *FLAGS, *options, "about:blank"],
            pass_fds=child,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=self._log,
        )
        for fd in child:
            os.close(fd)
        self._write, self._read = from_us, to_us
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict[str, Any]] = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        attached = self.call("Target.attachToTarget", targetId=target, flatten=True)
        self._session = attached["sessionId"]
        self.call("Page.enable", session=True)

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with contextlib.suppress(BrowserError, OSError):
            self.call("Browser.close", timeout=5)
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        for fd in (self._write, self._read):
            os.close(fd)
        self._log.close()
        self._profile.cleanup()

    def call(self, method: str, *, session: bool = False, timeout: float = 30, **params: Any):
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self._session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        reply = self._receive(lambda m: m.get("id") == self._next_id, timeout)
        if "error" in reply:
            raise BrowserError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def _receive(self, wanted, timeout: float) -> dict[str, Any]:
        for event in self._events:
            if wanted(event):
                self._events.remove(event)
                return event
        deadline = time.monotonic() + timeout
        while True:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                message = json.loads(raw)
                if wanted(message):
                    return message
                if "method" in message:
                    self._events.append(message)
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._read], [], [], left)[0]:
                raise BrowserError(f"no answer from Chromium in {timeout} s: {self.log()}")
            chunk = os.read(self._read, 1 << 20)
            if not chunk:
                raise BrowserError(f"Chromium exited: {self.log()}")
            self._buffer += chunk

    def log(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-2000:]

    def emulate(self, width: int, height: int, *, mobile: bool = False) -> None:
        """Lay pages out at ``width`` x ``height`` CSS pixels; ``mobile`` as a phone does
        (the viewport meta tag counts). A window cannot be narrower than 500 px, so phone
        widths need this, not ``--window-size``."""
        self.call(
            "Emulation.setDeviceMetricsOverride",
            session=True,
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=mobile,
        )
        self.width, self.height = width, height

    def open(self, url: str, timeout: float = 30) -> None:
        """Load ``url`` and wait for its load event and its fonts."""
        self._events.clear()
        navigated = self.call("Page.navigate", session=True, url=url)
        if navigated.get("errorText"):
            raise BrowserError(f"{url}: {navigated['errorText']}")
        self._receive(lambda m: m.get("method") == "Page.loadEventFired", timeout)
        self.evaluate("document.fonts.ready.then(() => true)")

    def evaluate(self, expression: str) -> Any:
        result = self.call(
            "Runtime.evaluate",
            session=True,
            expression=expression,
            returnByValue=True,
            awaitPromise=True,
        )
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path) -> tuple[int, int]:
        """Save the whole page, not just the window, as PNG; return its CSS size."""
        size = self.call("Page.getLayoutMetrics", session=True)["cssContentSize"]
        width, height = self.width, max(self.height, int(size["height"] + 0.5))
        shot = self.call(
            "Page.captureScreenshot",
            session=True,
            format="png",
            captureBeyondViewport=True,
            clip={"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        return width, height


# --- A web server for a built site ----------------------------------------------------------


class _Site(SimpleHTTPRequestHandler):
    """The site's files; and, when ``mathjax`` is (CDN folder URL, local folder), that
    folder at the CDN's path, with the CDN's address rewritten to this server's in the
    HTML served (the files on disk keep the CDN's)."""

    mathjax: tuple[str, Path] | None = None

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        path = unquote(urlsplit(self.path).path)
        file = Path(self.translate_path(self.path))
        local = urlsplit(self.mathjax[0]).path if self.mathjax else None
        if self.mathjax and local and path.startswith(local):
            folder = self.mathjax[1].resolve()
            file = (folder / path.removeprefix(local)).resolve()
            if not file.is_relative_to(folder):
                self.send_error(404)
                return
        elif file.is_dir():
            file = file / "index.html"
        if not file.is_file():
            self.send_error(404)
            return
        body = file.read_bytes()
        if self.mathjax and local and file.suffix == ".html":
            body = body.replace(self.mathjax[0].encode(), local.encode())
        self.send_response(200)
        self.send_header("Content-Type", mimetypes.guess_type(file.name)[0] or "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextlib.contextmanager
def serve(folder: Path, mathjax: tuple[str, Path] | None = None) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1; yields the base URL. ``mathjax``: (the CDN folder the
    pages load MathJax from, a local copy of that folder), to serve MathJax locally."""
    handler = type("Site", (_Site,), {"mathjax": mathjax})
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=folder))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
