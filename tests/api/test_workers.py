"""`threadline serve --workers N`: several API processes on one port, sharing live events
through Redis — a subscriber hears every write whichever worker took it."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from api.cli import main
from graph.config import Settings
from graph.local.neo4j_server import free_port
from tests.helpers.server import serve
from tests.helpers.subscriptions import graphql, next_event, subscribe

pytestmark = [pytest.mark.integration, pytest.mark.redis]

INGEST = "mutation($e: [EventInput!]!) { ingestEvents(events: $e) { results { sessionId seq } } }"


def test_several_workers_need_a_live_url(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert settings.neo4j_uri is not None
    monkeypatch.setenv("NEO4J_URI", settings.neo4j_uri)
    monkeypatch.delenv("THREADLINE_LIVE_URL", raising=False)
    assert main(["serve", "--workers", "2"]) == 2
    assert "THREADLINE_LIVE_URL" in capsys.readouterr().err


def worker_pids(parent: int) -> list[int]:
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    return [int(pid) for pid in children if "spawn" in _cmdline(int(pid))]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except FileNotFoundError:
        return ""


@pytest.fixture(scope="module")
def two_workers(settings: Settings, redis_url: str) -> Iterator[tuple[str, int]]:
    """`threadline serve --workers 2 --dev` as a user runs it; yields (base URL, its pid)."""
    port = free_port()
    auth = settings.neo4j_auth()
    env = {
        **os.environ,
        "NEO4J_URI": settings.neo4j_uri or "",
        "NEO4J_USER": auth[0] if auth else "neo4j",
        "NEO4J_PASSWORD": auth[1] if auth else "",
        "NEO4J_DATABASE": settings.neo4j_database,
        "THREADLINE_LIVE_URL": redis_url,
        "THREADLINE_LIVE_CHANNEL": f"workers-test-{port}",
        "THREADLINE_SPACY_MODEL": "rules",
        "THREADLINE_SWEEP_INTERVAL_SECONDS": "0",
        "THREADLINE_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "api.cli", "serve", "--dev", "--workers", "2"]
    server = subprocess.Popen(
        [*command, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
            assert time.monotonic() < deadline, "the workers did not become ready"
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        yield base, server.pid
    finally:
        server.terminate()
        server.wait(timeout=30)
        if server.stderr is not None:
            server.stderr.close()


def test_two_worker_processes_serve_one_port(two_workers: tuple[str, int]) -> None:
    _, pid = two_workers
    deadline = time.monotonic() + 60
    while len(worker_pids(pid)) < 2:  # both may take a moment after the first is ready
        assert time.monotonic() < deadline, worker_pids(pid)
        time.sleep(0.2)
    assert len(worker_pids(pid)) == 2


@pytest.mark.anyio
async def test_a_subscriber_hears_writes_taken_by_any_worker(
    two_workers: tuple[str, int], uid: str
) -> None:
    base, _ = two_workers

    async def ingest(n: int) -> dict[str, object]:
        # a new connection per request, so the kernel hands requests to either worker
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            event = {"eventId": f"{uid}-{n}", "channel": "web", "externalUserId": uid}
            result = await graphql(http, INGEST, e=[event | {"text": f"message {n}"}])
            row: dict[str, object] = result["ingestEvents"]["results"][0]
            return row

    session_id = (await ingest(1))["sessionId"]
    socket = await subscribe(base, s=session_id)
    try:
        for n in range(2, 14):
            await ingest(n)
        heard = [await next_event(socket) for _ in range(2, 14)]
    finally:
        await socket.close()
    # order is kept per worker; across workers, events carry `seq` to order them by
    heard.sort(key=lambda event: int(event["seq"]))
    assert [(e["seq"], e["text"]) for e in heard] == [(n, f"message {n}") for n in range(2, 14)]


def metric(base: str, name: str, **labels: str) -> float:
    """One sample of /metrics, scraped on a new connection (so any worker may answer)."""
    text = httpx.get(f"{base}/metrics", timeout=30).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and sample.labels == labels
    )


def dropped_events(base: str) -> float:
    return metric(base, "threadline_live_events_dropped_total")


@pytest.mark.anyio
async def test_subscribing_without_redis_is_unavailable_and_writes_go_on(
    settings: Settings, uid: str
) -> None:
    unreachable = f"redis://127.0.0.1:{free_port()}/0"
    with serve(settings.model_copy(update={"live_url": unreachable})) as base:
        dropped_before = dropped_events(base)
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            event = {"eventId": f"{uid}-1", "channel": "web", "externalUserId": uid, "text": "hi"}
            written = await graphql(http, INGEST, e=[event])  # writers never wait for Redis
            session_id = written["ingestEvents"]["results"][0]["sessionId"]
        socket = await subscribe(base, s=session_id)
        try:
            message = json.loads(await asyncio.wait_for(socket.recv(), timeout=30))
        finally:
            await socket.close()
        for _ in range(100):  # the event is sent (and fails) in the background
            if dropped_events(base) > dropped_before:
                break
            await asyncio.sleep(0.1)
        assert dropped_events(base) == dropped_before + 1  # the MESSAGE event, counted
    assert message["type"] in ("error", "next"), message
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert errors[0]["extensions"]["code"] == "UNAVAILABLE", message


def test_metrics_add_up_every_worker(two_workers: tuple[str, int], uid: str) -> None:
    base, _ = two_workers

    def stored() -> float:  # whichever worker answers must report both workers
        return metric(base, "threadline_events_total", channel="web", result="stored")

    before = stored()
    for n in range(6):
        event = {"eventId": f"{uid}-m{n}", "channel": "web", "externalUserId": f"{uid}-{n}"}
        response = httpx.post(
            f"{base}/graphql",
            json={"query": INGEST, "variables": {"e": [event | {"text": "hi"}]}},
            timeout=30,
        )
        assert "errors" not in response.json(), response.text
    assert {stored() - before for _ in range(5)} == {6}
