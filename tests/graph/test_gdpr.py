"""Erasure leaves no trace of the person anywhere in the graph; export returns all of it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from neo4j import Driver

from enrichment.pipeline import Enricher
from graph.compliance import gdpr
from graph.domain.errors import ConflictError, NotFoundError
from graph.domain.events import EventInput
from graph.pipeline.ingest import ingest_events
from graph.store.attributes import AttributeWrite, Owner, set_attributes, set_session_attributes
from graph.store.continuation import create_token
from graph.store.database import Database
from graph.store.handoffs import handoff, upsert_agent
from graph.store.merges import merge_users
from graph.store.sessions import close_session, get_session

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


def everything(driver: Driver) -> str:
    """Every property of every node and relationship, as one string to search."""
    records, _, _ = driver.execute_query(  # no aggregation: the server streams any store size
        "MATCH (n) RETURN properties(n) AS p UNION ALL MATCH ()-[r]->() RETURN properties(r) AS p"
    )
    return json.dumps([r["p"] for r in records], default=str)


async def build_person(db: Database, enricher: Enricher, uid: str) -> dict[str, Any]:
    """One person on web and WhatsApp (merged), with attributes, handoff, token and entities."""
    email, phone = f"erase.{uid}@example.com", "+1555" + str(int(uid, 16))[:7]
    secret = f"secret words {uid}"
    web = await ingest_events(
        db,
        [
            EventInput(f"{uid}-1", "web", f"cookie-{uid}", thread_id=f"w-{uid}", text=secret),
            EventInput(f"{uid}-2", "web", f"cookie-{uid}", text=f"email {email} order Z-{uid[:5]}"),
            EventInput(f"{uid}-3", "web", f"cookie-{uid}", attributes={"plan": f"p-{uid}"}),
        ],
        enricher,
    )
    wa = await ingest_events(
        db, [EventInput(f"{uid}-4", "whatsapp", phone, text=f"call {phone}")], enricher
    )
    web_session, wa_session = web.results[0].session_id, wa.results[0].session_id
    web_user = (await get_session(db, web_session)).user_id  # type: ignore[union-attr]
    wa_user = (await get_session(db, wa_session)).user_id  # type: ignore[union-attr]
    await merge_users(db, wa_user, web_user, f"evidence {uid}", "agent")
    await set_session_attributes(db, web_session, AttributeWrite({"note": f"n-{uid}"}))
    await set_attributes(db, Owner.USER, web_user, AttributeWrite({"vip": f"v-{uid}"}))
    await upsert_agent(db, f"agent-{uid}", "HUMAN", None)
    await handoff(db, web_session, f"agent-{uid}", "help")
    await create_token(db, web_session)
    await close_session(db, wa_session, "done")
    identifiers = [f"cookie-{uid}", email, phone, web_user, wa_user, web_session, wa_session]
    identifiers += [secret, f"p-{uid}", f"n-{uid}", f"v-{uid}", f"evidence {uid}", f"w-{uid}"]
    return {
        "user": web_user,
        "merged_away": wa_user,
        "identifiers": identifiers,
        "sessions": [web_session, wa_session],
    }


async def test_export_holds_the_whole_person(
    db: Database, rules_enricher: Enricher, uid: str
) -> None:
    person = await build_person(db, rules_enricher, uid)
    document = await gdpr.export_user(db, person["user"])
    json.dumps(document)  # machine-readable as it is
    user = document["user"]
    assert {i["channel"] for i in user["identities"]} == {"web", "whatsapp"}
    assert user["attributes"]["vip"]["value"] == f"v-{uid}"
    assert [(c["key"], c["value"]) for c in user["attributeHistory"]] == [("vip", f"v-{uid}")]
    assert {s["id"] for s in user["sessions"]} == set(person["sessions"])
    web = next(s for s in user["sessions"] if s["attributes"])
    assert web["attributes"]["plan"]["value"] == f"p-{uid}"
    assert {(c["key"], c["value"]) for c in web["attributeHistory"]} == {
        ("plan", f"p-{uid}"),
        ("note", f"n-{uid}"),
    }
    assert [m["seq"] for m in web["messages"]] == [1, 2]
    assert web["messages"][0]["text"] == f"secret words {uid}"
    assert any(e["type"] == "EMAIL" for e in web["messages"][1]["entities"])
    assert web["handoffs"][0]["to"] == f"agent-{uid}"
    assert user["merges"][0]["evidence"] == f"evidence {uid}"
    assert set(user["userIds"]) == {person["user"], person["merged_away"]}
    first = web["messages"][0]
    assert first["id"].startswith("msg_")
    assert (first["sessionId"], first["channel"], first["role"]) == (web["id"], "web", "USER")
    assert first["identityKey"] == f"web:cookie-{uid}"
    assert first["eventId"] == f"{uid}-1"
    # the text-less event (attributes only) is exported with its metadata and time
    assert [e["eventId"] for e in web["events"]] == [f"{uid}-3"]
    assert web["continuationTokens"][0]["expiresAt"] > web["continuationTokens"][0]["createdAt"]
    assert "hash" not in web["continuationTokens"][0]
    whatsapp = next(s for s in user["sessions"] if s["id"] != web["id"])
    assert [t["cause"] for t in whatsapp["transitions"]] == ["done"]
    linked = {i["key"]: i for i in user["identities"]}
    assert linked[f"web:cookie-{uid}"]["linkedAt"] is not None
    assert document["format"] == "threadline-user-export/2"
    with pytest.raises(NotFoundError):
        await gdpr.export_user(db, f"usr_{uid}")


async def test_export_leaves_out_another_participants_words_in_a_shared_thread(
    db: Database, rules_enricher: Enricher, uid: str
) -> None:
    thread = f"room-{uid}"
    first = await ingest_events(
        db, [EventInput(f"{uid}-a", "web", f"ann-{uid}", thread_id=thread, text="ann here")]
    )
    await ingest_events(
        db, [EventInput(f"{uid}-b", "web", f"bob-{uid}", thread_id=thread, text="bob's secret")]
    )
    owner = (await get_session(db, first.results[0].session_id)).user_id  # type: ignore[union-attr]
    document = await gdpr.export_user(db, owner)
    [session] = document["user"]["sessions"]
    assert [m["text"] for m in session["messages"]] == ["ann here"]
    assert session["otherParticipantsMessages"] == 1
    assert "bob's secret" not in json.dumps(document)


async def test_erasure_leaves_nothing_that_identifies_the_person(
    db: Database, driver: Driver, rules_enricher: Enricher, uid: str
) -> None:
    shared_entity = "ORDER_ID:A77777"
    other = await ingest_events(
        db, [EventInput(f"{uid}-o", "web", f"other-{uid}", text="order A-77777")], rules_enricher
    )
    person = await build_person(db, rules_enricher, uid)
    mine = EventInput(f"{uid}-5", "web", f"cookie-{uid}", text="re order A-77777")
    await ingest_events(db, [mine], rules_enricher)

    merged_away = person["merged_away"]
    with pytest.raises(ConflictError) as refused:  # the person is erased through the survivor
        await gdpr.erase_user(db, merged_away)
    assert refused.value.details["mergedInto"] == person["user"]
    counts = await gdpr.erase_user(db, person["user"], actor="admin:test")
    assert counts["users"] == 2  # the user and the one merged into it
    assert counts["sessions"] == 2
    assert counts["messages"] == 4
    assert counts["identities"] == 2
    assert counts["events"] == 1
    assert counts["continuationTokens"] == 1
    dump = everything(driver)
    for identifier in person["identifiers"]:
        assert identifier not in dump, identifier
    # a shared entity keeps the other person's mention; this person's own entities are gone
    records, _, _ = driver.execute_query(
        "MATCH (e:Entity {key: $k}) RETURN COUNT { (:Message)-[:MENTIONS]->(e) } AS n",
        k=shared_entity,
    )
    assert records[0]["n"] >= 1
    assert other.results[0].session_id in dump
    ledger, _, _ = driver.execute_query(
        "MATCH (l:Erasure) WHERE l.actor = 'admin:test' RETURN l ORDER BY l.at DESC LIMIT 1"
    )
    entry = dict(ledger[0]["l"])
    assert entry["messages"] == 4
    assert len(entry["subjectHash"]) == 32
    with pytest.raises(NotFoundError):
        await gdpr.erase_user(db, person["user"])


async def test_erasure_works_in_batches(
    db: Database, driver: Driver, uid: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gdpr, "BATCH", 7)
    events = [
        EventInput(f"{uid}-{n}", "web", f"many-{uid}", text=f"message {n}") for n in range(30)
    ]
    result = await ingest_events(db, events)
    user = (await get_session(db, result.results[0].session_id)).user_id  # type: ignore[union-attr]
    counts = await gdpr.erase_user(db, user)
    assert counts["messages"] == 30
    records, _, _ = driver.execute_query(
        "MATCH (m:Message) WHERE m.userId = $u AND m.at IS NOT NULL RETURN count(m) AS n", u=user
    )
    assert records[0]["n"] == 0


async def archived_session(db: Database, enricher: Enricher, uid: str) -> str:
    events = [
        EventInput(
            f"{uid}-r1", "web", f"ret-{uid}", text=f"mail ret.{uid}@example.com about order A-12345"
        ),
        EventInput(f"{uid}-r2", "web", f"ret-{uid}", text="thanks, bye"),
        EventInput(f"{uid}-r3", "web", f"ret-{uid}", attributes={"step": 2}),
    ]
    result = await ingest_events(db, events, enricher)
    session_id = result.results[0].session_id
    await close_session(db, session_id, "done")
    await db.driver.execute_query(  # an old, archived conversation
        "MATCH (s:Session {id: $id}) SET s.status = 'ARCHIVED', "
        "s.lastActivityAt = datetime('2001-01-01T00:00:00Z')",
        id=session_id,
    )
    return session_id


async def test_retention_anonymizes_then_purges(
    db: Database, driver: Driver, rules_enricher: Enricher, uid: str
) -> None:
    from graph.store.retention import apply_retention

    anonymized = await archived_session(db, rules_enricher, uid)
    counts = await apply_retention(db, days=365)
    assert counts["sessions"] >= 1
    records, _, _ = driver.execute_query(
        "MATCH (m:Message) WHERE m.sessionId = $s AND m.seq IS NOT NULL "
        "RETURN m.text AS text, m.sentiment AS sentiment, "
        "COLLECT { MATCH (m)-[r:MENTIONS]->(e) RETURN [e.type, r.text] } AS mentions",
        s=anonymized,
    )
    assert [r["text"] for r in records] == [None, None]
    assert all(r["sentiment"] is not None for r in records)  # analytics survive
    mentioned = [m for r in records for m in r["mentions"]]
    assert ["ORDER_ID", None] in mentioned
    assert all(kind not in ("EMAIL", "PHONE") for kind, _ in mentioned)
    assert f"ret.{uid}@example.com" not in everything(driver)
    again = await apply_retention(db, days=365)  # each session once
    assert anonymized not in str(again)

    purged = await archived_session(db, rules_enricher, f"{uid}p")
    await apply_retention(db, days=365, mode="purge")
    records, _, _ = driver.execute_query(
        "MATCH (n) WHERE (n:Message OR n:Event) AND n.sessionId = $s RETURN count(n) AS n", s=purged
    )
    assert records[0]["n"] == 0
    kept = await get_session(db, purged)
    assert kept is not None
    assert kept.status == "ARCHIVED"
