"""/metrics: operations by outcome and latency, events stored or deduplicated by channel, webhook
statuses, refused requests, open subscriptions — scraped over real HTTP, ADMIN only."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from graph.config import Settings
from graph.domain.callers import CallerRole
from tests.helpers.server import GraphQLClient, make_key, serve
from tests.helpers.subscriptions import subscribe

pytestmark = pytest.mark.integration

INGEST = "mutation($e: [EventInput!]!) { ingestEvents(events: $e) { accepted } }"


Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]  # (name, labels) -> value


def scrape(url: str, token: str | None = None) -> Samples:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = httpx.get(f"{url}/metrics", headers=headers, timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_count_operations_events_and_refusals(
    live_server: str, gql: GraphQLClient, uid: str
) -> None:
    before = scrape(live_server)
    event = {"eventId": f"{uid}-1", "channel": "sms", "externalUserId": uid, "text": "hi"}
    gql(INGEST, e=[event])
    gql(INGEST, e=[event])  # a retry: deduplicated
    gql('{ context(userId: "usr_nobody") { channels } }')  # NOT_FOUND
    too_big = httpx.post(f"{live_server}/graphql", content=b"x" * (11 * 1024 * 1024), timeout=30)
    assert too_big.status_code == 413
    after = scrape(live_server)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("threadline_operations_total", operation="ingestEvents", outcome="OK") == 2
    assert grew("threadline_operations_total", operation="context", outcome="NOT_FOUND") == 1
    assert grew("threadline_operation_seconds_count", operation="ingestEvents") == 2
    assert grew("threadline_events_total", channel="sms", result="stored") == 1
    assert grew("threadline_events_total", channel="sms", result="duplicate") == 1
    assert grew("threadline_rejected_requests_total", code="LIMIT_EXCEEDED") == 1
    # the group-commit writer: transactions, their size and duration (a replay writes nothing)
    assert grew("threadline_ingest_transaction_seconds_count") >= 1
    assert grew("threadline_ingest_transaction_events_sum") >= 1
    assert grew("threadline_ingest_transaction_requests_sum") >= 1


def test_metrics_need_an_admin(settings: Settings) -> None:
    with serve(settings, dev=False) as url:
        assert httpx.get(f"{url}/metrics", timeout=30).status_code == 401
        _, agent = make_key(settings, CallerRole.AGENT)
        forbidden = httpx.get(f"{url}/metrics", headers={"authorization": f"Bearer {agent}"})
        assert forbidden.status_code == 403
        _, admin = make_key(settings, CallerRole.ADMIN)
        assert "threadline_operations_total" in str(scrape(url, admin))


@pytest.mark.anyio
async def test_open_subscriptions_are_counted(
    live_server: str, gql: GraphQLClient, uid: str
) -> None:
    event = {"eventId": f"{uid}-1", "channel": "web", "externalUserId": uid, "text": "hi"}
    written = gql(
        "mutation($e: [EventInput!]!) { ingestEvents(events: $e) { results { sessionId } } }",
        e=[event],
    )
    session_id = written["data"]["ingestEvents"]["results"][0]["sessionId"]  # type: ignore[index]
    idle = value(scrape(live_server), "threadline_live_subscribers")
    socket = await subscribe(live_server, s=session_id)
    try:
        for _ in range(50):  # the subscription starts once the server has read the message
            if value(scrape(live_server), "threadline_live_subscribers") == idle + 1:
                break
            await asyncio.sleep(0.1)
        assert value(scrape(live_server), "threadline_live_subscribers") == idle + 1
    finally:
        await socket.close()
    for _ in range(50):
        if value(scrape(live_server), "threadline_live_subscribers") == idle:
            break
        await asyncio.sleep(0.1)
    assert value(scrape(live_server), "threadline_live_subscribers") == idle
