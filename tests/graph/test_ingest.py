from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from neo4j import Driver

from graph.domain.errors import BadInputError, NotFoundError
from graph.domain.events import EventInput, Speaker
from graph.pipeline.ingest import ingest_events
from graph.store.context import ContextSelector, get_context
from graph.store.database import Database
from graph.store.sessions import close_session

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


def count_for(driver: Driver, uid: str) -> dict[str, int]:
    """How many nodes and relationships carry this test's unique token anywhere in their keys."""
    records, _, _ = driver.execute_query(
        """
        MATCH (n) WHERE any(k IN ['key', 'eventId', 'externalId', 'nativeId']
                            WHERE n[k] IS NOT NULL AND n[k] CONTAINS $uid)
        OPTIONAL MATCH (n)-[r]-()
        RETURN count(DISTINCT n) AS nodes, count(DISTINCT r) AS rels
        """,
        uid=uid,
    )
    return {"nodes": records[0]["nodes"], "rels": records[0]["rels"]}


def web(uid: str, n: int, **extra: Any) -> EventInput:
    fields: dict[str, Any] = {
        "event_id": f"{uid}-web-{n}",
        "channel": "web",
        "external_user_id": f"cookie-{uid}",
        "thread_id": f"widget-{uid}",
        "text": f"web message {n}",
    }
    fields.update(extra)
    return EventInput(**fields)


async def test_a_batch_creates_one_session_with_ordered_seq_and_next_chain(
    db: Database, driver: Driver, uid: str
) -> None:
    result = await ingest_events(db, [web(uid, 1), web(uid, 2, role=Speaker.BOT), web(uid, 3)])
    assert (result.accepted, result.duplicates) == (3, 0)
    assert [r.seq for r in result.results] == [1, 2, 3]
    assert len({r.session_id for r in result.results}) == 1
    chain, _, _ = driver.execute_query(
        "MATCH p = (:Message {eventId: $first})-[:NEXT*]->(:Message {eventId: $last}) "
        "RETURN [m IN nodes(p) | m.seq] AS seqs",
        first=f"{uid}-web-1",
        last=f"{uid}-web-3",
    )
    assert chain[0]["seqs"] == [1, 2, 3]


async def test_replayed_event_returns_the_original_and_writes_nothing(
    db: Database, driver: Driver, uid: str
) -> None:
    first = await ingest_events(db, [web(uid, 1), web(uid, 2)])
    before = count_for(driver, uid)
    replay = await ingest_events(db, [web(uid, 2, text="changed"), web(uid, 1)])
    assert (replay.accepted, replay.duplicates) == (0, 2)
    assert replay.results[0] == first.results[1].__class__(
        **{**first.results[1].__dict__, "duplicate": True}
    )
    assert [r.message_id for r in replay.results] == [
        first.results[1].message_id,
        first.results[0].message_id,
    ]
    assert count_for(driver, uid) == before
    text, _, _ = driver.execute_query(
        "MATCH (m:Message {eventId: $id}) RETURN m.text AS text", id=f"{uid}-web-2"
    )
    assert text[0]["text"] == "web message 2"


async def test_duplicate_inside_one_batch_is_written_once(db: Database, uid: str) -> None:
    result = await ingest_events(db, [web(uid, 1), web(uid, 1), web(uid, 2)])
    assert (result.accepted, result.duplicates) == (2, 1)
    assert result.results[1].duplicate
    assert result.results[1].message_id == result.results[0].message_id
    assert [r.seq for r in result.results] == [1, 1, 2]


async def test_batch_with_one_bad_event_is_rejected_whole(
    db: Database, driver: Driver, uid: str
) -> None:
    with pytest.raises(BadInputError) as caught:
        await ingest_events(db, [web(uid, 1), web(uid, 2, channel="Web!")])
    assert caught.value.details == {"index": 1, "field": "channel"}
    assert count_for(driver, uid) == {"nodes": 0, "rels": 0}


async def test_unknown_explicit_session_rejects_the_batch_with_nothing_written(
    db: Database, driver: Driver, uid: str
) -> None:
    with pytest.raises(NotFoundError) as caught:
        await ingest_events(db, [web(uid, 1), web(uid, 2, session_id=f"ses_missing_{uid}")])
    assert caught.value.details == {"index": 1, "field": "sessionId"}
    assert count_for(driver, uid) == {"nodes": 0, "rels": 0}


async def test_next_channel_of_the_same_user_continues_the_open_session(
    db: Database, uid: str
) -> None:
    started = await ingest_events(db, [web(uid, 1)])
    session_id = started.results[0].session_id
    later = await ingest_events(
        db,
        [
            EventInput(f"{uid}-app-1", "mobile", f"cookie-{uid}", text="same person, new channel"),
        ],
    )
    # a different channel means a different identity, hence a different user and session ...
    assert later.results[0].session_id != session_id
    # ... until the app names the session explicitly (continuation after login)
    joined = await ingest_events(
        db,
        [
            EventInput(
                f"{uid}-app-2", "mobile", f"account-{uid}", session_id=session_id, text="hi"
            ),
            EventInput(f"{uid}-app-3", "mobile", f"account-{uid}", text="and without the id"),
        ],
    )
    assert [r.session_id for r in joined.results] == [session_id, session_id]
    assert [r.seq for r in joined.results] == [2, 3]


async def test_explicit_session_attaches_the_new_identity_to_the_sessions_user(
    db: Database, driver: Driver, uid: str
) -> None:
    started = await ingest_events(db, [web(uid, 1)])
    session_id = started.results[0].session_id
    await ingest_events(
        db,
        [
            EventInput(
                f"{uid}-app-1", "mobile", f"account-{uid}", session_id=session_id, text="hi"
            ),
        ],
    )
    users, _, _ = driver.execute_query(
        "MATCH (i:Identity)-[:IDENTIFIES]->(u:User) WHERE i.key IN $keys "
        "RETURN collect(DISTINCT u.id) AS users",
        keys=[f"web:cookie-{uid}", f"mobile:account-{uid}"],
    )
    assert len(users[0]["users"]) == 1
    context = await get_context(
        db, ContextSelector(channel="mobile", external_user_id=f"account-{uid}"), 20
    )
    assert [m.channel for m in context.messages] == ["web", "mobile"]
    assert context.channels == ["web", "mobile"]


async def test_thread_maps_back_to_its_session(db: Database, uid: str) -> None:
    first = await ingest_events(db, [web(uid, 1)])
    again = await ingest_events(db, [web(uid, 2)])
    assert again.results[0].session_id == first.results[0].session_id


async def test_event_for_a_closed_session_starts_a_continuing_session(
    db: Database, driver: Driver, uid: str
) -> None:
    first = await ingest_events(db, [web(uid, 1)])
    old = first.results[0].session_id
    closed = await close_session(db, old, "resolved")
    assert closed.status == "CLOSED"
    after = await ingest_events(db, [web(uid, 2)])
    new = after.results[0].session_id
    assert new != old
    assert after.results[0].seq == 1
    link, _, _ = driver.execute_query(
        "MATCH (:Session {id: $new})-[:CONTINUES]->(p:Session) RETURN p.id AS id", new=new
    )
    assert link[0]["id"] == old
    context = await get_context(db, ContextSelector(session_id=new), 20)
    assert context.session.continues == old


async def test_text_less_events_update_attributes_and_metadata_without_messages(
    db: Database, driver: Driver, uid: str
) -> None:
    t0 = datetime.now(UTC) - timedelta(minutes=5)
    result = await ingest_events(
        db,
        [
            web(uid, 1, occurred_at=t0),
            web(
                uid,
                2,
                text=None,
                occurred_at=t0 + timedelta(seconds=2),
                attributes={"cart": ["SKU-1"], "locale": "en-GB"},
                metadata={"page": "/cart"},
            ),
            web(
                uid,
                3,
                text=None,
                occurred_at=t0 + timedelta(seconds=1),
                attributes={"locale": "fr-FR"},
            ),
        ],
    )
    assert [r.message_id is None for r in result.results] == [False, True, True]
    assert [r.seq for r in result.results] == [1, None, None]
    context = await get_context(db, ContextSelector(session_id=result.results[0].session_id), 20)
    # last write wins by event time: the older fr-FR does not overwrite en-GB
    assert context.attributes == {"cart": ["SKU-1"], "locale": "en-GB"}
    assert len(context.messages) == 1
    events, _, _ = driver.execute_query(
        "MATCH (e:Event {eventId: $id}) RETURN e.metadata AS metadata", id=f"{uid}-web-2"
    )
    assert events[0]["metadata"] == '{"page":"/cart"}'


async def test_context_returns_the_last_messages_oldest_first(db: Database, uid: str) -> None:
    t0 = datetime.now(UTC) - timedelta(minutes=10)
    await ingest_events(db, [web(uid, n, occurred_at=t0 + timedelta(seconds=n)) for n in range(30)])
    context = await get_context(
        db, ContextSelector(channel="web", external_user_id=f"cookie-{uid}"), 5
    )
    assert [m.seq for m in context.messages] == [26, 27, 28, 29, 30]
    assert [m.text for m in context.messages][-1] == "web message 29"
    assert context.session.seq == 30


async def test_context_selector_errors_are_typed(db: Database, uid: str) -> None:
    with pytest.raises(BadInputError):
        await get_context(db, ContextSelector(), 20)
    with pytest.raises(BadInputError):
        await get_context(db, ContextSelector(user_id="a", session_id="b"), 20)
    with pytest.raises(NotFoundError):
        await get_context(db, ContextSelector(user_id=f"usr_{uid}"), 20)
    with pytest.raises(NotFoundError):
        await get_context(db, ContextSelector(channel="sms", external_user_id=uid), 20)


async def test_bot_and_agent_messages_carry_their_agent(db: Database, uid: str) -> None:
    result = await ingest_events(
        db,
        [
            web(uid, 1),
            web(uid, 2, role=Speaker.BOT, agent_id=f"bot-{uid}"),
            web(uid, 3, role=Speaker.AGENT, agent_id=f"sam-{uid}"),
        ],
    )
    context = await get_context(db, ContextSelector(session_id=result.results[0].session_id), 20)
    assert [m.agent_id for m in context.messages] == [None, f"bot-{uid}", f"sam-{uid}"]


async def test_context_can_include_the_sessions_it_continues(db: Database, uid: str) -> None:
    first = await ingest_events(db, [web(uid, 1, text="my order A-55555 never arrived")])
    old = first.results[0].session_id
    await close_session(db, old, "resolved")
    second = await ingest_events(db, [web(uid, 2, text="any update?")])
    new = second.results[0].session_id
    plain = await get_context(db, ContextSelector(session_id=new), 20)
    assert plain.previous == []
    context = await get_context(db, ContextSelector(session_id=new), 20, include_previous=3)
    assert [p.session.id for p in context.previous] == [old]
    assert [m.text for m in context.previous[0].messages] == ["my order A-55555 never arrived"]
    with pytest.raises(BadInputError):
        await get_context(db, ContextSelector(session_id=new), 20, include_previous=11)


async def test_previous_sessions_come_nearest_first_in_two_round_trips(
    db: Database, uid: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sessions = []
    for n in range(1, 5):  # four sessions, each continuing the one before
        result = await ingest_events(db, [web(uid, n, text=f"visit {n}")])
        sessions.append(result.results[0].session_id)
        await close_session(db, sessions[-1], "resolved")
    reads = 0
    original = Database.read

    async def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal reads
        reads += 1
        return await original(*args, **kwargs)

    monkeypatch.setattr(Database, "read", counted)
    context = await get_context(db, ContextSelector(session_id=sessions[3]), 20, 2)
    assert [p.session.id for p in context.previous] == [sessions[2], sessions[1]]
    assert [[m.text for m in p.messages] for p in context.previous] == [["visit 3"], ["visit 2"]]
    assert reads == 2  # the session, then every previous one at once (not one read each)
    everything = await get_context(db, ContextSelector(session_id=sessions[3]), 20, 10)
    assert [p.session.id for p in everything.previous] == sessions[2::-1]
    assert everything.previous[0].session.continues == sessions[1]
