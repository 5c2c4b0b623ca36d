"""Session timers driven by an injected clock, against the real Neo4j."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from neo4j import Driver

from graph.domain.events import EventInput
from graph.pipeline.ingest import ingest_events
from graph.store.database import Database
from graph.store.lifecycle import Timers, channel_timers, sweep, transitions
from graph.store.sessions import get_session
from tests.helpers.server import GraphQLClient

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


def private_time() -> datetime:
    """A moment in 2003 no other test uses, so a sweep there touches only this test's sessions."""
    return datetime(2003, 1, 1, tzinfo=UTC) + timedelta(minutes=random.randrange(10**6))


async def test_active_idle_closed_archived_with_recorded_transitions(
    db: Database, uid: str
) -> None:
    t0 = private_time()
    result = await ingest_events(
        db, [EventInput(f"{uid}-1", "web", uid, occurred_at=t0, text="hi")]
    )
    session_id = result.results[0].session_id
    timers = Timers()

    await sweep(db, timers, now=t0 + timedelta(minutes=10))
    assert (await get_session(db, session_id)).status == "ACTIVE"  # type: ignore[union-attr]
    await sweep(db, timers, now=t0 + timedelta(minutes=31))
    assert (await get_session(db, session_id)).status == "IDLE"  # type: ignore[union-attr]
    await sweep(db, timers, now=t0 + timedelta(minutes=31))  # idempotent
    await sweep(db, timers, now=t0 + timedelta(hours=25))
    closed = await get_session(db, session_id)
    assert closed is not None
    assert closed.status == "CLOSED"
    assert closed.closed_at == t0 + timedelta(hours=25)
    await sweep(db, timers, now=t0 + timedelta(hours=25, days=31))
    assert (await get_session(db, session_id)).status == "ARCHIVED"  # type: ignore[union-attr]

    history = await transitions(db, session_id)
    assert [(t.from_status, t.to_status, t.cause) for t in history] == [
        ("ACTIVE", "IDLE", "idle timeout"),
        ("IDLE", "CLOSED", "inactivity timeout"),
        ("CLOSED", "ARCHIVED", "archive timeout"),
    ]
    later = await ingest_events(db, [EventInput(f"{uid}-2", "web", uid, text="back again")])
    assert later.results[0].session_id != session_id  # an archived session is not reopened


async def test_a_long_silent_session_closes_directly(db: Database, uid: str) -> None:
    t0 = private_time()
    result = await ingest_events(db, [EventInput(f"{uid}-1", "sms", uid, occurred_at=t0, text="x")])
    await sweep(db, Timers(), now=t0 + timedelta(days=2))
    history = await transitions(db, result.results[0].session_id)
    assert [(t.from_status, t.to_status) for t in history] == [("ACTIVE", "CLOSED")]


async def test_concurrent_sweepers_apply_each_transition_once(
    db: Database, driver: Driver, uid: str
) -> None:
    t0 = private_time()
    events = [
        EventInput(f"{uid}-{n}", "web", f"{uid}-u{n}", occurred_at=t0, text="hi") for n in range(20)
    ]
    result = await ingest_events(db, events)
    session_ids = sorted({r.session_id for r in result.results})
    await asyncio.gather(
        *(sweep(db, Timers(), now=t0 + timedelta(hours=1), batch=7) for _ in range(4))
    )
    counts, _, _ = driver.execute_query(
        "MATCH (s:Session)-[:TRANSITIONED]->(t:Transition) WHERE s.id IN $ids "
        "RETURN s.id AS id, count(t) AS n, collect(s.status)[0] AS status",
        ids=session_ids,
    )
    assert len(counts) == len(session_ids) == 20
    assert {(r["n"], r["status"]) for r in counts} == {(1, "IDLE")}


async def test_transitions_are_visible_on_the_session_over_graphql(
    db: Database, uid: str, gql: GraphQLClient
) -> None:
    t0 = private_time()
    result = await ingest_events(db, [EventInput(f"{uid}-1", "web", uid, occurred_at=t0, text="x")])
    session_id = result.results[0].session_id
    await sweep(db, Timers(), now=t0 + timedelta(hours=2))
    body: dict[str, Any] = await asyncio.to_thread(
        gql,
        "query($s: ID!) { session(id: $s) { status transitions { from to cause } } }",
        s=session_id,
    )
    assert body["data"]["session"] == {
        "status": "IDLE",
        "transitions": [{"from": "ACTIVE", "to": "IDLE", "cause": "idle timeout"}],
    }


async def test_per_channel_timers_follow_the_channel_of_the_last_activity(
    db: Database, uid: str
) -> None:
    t0 = private_time()
    voice_user, web_user, switcher = f"{uid}-voice", f"{uid}-web", f"{uid}-switch"
    result = await ingest_events(
        db,
        [
            EventInput(f"{uid}-1", "voice", voice_user, occurred_at=t0, text="hi"),
            EventInput(f"{uid}-2", "web", web_user, occurred_at=t0, text="hi"),
            EventInput(f"{uid}-3", "voice", switcher, occurred_at=t0, text="hi"),
        ],
    )
    voice, web, switched = (r.session_id for r in result.results)
    # the switcher's last word is on web: web's (default) timers apply to that session
    later = t0 + timedelta(seconds=5)
    await ingest_events(
        db, [EventInput(f"{uid}-4", "web", switcher, session_id=switched, occurred_at=later)]
    )
    assert (await get_session(db, switched)).last_channel == "web"  # type: ignore[union-attr]
    overrides = {"voice": Timers(idle_after=timedelta(minutes=2), close_after=timedelta(hours=1))}

    await sweep(db, Timers(), now=t0 + timedelta(minutes=5), channel_timers=overrides)
    statuses = [(await get_session(db, s)).status for s in (voice, web, switched)]  # type: ignore[union-attr]
    assert statuses == ["IDLE", "ACTIVE", "ACTIVE"]
    await sweep(db, Timers(), now=t0 + timedelta(hours=2), channel_timers=overrides)
    statuses = [(await get_session(db, s)).status for s in (voice, web, switched)]  # type: ignore[union-attr]
    assert statuses == ["CLOSED", "IDLE", "IDLE"]
    history = await transitions(db, voice)
    assert [t.cause for t in history] == [
        "idle timeout (voice timers)",
        "inactivity timeout (voice timers)",
    ]


def test_channel_timer_settings_fill_unset_fields_from_the_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from graph.config import Settings

    monkeypatch.setenv("THREADLINE_IDLE_AFTER_MINUTES", "10")
    monkeypatch.setenv("THREADLINE_CHANNEL_TIMERS", '{"email": {"close_after_hours": 72}}')
    settings = Settings()
    email = channel_timers(settings)["email"]
    assert email == Timers(
        idle_after=timedelta(minutes=10),
        close_after=timedelta(hours=72),
        archive_after=timedelta(days=30),
    )


async def test_sweeps_publish_status_changes(db: Database, uid: str) -> None:
    t0 = private_time()
    result = await ingest_events(db, [EventInput(f"{uid}-1", "web", uid, occurred_at=t0, text="x")])
    session_id = result.results[0].session_id
    async with db.live.subscribe(session_id, None) as events:
        await sweep(db, Timers(), now=t0 + timedelta(minutes=45))
        change = await anext(events)
    assert (change.kind, change.status, change.cause) == ("STATUS", "IDLE", "idle timeout")
