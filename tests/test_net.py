from datetime import UTC, datetime

import httpx2
import pytest

from paperpress import net
from paperpress.errors import SourceError

NOW = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("12", 12.0),
        ("Wed, 01 Jan 2025 12:00:30 GMT", 30.0),
        ("Wed, 01 Jan 2025 11:00:00 GMT", 0.0),
        ("soon", None),
        ("", None),
    ],
)
def test_retry_after(value, seconds):
    assert net.retry_after({"retry-after": value}, now=NOW) == seconds


def test_connection_errors_are_retried_then_reported():
    calls = []

    def refuse(request: httpx2.Request) -> httpx2.Response:
        calls.append(request)
        raise httpx2.ConnectError("refused", request=request)

    waits: list[float] = []
    with (
        httpx2.Client(transport=httpx2.MockTransport(refuse)) as client,
        pytest.raises(SourceError, match=r"GET https://example\.test/x failed: ConnectError"),
    ):
        net.get(client, "https://example.test/x", retries=2, backoff=1, sleep=waits.append)
    assert len(calls) == 3 and waits == [1, 2]


def test_waits_are_capped():
    answers = iter([httpx2.Response(429, headers={"Retry-After": "86400"}), httpx2.Response(200)])
    waits: list[float] = []
    transport = httpx2.MockTransport(lambda request: next(answers))
    with httpx2.Client(transport=transport) as client:
        assert net.get(client, "https://example.test/", sleep=waits.append).status_code == 200
    assert waits == [net.MAX_WAIT]


def test_replay_serves_recordings_and_refuses_the_rest(tmp_path):
    (tmp_path / "a.json").write_text("[1]")
    (tmp_path / "recordings.json").write_text('{"https://h.test/api?x=1": "a.json"}')
    with net.make_http_client(transport=net.replay_transport(tmp_path)) as client:
        assert net.get(client, "https://h.test/api", params={"x": 1}).json() == [1]
        with pytest.raises(SourceError, match="HTTP 599: not recorded"):
            net.get(client, "https://h.test/api", params={"x": 2})


def test_replay_without_a_manifest_is_a_clear_error(tmp_path):
    with pytest.raises(SourceError, match="recordings manifest"):
        net.replay_transport(tmp_path)
