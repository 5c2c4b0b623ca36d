"""The dashboard's session timeline masks free text for analysts as the API does."""

from __future__ import annotations

import pytest

from api.dashboard.data import timeline
from graph.domain.events import EventInput
from graph.pipeline.ingest import ingest_events
from graph.store.database import Database
from graph.store.handoffs import handoff, upsert_agent
from graph.store.lifecycle import transitions
from graph.store.sessions import close_session

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


async def test_handoff_reasons_and_close_reasons_are_masked_for_analysts(
    db: Database, uid: str
) -> None:
    result = await ingest_events(
        db, [EventInput(event_id=f"{uid}-1", channel="web", external_user_id=uid, text="hi")]
    )
    session = result.results[0].session_id
    await upsert_agent(db, f"{uid}-agent", "HUMAN", None)
    secret = f"Jane Roe {uid}"
    await handoff(db, session, f"{uid}-agent", secret)
    await close_session(db, session, secret)

    clear = await timeline(db, session, sees_pii=True)
    masked = await timeline(db, session, sees_pii=False)
    assert clear is not None
    assert masked is not None
    assert secret in str(clear.items)
    assert secret not in str(masked.items)
    kinds = [item["kind"] for item in masked.items]
    assert kinds == ["message", "handoff", "transition"]  # closeSession is a transition


async def test_close_session_records_one_transition_with_its_reason(db: Database, uid: str) -> None:
    result = await ingest_events(
        db, [EventInput(event_id=f"{uid}-1", channel="web", external_user_id=uid, text="hi")]
    )
    session = result.results[0].session_id
    await close_session(db, session, "resolved")
    await close_session(db, session, "again")  # idempotent: the first closing stays
    moves = await transitions(db, session)
    assert [(t.from_status, t.to_status, t.cause) for t in moves] == [
        ("ACTIVE", "CLOSED", "resolved")
    ]


async def test_the_timeline_shows_a_replys_delivery(
    live_server: str, db: Database, uid: str
) -> None:
    import httpx

    from graph.domain.events import Speaker
    from graph.store.outbox import destination_for

    result = await ingest_events(
        db, [EventInput(event_id=f"{uid}-1", channel="web", external_user_id=uid, text="hi")]
    )
    session = result.results[0].session_id
    target = await destination_for(db, session, None)
    await ingest_events(
        db,
        [
            EventInput(
                f"{uid}-2",
                "web",
                uid,
                session_id=session,
                role=Speaker.AGENT,
                text="hello",
                outbound=target,
            )
        ],
    )
    shown = await timeline(db, session, sees_pii=False)
    assert shown is not None
    assert [item.get("delivery") for item in shown.items] == [None, "QUEUED"]
    async with httpx.AsyncClient(base_url=live_server) as http:
        page = (await http.get(f"/dashboard/sessions/{session}")).text
    assert 'data-testid="delivery"' in page
    assert ">QUEUED</span>" in page
