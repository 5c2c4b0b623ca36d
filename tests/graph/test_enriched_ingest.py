"""Enrichment on the write path, against the real Neo4j."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from neo4j import Driver

from enrichment.annotations import Annotation
from enrichment.pipeline import Enricher, EnrichmentConfig, EnrichmentError, build_enricher
from graph.domain.errors import EnrichmentFailedError
from graph.domain.events import EventInput
from graph.pipeline.ingest import ingest_events
from graph.store.context import ContextSelector, get_context
from graph.store.database import Database

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


@pytest.fixture(scope="module")
def enricher() -> Enricher:
    return build_enricher(EnrichmentConfig(model="rules"))


async def test_order_mentioned_on_web_then_whatsapp_is_one_entity_with_two_mentions(
    db: Database, driver: Driver, enricher: Enricher, uid: str
) -> None:
    t0 = datetime.now(UTC) - timedelta(hours=1)
    web = await ingest_events(
        db,
        [
            EventInput(
                f"{uid}-w1",
                "web",
                f"cookie-{uid}",
                occurred_at=t0,
                text="My order A-12345 never arrived, email me at Jane@Example.com",
            )
        ],
        enricher,
    )
    session_id = web.results[0].session_id
    await ingest_events(
        db,
        [
            EventInput(
                f"{uid}-wa1",
                "whatsapp",
                f"+1555{uid}",
                session_id=session_id,
                occurred_at=t0 + timedelta(minutes=30),
                text="any update on a12345?",
            )
        ],
        enricher,
    )

    mentions, _, _ = driver.execute_query(
        "MATCH (m:Message {sessionId: $s})-[r:MENTIONS]->(e:Entity) "
        "RETURN e.key AS key, count(r) AS mentions, collect(m.channel) AS channels ORDER BY key",
        s=session_id,
    )
    assert [(r["key"], r["mentions"], sorted(r["channels"])) for r in mentions] == [
        ("EMAIL:jane@example.com", 1, ["web"]),
        ("ORDER_ID:A12345", 2, ["web", "whatsapp"]),
    ]
    nodes, _, _ = driver.execute_query(
        "MATCH (e:Entity) WHERE e.key IN ['ORDER_ID:A12345', 'EMAIL:jane@example.com'] "
        "RETURN count(e) AS n"
    )
    assert nodes[0]["n"] == 2

    context = await get_context(db, ContextSelector(session_id=session_id), 20)
    first, second = context.messages
    assert first.sentiment is not None
    assert first.sentiment < 0
    assert first.sentiment_label == "NEGATIVE"
    assert [i.name for i in first.intents] == ["delivery_problem"]
    assert [i.name for i in second.intents] == ["order_status"]
    assert [e.key for e in second.entities] == ["ORDER_ID:A12345"]
    assert second.entities[0].text == "a12345"
    assert first.enrichment_version == enricher.version
    order = next(e for e in context.entities if e.key == "ORDER_ID:A12345")
    assert (order.mentions, order.channels) == (2, ["web", "whatsapp"])
    assert order.first_seen_at < order.last_seen_at
    assert context.entities[0].key == "ORDER_ID:A12345"  # most recently mentioned first
    assert {i.name for i in context.intents} == {"delivery_problem", "order_status"}
    assert [p.seq for p in context.sentiment_trend] == [1, 2]
    assert context.sentiment is not None
    assert context.sentiment < 0

    # a read that shows neither gets the messages without their mentions and intents; the
    # session-wide entities, intents and sentiment are the same
    bare = await get_context(db, ContextSelector(session_id=session_id), 20, message_links=False)
    assert [(m.entities, m.intents) for m in bare.messages] == [([], []), ([], [])]
    assert [m.text for m in bare.messages] == [m.text for m in context.messages]
    assert (bare.entities, bare.intents) == (context.entities, context.intents)
    assert bare.sentiment == context.sentiment


async def test_bot_messages_do_not_count_towards_user_sentiment(
    db: Database, enricher: Enricher, uid: str
) -> None:
    from graph.domain.events import Speaker

    result = await ingest_events(
        db,
        [
            EventInput(f"{uid}-1", "web", uid, text="This is terrible, nothing works"),
            EventInput(
                f"{uid}-2", "web", uid, role=Speaker.BOT, text="Great news, wonderful, thanks!"
            ),
        ],
        enricher,
    )
    context = await get_context(db, ContextSelector(session_id=result.results[0].session_id), 20)
    assert [p.seq for p in context.sentiment_trend] == [1]
    assert context.sentiment == context.messages[0].sentiment


class FailingEnricher(Enricher):
    def enrich(self, texts: list[str], references: list[datetime]) -> list[Annotation]:
        raise EnrichmentError("model crashed")


async def test_enrichment_failure_fails_the_batch_and_writes_nothing(
    db: Database, driver: Driver, uid: str
) -> None:
    failing = FailingEnricher(EnrichmentConfig(model="rules"))
    with pytest.raises(EnrichmentFailedError, match="model crashed"):
        await ingest_events(db, [EventInput(f"{uid}-1", "web", uid, text="hi")], failing)
    found, _, _ = driver.execute_query(
        "MATCH (n) WHERE n.eventId = $e OR n.key = $k RETURN count(n) AS n",
        e=f"{uid}-1",
        k=f"web:{uid}",
    )
    assert found[0]["n"] == 0


async def test_without_an_enricher_messages_are_stored_unannotated(db: Database, uid: str) -> None:
    result = await ingest_events(db, [EventInput(f"{uid}-1", "web", uid, text="order A-99999")])
    context = await get_context(db, ContextSelector(session_id=result.results[0].session_id), 20)
    assert context.messages[0].sentiment is None
    assert context.messages[0].entities == []
    assert context.entities == []
    assert context.sentiment is None
