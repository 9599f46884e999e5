import socket

import httpx2
import pytest

from tests.helpers import NetworkBlocked


def test_connecting_beyond_loopback_fails():
    with pytest.raises(NetworkBlocked), socket.socket() as sock:
        sock.connect(("203.0.113.7", 443))


def test_resolving_a_public_name_fails():
    with pytest.raises(NetworkBlocked):
        socket.getaddrinfo("huggingface.co", 443)


def test_httpx2_cannot_reach_the_internet():
    with pytest.raises(NetworkBlocked):
        httpx2.get("https://huggingface.co/api/daily_papers", timeout=2)
