"""The Python client against the live API, including safe retries."""

from __future__ import annotations

import httpx
import pytest

from connectors.client import ThreadlineAPIError, ThreadlineClient
from graph.events import EventInput

pytestmark = pytest.mark.integration


class FlakyTransport(httpx.BaseTransport):
    """Loses the first response after the server handled the request (a lost reply), then
    answers 503 once: what a client meets in production."""

    def __init__(self) -> None:
        self.real = httpx.HTTPTransport()
        self.calls = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        if self.calls == 1:
            self.real.handle_request(request).close()  # delivered, but the answer is lost
            raise httpx.ReadTimeout("lost reply", request=request)
        if self.calls == 2:
            return httpx.Response(503, request=request)
        return self.real.handle_request(request)


def test_client_ingests_and_reads_context(live_server: str, uid: str) -> None:
    with ThreadlineClient(live_server) as client:
        result = client.ingest_events(
            [
                EventInput(f"{uid}-1", "sms", f"+1555{uid[:7]}", text="where is order A-77777?"),
            ]
        )
        assert (result.accepted, result.duplicates) == (1, 0)
        context = client.context(channel="sms", external_user_id=f"+1555{uid[:7]}")
        assert context["messages"][0]["text"] == "where is order A-77777?"
        assert context["session"]["id"] == result.results[0].session_id
        with pytest.raises(ThreadlineAPIError) as caught:
            client.context(user_id="a", session_id="b")
        assert caught.value.code == "BAD_INPUT"


def test_retries_after_a_lost_reply_do_not_duplicate(live_server: str, uid: str) -> None:
    transport = FlakyTransport()
    with ThreadlineClient(live_server, transport=transport, backoff=0.01) as client:
        result = client.ingest_events([EventInput(f"{uid}-1", "web", uid, text="hello")])
    assert transport.calls == 3
    # the first attempt landed; the retry finds it and reports it, nothing is stored twice
    assert (result.accepted, result.duplicates) == (0, 1)
    assert result.results[0].seq == 1
