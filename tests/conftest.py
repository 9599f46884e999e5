"""Shared test set-up: no test reaches past loopback, and no real key is in sight; every
file of tests/fixtures/ is read by some test (helpers.FixtureFolder)."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.browser import Chromium, serve
from paperpress.sources import arxiv
from tests import helpers
from tests.helpers import FIXTURES, NetworkBlocked

pytest_plugins = ["pytester"]  # tests/test_fixture_rules.py runs small inner sessions

_SECRETS = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "PAPERPRESS_MODEL",
    "HF_TOKEN",
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "GITHUB_STEP_SUMMARY",
    "GITHUB_ACTIONS",
)


def _is_loopback(host: object) -> bool:
    if host in ("localhost", "", None):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


def _guarded_connect(self: socket.socket, address, *args):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
        raise NetworkBlocked(f"test tried to connect to {address[0]}:{address[1]}")
    return _real_connect(self, address, *args)


def _guarded_connect_ex(self: socket.socket, address, *args):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
        raise NetworkBlocked(f"test tried to connect to {address[0]}:{address[1]}")
    return _real_connect_ex(self, address, *args)


def _guarded_getaddrinfo(host, *args, **kwargs):
    if not _is_loopback(host.decode() if isinstance(host, bytes) else host):
        raise NetworkBlocked(f"test tried to resolve {host}")
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any connection or DNS lookup beyond loopback; remove real keys from the env."""
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", _guarded_getaddrinfo)
    for name in list(os.environ):
        if name in _SECRETS or name.endswith(("_API_KEY", "_TOKEN")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(proxy, raising=False)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A throwaway folder for a config file, with an empty ``templates/`` of its own: the
    package's default templates apply until a test overrides one (tests.helpers)."""
    (tmp_path / "templates").mkdir()
    return tmp_path


@pytest.fixture
def no_polite_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI spaces arXiv requests 3 s apart; the local arXiv needs no such courtesy."""
    monkeypatch.setattr(arxiv, "POLITE_INTERVAL", 0)


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(FIXTURES, "recorded-fixtures")


# --- The example blogs in headless Chromium (test_blog, test_hostile_blog) --------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    with Chromium(helpers.chromium()) as chromium:
        yield chromium


@pytest.fixture(scope="module")
def served(sites: dict) -> Iterator[dict[str, str]]:
    """Each built site's base URL (``sites``: the module's own fixture), with MathJax served
    from the Hexo site's node_modules at the CDN's path (the pages as built load it from
    the CDN, which the browser cannot reach)."""
    mathjax = helpers.mathjax()
    with serve(sites["hugo"].out, mathjax) as hugo, serve(sites["hexo"].out, mathjax) as hexo:
        yield {"hugo": hugo, "hexo": hexo}
