"""The Python client against the live API, including safe retries."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from connectors.clients.client import ThreadlineAPIError, ThreadlineClient
from graph.config import Settings
from graph.domain.events import EventInput

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

    def close(self) -> None:
        self.real.close()


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


def test_client_recalls_with_typed_results(live_server: str, uid: str) -> None:
    phone = f"+1555{uid[:7]}"
    with ThreadlineClient(live_server) as client:
        client.ingest_events(
            [
                EventInput(f"{uid}-r1", "sms", phone, text=f"my kettle K-{uid[:4]} leaks"),
                EventInput(f"{uid}-r2", "sms", phone, text="thanks, bye"),
            ]
        )
        found = client.recall(
            "what about the kettle?", channel="sms", external_user_id=phone, neighbors=1
        )
        top = found.hits[0]
        assert top.message.text == f"my kettle K-{uid[:4]} leaks"
        assert top.message.channel == "sms"
        assert top.message.at.tzinfo is not None
        assert "keyword" in top.signals
        assert [n.text for n in top.neighbors] == ["thanks, bye"]
        assert "sms USER: my kettle" in found.text
        with pytest.raises(ThreadlineAPIError) as caught:
            client.recall("", user_id="x")
        assert caught.value.code == "BAD_INPUT"


def test_retries_after_a_lost_reply_do_not_duplicate(live_server: str, uid: str) -> None:
    transport = FlakyTransport()
    with ThreadlineClient(live_server, transport=transport, backoff=0.01) as client:
        result = client.ingest_events([EventInput(f"{uid}-1", "web", uid, text="hello")])
    assert transport.calls == 3
    # the first attempt landed; the retry finds it and reports it, nothing is stored twice
    assert (result.accepted, result.duplicates) == (0, 1)
    assert result.results[0].seq == 1


def test_ingest_email_command_stores_an_mbox_once(
    settings: Settings, tmp_path: Path, uid: str
) -> None:
    mbox = tmp_path / "support.mbox"
    mbox.write_bytes(
        f"From jane@example.com Tue Nov 25 09:00:00 2026\nFrom: Jane <{uid}@example.com>\n"
        f"Message-ID: <{uid}-1@example.com>\nSubject: order\n\nWhere is order A-{uid[:5]}1?\n\n"
        f"From jane@example.com Tue Nov 25 09:05:00 2026\nFrom: Jane <{uid}@example.com>\n"
        f"Message-ID: <{uid}-2@example.com>\nIn-Reply-To: <{uid}-1@example.com>\n\n"
        f">From the top: any news?\n".encode()
    )
    env = {**os.environ, "NEO4J_URI": str(settings.neo4j_uri), "THREADLINE_SPACY_MODEL": "rules"}
    command = [sys.executable, "-m", "api.cli", "ingest-email", str(mbox)]
    first = subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert first.returncode == 0, first.stderr
    assert "emails: 2 stored, 0 already known, 0 skipped" in first.stderr
    again = subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert "emails: 0 stored, 2 already known" in again.stderr


class UnavailableOnceTransport(httpx.BaseTransport):
    """Answers the first request as the API does while Neo4j restarts: 200 with UNAVAILABLE."""

    def __init__(self) -> None:
        self.real = httpx.HTTPTransport()
        self.calls = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        if self.calls == 1:
            error = {
                "message": "the database is unavailable",
                "extensions": {"code": "UNAVAILABLE"},
            }
            return httpx.Response(200, json={"data": None, "errors": [error]}, request=request)
        return self.real.handle_request(request)

    def close(self) -> None:
        self.real.close()


def test_the_client_retries_what_the_api_calls_retryable(live_server: str, uid: str) -> None:
    transport = UnavailableOnceTransport()
    with ThreadlineClient(live_server, transport=transport, backoff=0.01) as client:
        result = client.ingest_events([EventInput(f"{uid}-1", "web", uid, text="hello")])
    assert result.accepted == 1
    assert transport.calls == 2
