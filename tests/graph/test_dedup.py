"""Deduplication by (channel, sender, eventId): a retry is one event, a colliding id is another."""

from __future__ import annotations

import pytest
from neo4j import Driver

from graph.domain.events import EventInput, dedup_key
from graph.pipeline.ingest import ingest_events
from graph.store.database import Database
from graph.store.schema import migrate

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


def event(uid: str, channel: str, sender: str, text: str, event_id: str = "") -> EventInput:
    return EventInput(
        event_id=event_id or f"{uid}-shared-id",
        channel=channel,
        external_user_id=f"{sender}-{uid}",
        text=text,
    )


async def test_the_same_event_id_from_another_user_or_channel_is_stored(
    db: Database, driver: Driver, uid: str
) -> None:
    first = await ingest_events(db, [event(uid, "web", "alice", "alice's words")])
    other_user = await ingest_events(db, [event(uid, "web", "bob", "bob's words")])
    other_channel = await ingest_events(db, [event(uid, "sms", "alice", "alice on sms")])

    assert (other_user.accepted, other_user.duplicates) == (1, 0)
    assert (other_channel.accepted, other_channel.duplicates) == (1, 0)
    sessions = {r.results[0].session_id for r in (first, other_user, other_channel)}
    assert len(sessions) == 3  # bob never sees alice's session id
    records, _, _ = driver.execute_query(
        "MATCH (m:Message {eventId: $id}) RETURN m.text AS text ORDER BY text",
        id=f"{uid}-shared-id",
    )
    assert [r["text"] for r in records] == ["alice on sms", "alice's words", "bob's words"]


async def test_a_retry_from_the_same_sender_is_a_duplicate_with_its_own_session(
    db: Database, uid: str
) -> None:
    first = await ingest_events(db, [event(uid, "web", "alice", "hello")])
    await ingest_events(db, [event(uid, "web", "bob", "hello from bob")])
    again = await ingest_events(db, [event(uid, "web", "alice", "hello")])
    assert (again.accepted, again.duplicates) == (0, 1)
    assert again.results[0].session_id == first.results[0].session_id
    assert again.results[0].message_id == first.results[0].message_id


async def test_colliding_ids_inside_one_batch_are_two_events(db: Database, uid: str) -> None:
    result = await ingest_events(
        db,
        [
            event(uid, "web", "alice", "one"),
            event(uid, "web", "bob", "two"),
            event(uid, "web", "alice", "one"),
        ],
    )
    assert [r.duplicate for r in result.results] == [False, False, True]
    assert result.results[0].session_id != result.results[1].session_id


def test_the_key_is_unambiguous_whatever_the_ids_hold() -> None:
    assert dedup_key("web", "a:b", "c") != dedup_key("web", "a", "b:c")
    assert dedup_key("web", "a", "b") == "web:1:a:b"


async def test_migrate_backfills_keys_of_older_events_and_drops_the_old_constraints(
    db: Database, driver: Driver, uid: str
) -> None:
    """An older database: messages without dedupKey and a constraint of the old name."""
    driver.execute_query(
        "CREATE (:Message {id: $p + 'm', eventId: $p + 'e1', channel: 'web', "
        "identityKey: 'web:' + $p + ':x'}), "
        "(:Event {eventId: $p + 'e2', channel: 'sms', identityKey: 'sms:+1555' + $p})",
        p=uid,
    )
    # the old constraint's name on a label nothing else uses, so the shared store can hold it
    driver.execute_query(
        "CREATE CONSTRAINT event_event_id IF NOT EXISTS "
        "FOR (n:LegacyDedupProbe) REQUIRE n.eventId IS UNIQUE"
    )
    await migrate(db)

    records, _, _ = driver.execute_query(
        "MATCH (n:Message|Event) WHERE n.eventId IN [$p + 'e1', $p + 'e2'] "
        "RETURN n.eventId AS id, n.dedupKey AS key ORDER BY id",
        p=uid,
    )
    assert [r["key"] for r in records] == [
        dedup_key("web", f"{uid}:x", f"{uid}e1"),
        dedup_key("sms", f"+1555{uid}", f"{uid}e2"),
    ]
    names, _, _ = driver.execute_query("SHOW CONSTRAINTS YIELD name RETURN collect(name) AS n")
    assert "event_event_id" not in names[0]["n"]
    assert {"message_dedup_key", "event_dedup_key"} <= set(names[0]["n"])
    # a retry of the migrated message is recognised
    replay = await ingest_events(
        db, [EventInput(event_id=f"{uid}e1", channel="web", external_user_id=f"{uid}:x", text="x")]
    )
    assert replay.duplicates == 1
