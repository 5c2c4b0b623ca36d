"""Several people in one thread (a Slack channel, an email thread with several senders): each
person's messages stay theirs — found by their own context, exported and erased as theirs."""

from __future__ import annotations

import json

import pytest
from neo4j import Driver

from graph.compliance import gdpr
from graph.domain.events import EventInput
from graph.pipeline.ingest import ingest_events
from graph.store.context import ContextSelector, get_context
from graph.store.database import Database

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


async def shared_thread(db: Database, uid: str, channel: str) -> tuple[str, str, str]:
    """Ann writes first, then Bob in the same thread; returns (session, ann's user, bob's)."""
    thread = f"team:{uid}" if channel == "slack" else f"<root-{uid}@mail.example>"
    ann, bob = f"ann-{uid}", f"bob-{uid}"
    first = await ingest_events(
        db, [EventInput(f"{uid}-a", channel, ann, thread_id=thread, text=f"ann asks {uid}")]
    )
    second = await ingest_events(
        db, [EventInput(f"{uid}-b", channel, bob, thread_id=thread, text=f"bob's secret {uid}")]
    )
    assert first.results[0].session_id == second.results[0].session_id
    return (
        first.results[0].session_id,
        first.results[0].user_id or "",
        second.results[0].user_id or "",
    )


def texts(record: object) -> list[str]:
    return [m.text or "" for m in record.messages]  # type: ignore[attr-defined]


@pytest.mark.parametrize("channel", ["slack", "email"])
async def test_each_person_finds_the_shared_thread_in_their_own_context(
    db: Database, uid: str, channel: str
) -> None:
    session, _, _ = await shared_thread(db, uid, channel)
    for person in ("ann", "bob"):
        context = await get_context(
            db, ContextSelector(channel=channel, external_user_id=f"{person}-{uid}"), 20
        )
        assert context.session is not None
        assert context.session.id == session
        assert texts(context) == [f"ann asks {uid}", f"bob's secret {uid}"]


@pytest.mark.parametrize("channel", ["slack", "email"])
async def test_each_persons_export_holds_their_own_words_only(
    db: Database, uid: str, channel: str
) -> None:
    _, ann, bob = await shared_thread(db, uid, channel)
    for user, mine, theirs in ((ann, "ann asks", "bob's secret"), (bob, "bob's secret", "ann")):
        document = await gdpr.export_user(db, user)
        [session] = document["user"]["sessions"]
        assert [m["text"] for m in session["messages"]] == [f"{mine} {uid}"]
        assert session["otherParticipantsMessages"] == 1
        assert f"{theirs} {uid}" not in json.dumps(document)


def everything(driver: Driver) -> str:
    records, _, _ = driver.execute_query(
        "MATCH (n) RETURN properties(n) AS p UNION ALL MATCH ()-[r]->() RETURN properties(r) AS p"
    )
    return json.dumps([r["p"] for r in records], default=str)


@pytest.mark.parametrize("channel", ["slack", "email"])
async def test_erasing_a_participant_removes_only_their_words(
    db: Database, driver: Driver, uid: str, channel: str
) -> None:
    session, _, bob = await shared_thread(db, uid, channel)
    await gdpr.erase_user(db, bob)
    graph = everything(driver)
    assert f"bob's secret {uid}" not in graph
    assert f"bob-{uid}" not in graph
    context = await get_context(
        db, ContextSelector(channel=channel, external_user_id=f"ann-{uid}"), 20
    )
    assert context.session is not None
    assert context.session.id == session
    assert texts(context) == [f"ann asks {uid}"]


@pytest.mark.parametrize("channel", ["slack", "email"])
async def test_erasing_the_first_writer_leaves_the_thread_to_the_others(
    db: Database, driver: Driver, uid: str, channel: str
) -> None:
    session, ann, _ = await shared_thread(db, uid, channel)
    counts = await gdpr.erase_user(db, ann)
    assert counts["sharedSessions"] == 1
    graph = everything(driver)
    assert f"ann asks {uid}" not in graph
    assert f"ann-{uid}" not in graph
    context = await get_context(
        db, ContextSelector(channel=channel, external_user_id=f"bob-{uid}"), 20
    )
    assert context.session is not None
    assert context.session.id == session  # now Bob's
    assert texts(context) == [f"bob's secret {uid}"]
