"""Attribute values sealed per person (THREADLINE_ENCRYPTION): at rest they are ciphertext under
the person's data key — in the graph, in the attribute history, and in every file of Neo4j's data
directory — while every read and merge policy sees the clear values; keys declared not personal
stay in clear; erasure destroys the key, so a copy of the data directory taken before it keeps
only noise for that person."""

from __future__ import annotations

import asyncio
import random
import re
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from enrichment.patterns import load_conversation_rules
from enrichment.pipeline import Enricher
from graph.compliance import gdpr
from graph.config import Settings
from graph.domain.attribute_policies import MergePolicy
from graph.domain.events import EventInput, Speaker, identity_key, thread_key
from graph.domain.outbox import Destination
from graph.domain.sealed import entity_key, open_with
from graph.keys.envelope import SealError, is_sealed, key_id_of
from graph.keys.keyring import Keyring
from graph.local.provision import Neo4jTarget
from graph.pipeline.ingest import ingest_events
from graph.pipeline.reenrich import reenrich
from graph.recall.request import RecallRequest
from graph.recall.service import recall
from graph.store.attributes import (
    AttributeWrite,
    Owner,
    session_attributes,
    set_attributes,
    user_attributes,
)
from graph.store.context import ContextSelector, get_context
from graph.store.database import Database
from graph.store.history import attribute_history, now_millis
from graph.store.outbox import claim_due, destination_for, session_outbox
from graph.store.sealing import (
    encryption_mode_problem,
    record_sealed,
    seal_stored_attributes,
    seal_stored_entities,
    seal_stored_identities,
    seal_stored_outbox,
    seal_stored_threads,
)
from graph.store.sessions import get_session, search_sessions
from graph.store.triggers import session_states

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


@pytest.fixture
async def sealed_db(settings: Settings, tmp_path: Path) -> AsyncIterator[Database]:
    """A database handle with encryption on: a fresh master key and key store in tmp_path."""
    from graph.keys.configured import create_master_key_file

    configured = settings.model_copy(
        update={"encryption": True, "cache_dir": tmp_path, "clear_attribute_keys": ["tier"]}
    )
    create_master_key_file(configured)
    db = Database.from_settings(configured)
    try:
        yield db
    finally:
        open_with(None)
        await db.close()


@contextmanager
def written_in_clear(sealed_db: Database) -> Iterator[None]:
    """Writes as before encryption was turned on: identity, thread and entity keys are hashed
    process-wide (graph/domain/sealed.py), so the hashing is off inside, back on after."""
    sealer = sealed_db.sealer
    assert sealer is not None
    open_with(None)
    try:
        yield
    finally:
        sealer.install()


async def _raw_values(db: Database, owner: str) -> dict[str, list[str]]:
    records, _, _ = await db.driver.execute_query(
        "MATCH (a:Attribute {owner: $owner}) "
        "RETURN a.key AS key, a.value AS value, "
        "COLLECT { MATCH (c:AttributeChange {owner: $owner, key: a.key}) RETURN c.value }"
        " AS history",
        owner=owner,
        database_=db.name,
    )
    return {r["key"]: [r["value"], *r["history"]] for r in records}


async def test_values_are_sealed_at_rest_and_read_in_clear(sealed_db: Database, uid: str) -> None:
    db = sealed_db
    address = f"12 Juniper Lane, Springfield, the blue door past the bakery {uid}"
    stored = await ingest_events(
        db,
        [
            EventInput(
                f"{uid}-1",
                "web",
                f"v-{uid}",
                text="hi",
                attributes={"address": address, "tier": "gold", "cart": ["kettle"]},
            )
        ],
    )
    session_id = stored.results[0].session_id
    session = await get_session(db, session_id)
    assert session is not None
    user_id = session.user_id
    await set_attributes(db, Owner.USER, user_id, AttributeWrite({"email": f"ana.{uid}@mail.com"}))
    # a merge policy works on the clear values of sealed ones
    append = AttributeWrite({"cart": ["toaster"]}, policy=MergePolicy.APPEND)
    await set_attributes(db, Owner.SESSION, session_id, append)

    raw = await _raw_values(db, f"session:{session_id}")
    assert all(is_sealed(v) for v in raw["address"] + raw["cart"])
    assert raw["tier"][0] == '"gold"'  # declared not personal: clear for Cypher
    [user_raw] = (await _raw_values(db, f"user:{user_id}"))["email"][:1]
    assert is_sealed(user_raw)
    assert key_id_of(user_raw) == key_id_of(raw["address"][0])  # one key per person
    assert uid not in "".join(v for values in raw.values() for v in values)

    assert await session_attributes(db, session_id) == {
        "address": address,
        "tier": "gold",
        "cart": ["kettle", "toaster"],
    }
    assert (await user_attributes(db, user_id))["email"] == f"ana.{uid}@mail.com"
    context = await get_context(db, ContextSelector(session_id=session_id), 5)
    assert context.attributes["address"] == address
    history = await attribute_history(db, [f"session:{session_id}"])
    assert [c.value for c in history if c.key == "cart"] == [["kettle"], ["kettle", "toaster"]]
    then = await get_context(db, ContextSelector(session_id=session_id), 5, as_of=now_millis())
    assert then.attributes["cart"] == ["kettle", "toaster"]
    [state] = await session_states(db, [session_id])  # what trigger conditions read
    assert state.attributes["address"] == address
    assert state.attributes["email"] == f"ana.{uid}@mail.com"
    exported = await gdpr.export_user(db, user_id)  # the person's own copy: in clear
    [exported_session] = exported["user"]["sessions"]
    assert exported_session["attributes"]["address"]["value"] == address

    erased = await gdpr.erase_user(db, user_id)
    assert erased["dataKeys"] == 1
    assert db.sealer is not None
    assert db.sealer.keyring.open(user_raw, "attribute") is None  # noise from now on


def _sealed_in(folder: Path) -> set[str]:
    """Every sealed value found in any file under `folder` (store files and transaction logs)."""
    pattern = re.compile(rb"tl1\.(dk[0-9a-f]{24})\.([A-Za-z0-9_-]{20,})")
    found = set()
    for path in folder.rglob("*"):
        if path.is_file():
            for match in pattern.finditer(path.read_bytes()):
                found.add(match.group(0).decode())
    return found


def _opened(keyring: Keyring, value: str, context: str = "attribute") -> str | None:
    try:
        return keyring.open(value, context)
    except SealError:
        return None


def _files_holding_bytes(folder: Path, needle: bytes) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and needle in p.read_bytes()]


def _files_holding(folder: Path, marker: str) -> list[str]:
    found = subprocess.run(
        ["grep", "-rlaiF", marker, str(folder)], capture_output=True, text=True, check=False
    )
    return found.stdout.split()


async def test_a_copy_taken_before_erasure_keeps_only_noise(
    sealed_db: Database, neo4j_target: Neo4jTarget, uid: str, tmp_path: Path
) -> None:
    if neo4j_target.source != "local" or neo4j_target.home is None:
        pytest.skip("needs the data folder of a server this suite provisioned")
    db = sealed_db
    data = neo4j_target.home / "data"
    marker = f"SEALMARK{uid}"
    long_value = f"{marker} lives at 4 Long Road, flat 2, and asks for deliveries after six pm"
    stored = await ingest_events(
        db,
        [EventInput(f"{uid}-1", "web", f"v-{uid}", text="hello", attributes={"note": long_value})],
    )
    session = await get_session(db, stored.results[0].session_id)
    assert session is not None
    await set_attributes(db, Owner.USER, session.user_id, AttributeWrite({"about": long_value}))

    assert _files_holding(data, marker) == []  # never written in clear: store and tx logs
    backup = tmp_path / "backup"
    shutil.copytree(data, backup, ignore_dangling_symlinks=True)
    assert db.sealer is not None
    keyring = db.sealer.keyring
    raw = await _raw_values(db, f"user:{session.user_id}")
    theirs = key_id_of(raw["about"][0])
    assert theirs is not None
    # the backup holds their sealed values (Neo4j cuts long strings across records, so the files
    # hold them in pieces, each naming the key)...
    assert {v for v in _sealed_in(backup) if key_id_of(v) == theirs}
    # ...and not the key that opens them, neither clear nor wrapped: that lives in the key store
    data_key = keyring.keys([theirs])[theirs]
    wrapped = keyring.store.wrapped([theirs])[theirs].blob
    assert not _files_holding_bytes(backup, data_key)
    assert not _files_holding_bytes(backup, wrapped)
    assert _opened(keyring, raw["about"][0]) == f'"{long_value}"'

    await gdpr.erase_user(db, session.user_id)
    # the key is destroyed: nobody can open what the backup holds of them, not even this keyring
    assert keyring.keys([theirs]) == {}
    assert _opened(keyring, raw["about"][0]) is None
    assert _files_holding(backup, marker) == []
    assert keyring.store.wrapped([theirs]) == {}


async def test_migrate_seals_what_was_written_in_clear(
    db: Database, sealed_db: Database, uid: str
) -> None:
    stored = await ingest_events(
        db, [EventInput(f"{uid}-1", "web", f"v-{uid}", text="hi", attributes={"plan": "basic"})]
    )
    session_id = stored.results[0].session_id
    session = await get_session(db, session_id)
    assert session is not None
    for value in ("silver", "gold"):  # a value and its history
        await set_attributes(db, Owner.SESSION, session_id, AttributeWrite({"tier": "x"}))
        await set_attributes(db, Owner.USER, session.user_id, AttributeWrite({"level": value}))
    owners = [f"session:{session_id}", f"user:{session.user_id}"]
    before = [await _raw_values(db, o) for o in owners]
    assert not any(is_sealed(v) for raw in before for vs in raw.values() for v in vs)

    seen: list[tuple[int, int]] = []
    sealed = await seal_stored_attributes(
        sealed_db, lambda *p: seen.append(p), page=1, owners=owners
    )
    assert sealed == 5  # plan and its change, level and its two changes; tier stays clear
    assert [s[0] for s in seen] == [1, 2, 3]  # a page per attribute
    raw = {k: v for o in owners for k, v in (await _raw_values(db, o)).items()}
    assert all(is_sealed(v) for k in ("plan", "level") for v in raw[k])
    assert not any(is_sealed(v) for v in raw["tier"])
    assert await session_attributes(sealed_db, session_id) == {"plan": "basic", "tier": "x"}
    assert (await user_attributes(sealed_db, session.user_id))["level"] == "gold"
    assert await seal_stored_attributes(sealed_db, owners=owners) == 0  # again: nothing left


async def test_migrate_moves_personal_entities_written_in_clear_to_their_hash(
    db: Database, sealed_db: Database, rules_enricher: Enricher, uid: str
) -> None:
    email = f"ben.{uid}@mail.com"
    stored = await ingest_events(
        db,
        [EventInput(f"{uid}-{n}", "web", f"v-{uid}", text=f"mail {email} ({n})") for n in (1, 2)],
        rules_enricher,
    )
    session_id = stored.results[0].session_id
    clear = [m for m in await _raw_mentions(db, session_id) if m["type"] == "EMAIL"]
    assert [m["key"] for m in clear] == [f"EMAIL:{email}"] * 2

    seen: list[int] = []
    moved = await seal_stored_entities(sealed_db, seen.append, keys=[f"EMAIL:{email}"])
    assert moved == 1
    assert seen == [1]
    after = [m for m in await _raw_mentions(db, session_id) if m["type"] == "EMAIL"]
    hashed = entity_key(f"EMAIL:{email}")
    assert [m["key"] for m in after] == [hashed] * 2
    assert all(is_sealed(str(m["sealed"])) for m in after)
    assert all(is_sealed(str(m["text"])) for m in after)
    assert all(hashed in list(m["messageKeys"]) for m in after)  # type: ignore[call-overload]
    records, _, _ = await db.driver.execute_query(
        "MATCH (e:Entity {key: $k}) RETURN count(e) AS n", k=f"EMAIL:{email}", database_=db.name
    )
    assert records[0]["n"] == 0  # the clear entity is gone
    context = await get_context(sealed_db, ContextSelector(session_id=session_id), 5)
    assert [e.value for e in context.entities if e.type == "EMAIL"] == [email]
    again = await seal_stored_entities(sealed_db, keys=[f"EMAIL:{email}"])
    assert again == 0  # resumable: nothing left


async def _raw_mentions(db: Database, session_id: str) -> list[dict[str, object]]:
    records, _, _ = await db.driver.execute_query(
        "MATCH (m:Message)-[r:MENTIONS]->(e:Entity) WHERE m.sessionId = $s "
        "RETURN e.key AS key, e.type AS type, e.value AS value, r.value AS sealed, "
        "r.text AS text, m.entityKeys AS messageKeys",
        s=session_id,
        database_=db.name,
    )
    return [dict(r) for r in records]


async def test_personal_entities_are_keyed_by_hash_and_sealed_and_still_found(
    sealed_db: Database, rules_enricher: Enricher, uid: str
) -> None:
    """An email in a message: its entity is `EMAIL:~<keyed hash>` with no value, the mention's
    value and text sealed for the person; an order id stays in clear. Recall, searchSessions,
    context, the brief and the person's export still name the email; after erasure the sealed
    mention does not open."""
    db = sealed_db
    email = f"ana.{uid}@mail.com"
    text = f"please write to {email} about order A-{uid[-4:]}1"
    stored = await ingest_events(
        db, [EventInput(f"{uid}-1", "web", f"v-{uid}", text=text)], rules_enricher
    )
    session_id = stored.results[0].session_id
    user_id = str(stored.results[0].user_id)

    raw = {m["type"]: m for m in await _raw_mentions(db, session_id)}
    personal, order = raw["EMAIL"], raw["ORDER_ID"]
    assert str(personal["key"]).startswith("EMAIL:~")
    assert personal["value"] is None
    assert is_sealed(str(personal["sealed"]))
    assert is_sealed(str(personal["text"]))
    assert email not in str(personal)
    assert uid not in str(personal["key"])
    assert str(order["key"]).startswith("ORDER_ID:A")
    assert order["sealed"] is None
    assert personal["key"] in list(order["messageKeys"])  # type: ignore[call-overload]
    assert entity_key(f"EMAIL:{email}") == personal["key"]  # one keyed hash for lookups

    context = await get_context(
        db, ContextSelector(session_id=session_id), 5, brief_steps=load_conversation_rules().steps
    )
    [mention] = [e for e in context.messages[-1].entities if e.type == "EMAIL"]
    assert (mention.value, mention.text) == (email, email)
    assert [e.value for e in context.entities if e.type == "EMAIL"] == [email]
    assert context.brief is not None
    assert [e.value for e in context.brief.entities if e.type == "EMAIL"] == [email]
    found = await search_sessions(db, entity_keys=[entity_key(f"EMAIL:{email}")])
    assert [s.id for s in found] == [session_id]

    answer = await recall(
        db,
        ContextSelector(user_id=user_id),
        RecallRequest(f"what did I say about {email}?"),
        enricher=rules_enricher,
        embedder=None,
    )
    assert answer.hits
    assert answer.hits[0].message.text == text
    assert f"entity:{personal['key']}" in answer.hits[0].signals
    assert [e.value for e in answer.entities if e.type == "EMAIL"] == [email]

    exported = await gdpr.export_user(db, user_id)
    [exported_message] = exported["user"]["sessions"][0]["messages"]
    assert email in [e["value"] for e in exported_message["entities"]]

    await gdpr.erase_user(db, user_id)
    assert db.sealer is not None
    assert _opened(db.sealer.keyring, str(personal["sealed"]), "entity") is None


async def test_reenrichment_keeps_personal_entities_sealed(
    sealed_db: Database, rules_enricher: Enricher, uid: str
) -> None:
    """Re-enriching a stored message writes its personal entities as ingest does: by hash,
    sealed for the session's owner."""
    db = sealed_db
    email = f"cy.{uid}@mail.com"
    moment = datetime(2008, 1, 1, tzinfo=UTC) + timedelta(minutes=random.randrange(10**6))
    event = EventInput(f"{uid}-1", "web", f"v-{uid}", text=f"it is {email}", occurred_at=moment)
    stored = await ingest_events(db, [event], rules_enricher)
    session_id = stored.results[0].session_id
    before = [m for m in await _raw_mentions(db, session_id) if m["type"] == "EMAIL"]
    assert await reenrich(db, rules_enricher, moment, moment + timedelta(seconds=1)) == 1
    after = [m for m in await _raw_mentions(db, session_id) if m["type"] == "EMAIL"]
    assert [m["key"] for m in after] == [m["key"] for m in before] == [entity_key(f"EMAIL:{email}")]
    assert is_sealed(str(after[0]["sealed"]))
    assert after[0]["sealed"] != before[0]["sealed"]  # sealed anew (a fresh nonce)
    [message] = (await get_context(db, ContextSelector(session_id=session_id), 5)).messages
    assert [e.value for e in message.entities if e.type == "EMAIL"] == [email]


async def test_identities_are_keyed_by_hash_and_their_external_ids_sealed(
    sealed_db: Database, uid: str
) -> None:
    """With encryption on, a channel identity is `channel:~<keyed hash>`, its external id sealed
    for its user, and messages and dedup keys carry the hash; lookups by (channel, external id)
    still find the person, a replay is still a duplicate, and a reply goes to the clear
    address."""
    db = sealed_db
    phone = f"+1555{uid[-7:].rjust(7, '0')}"
    first = EventInput(f"{uid}-1", "sms", phone, text="hi there")
    stored = await ingest_events(db, [first])
    result = stored.results[0]
    records, _, _ = await db.driver.execute_query(
        "MATCH (i:Identity)-[:IDENTIFIES]->(:User {id: $u}) "
        "RETURN i.key AS key, i.externalId AS external, "
        "COLLECT { MATCH (m:Message {id: $m}) RETURN [m.identityKey, m.dedupKey] }[0] AS message",
        u=result.user_id,
        m=result.message_id,
        database_=db.name,
    )
    [row] = records
    assert str(row["key"]).startswith("sms:~")
    assert phone not in str(row["key"])
    assert is_sealed(str(row["external"]))
    assert row["message"][0] == row["key"]
    assert phone not in str(row["message"][1])
    assert row["key"] == identity_key("sms", phone)

    replay = await ingest_events(db, [first])
    assert replay.results[0].duplicate
    context = await get_context(db, ContextSelector(channel="sms", external_user_id=phone), 5)
    assert context.session is not None
    assert context.session.id == result.session_id
    [identity] = [i for i in context.user.identities if i.channel == "sms"]
    assert identity.external_id == phone
    target = await destination_for(db, result.session_id, "sms")
    assert target.recipient == phone
    exported = await gdpr.export_user(db, str(result.user_id))
    assert [i["externalId"] for i in exported["user"]["identities"]] == [phone]


async def test_migrate_rekeys_identities_written_in_clear(
    db: Database, sealed_db: Database, uid: str
) -> None:
    phone = f"+1666{uid[-7:].rjust(7, '0')}"
    first = EventInput(f"{uid}-1", "sms", phone, text="written before encryption")
    with written_in_clear(sealed_db):
        stored = await ingest_events(db, [first])
    result = stored.results[0]
    clear_key = f"sms:{phone}"
    seen: list[int] = []
    assert await seal_stored_identities(sealed_db, seen.append, keys=[clear_key]) == 1
    assert seen == [1]
    records, _, _ = await db.driver.execute_query(
        "MATCH (m:Message {id: $m}) MATCH (i:Identity)-[:IDENTIFIES]->(:User {id: $u}) "
        "RETURN m.identityKey AS messageKey, m.dedupKey AS dedup, i.key AS key, "
        "i.externalId AS external",
        m=result.message_id,
        u=result.user_id,
        database_=db.name,
    )
    [row] = records
    hashed = identity_key("sms", phone)  # sealed_db's keyring is the one in use
    assert row["key"] == row["messageKey"] == hashed
    assert row["dedup"] == f"{hashed}:{uid}-1"
    assert is_sealed(str(row["external"]))
    replay = await ingest_events(sealed_db, [first])
    assert replay.results[0].duplicate  # a retry after the migration is still a retry
    context = await get_context(
        sealed_db, ContextSelector(channel="sms", external_user_id=phone), 5
    )
    assert context.session.id == result.session_id
    assert await seal_stored_identities(sealed_db, keys=[clear_key]) == 0


async def _raw_thread(db: Database, session_id: str) -> dict[str, str]:
    records, _, _ = await db.driver.execute_query(
        "MATCH (t:Thread)-[:IN]->(:Session {id: $s}) RETURN t.key AS key, t.nativeId AS nativeId",
        s=session_id,
        database_=db.name,
    )
    [row] = records
    return {"key": str(row["key"]), "nativeId": str(row["nativeId"])}


async def _raw_outbox(db: Database, session_id: str) -> list[tuple[str, str]]:
    records, _, _ = await db.driver.execute_query(
        "MATCH (o:Outbox {sessionId: $s}) RETURN o.recipient AS recipient, o.destination AS where",
        s=session_id,
        database_=db.name,
    )
    return [(str(r["recipient"]), str(r["where"])) for r in records]


def _reply(uid: str, session_id: str, target: Destination) -> EventInput:
    return EventInput(
        f"{uid}-reply",
        target.channel,
        target.recipient,
        session_id=session_id,
        role=Speaker.AGENT,
        text="your parcel is on its way",
        outbound=target,
    )


async def test_platform_threads_are_keyed_by_hash_and_replies_sealed(
    sealed_db: Database, uid: str
) -> None:
    """A WhatsApp thread id holds the customer's number: with encryption on the Thread is keyed
    `whatsapp:~<keyed hash>` with its native id sealed, the reply's Outbox item keeps recipient
    and destination sealed, and the conversation still continues in its session and the reply
    still goes to the clear thread."""
    db = sealed_db
    number = f"4477{uid[-8:]}"
    thread = f"{int(uid[-8:], 16)}:{number}"
    first = EventInput(f"{uid}-1", "whatsapp", number, thread_id=thread, text="where is it?")
    session_id = (await ingest_events(db, [first])).results[0].session_id
    raw = await _raw_thread(db, session_id)
    assert raw["key"] == thread_key("whatsapp", thread)
    assert raw["key"].startswith("whatsapp:~")
    assert number not in raw["key"]
    assert is_sealed(raw["nativeId"])

    later = EventInput(f"{uid}-2", "whatsapp", number, thread_id=thread, text="still waiting")
    assert (await ingest_events(db, [later])).results[0].session_id == session_id
    target = await destination_for(db, session_id, "whatsapp")
    assert (target.recipient, target.thread) == (number, thread)

    await ingest_events(db, [_reply(uid, session_id, target)])
    [(recipient, where)] = await _raw_outbox(db, session_id)
    assert is_sealed(recipient)
    assert is_sealed(where)
    assert number not in recipient + where
    [record] = await session_outbox(db, session_id)
    assert record.recipient == number
    [item] = [i for i in await claim_due(db, 500) if i.session_id == session_id]
    assert (item.recipient, item.thread) == (number, thread)


async def test_migrate_rekeys_threads_links_and_replies_written_in_clear(
    db: Database, sealed_db: Database, uid: str
) -> None:
    """A store written in clear — a WhatsApp thread, a reply waiting in the Outbox, an SMS
    number that joined the person known by it on the phone channel — is moved to keyed hashes
    and sealed values by the migration; the conversation continues in its session after it."""
    number = f"+4478{uid[-8:].translate(str.maketrans('abcdef', '123456'))}"
    thread = f"{int(uid[-8:], 16)}:{number[1:]}"
    first = EventInput(f"{uid}-1", "whatsapp", number[1:], thread_id=thread, text="hello")
    call = EventInput(f"{uid}-c", "phone", number, text="calling about my parcel")
    text = EventInput(f"{uid}-s", "sms", number, text="and texting too")
    with written_in_clear(sealed_db):
        session_id = (await ingest_events(db, [first])).results[0].session_id
        target = await destination_for(db, session_id, "whatsapp")
        await ingest_events(db, [_reply(uid, session_id, target)])
        caller = (await ingest_events(db, [call])).results[0].user_id
        assert (await ingest_events(db, [text])).results[0].user_id == caller
    clear_thread, phone_key, sms_key = f"whatsapp:{thread}", f"phone:{number}", f"sms:{number}"
    assert await seal_stored_threads(sealed_db, keys=[clear_thread]) == 1
    assert await seal_stored_outbox(sealed_db, session_ids=[session_id]) == 1
    await seal_stored_identities(sealed_db, keys=[phone_key, sms_key])

    raw = await _raw_thread(db, session_id)
    assert raw["key"] == thread_key("whatsapp", thread)
    assert is_sealed(raw["nativeId"])
    [(recipient, where)] = await _raw_outbox(db, session_id)
    assert is_sealed(recipient)
    assert is_sealed(where)
    [item] = [i for i in await claim_due(db, 500) if i.session_id == session_id]
    assert (item.recipient, item.thread) == (number[1:], thread)
    records, _, _ = await db.driver.execute_query(
        "MATCH (i:Identity)-[r:IDENTIFIES]->(:User {id: $u}) WHERE r.evidence IS NOT NULL "
        "RETURN i.key AS key, r.evidence AS evidence",
        u=caller,
        database_=db.name,
    )
    [link] = records
    assert (link["key"], link["evidence"]) == (
        identity_key("sms", number),
        identity_key("phone", number),
    )
    later = EventInput(f"{uid}-2", "whatsapp", number[1:], thread_id=thread, text="any news?")
    assert (await ingest_events(sealed_db, [later])).results[0].session_id == session_id
    assert (await destination_for(sealed_db, session_id, "whatsapp")).thread == thread
    assert await seal_stored_threads(sealed_db, keys=[clear_thread]) == 0
    assert await seal_stored_outbox(sealed_db, session_ids=[session_id]) == 0


async def test_a_store_is_served_the_way_it_was_written(
    db: Database,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Identities are looked up by their keyed hash with encryption on and by their clear key
    with it off: a store written in clear (this one holds identities) is refused to a server
    with encryption on until `migrate` seals it and records it; a sealed store is refused to a
    server with encryption off (and to `threadline ingest-email`) — one line each, before
    anything is served or written."""
    from api.cli import main

    refused = await encryption_mode_problem(db, encryption=True)
    assert refused is not None
    assert "threadline migrate" in refused
    assert await encryption_mode_problem(db, encryption=False) is None
    try:
        await record_sealed(db)  # what `threadline migrate` does once everything is sealed
        assert await encryption_mode_problem(db, encryption=True) is None
        sealed_off = await encryption_mode_problem(db, encryption=False)
        assert sealed_off is not None
        assert "THREADLINE_ENCRYPTION=true" in sealed_off
        monkeypatch.setenv("NEO4J_URI", settings.neo4j_uri or "")
        monkeypatch.setenv("THREADLINE_CACHE_DIR", str(tmp_path))
        monkeypatch.setenv("THREADLINE_EMBEDDINGS", "off")  # no models under tmp_path
        monkeypatch.setenv("THREADLINE_ENCRYPTION", "false")
        capsys.readouterr()
        assert await asyncio.to_thread(main, ["serve", "--port", "0"]) == 2
        errors = [x for x in capsys.readouterr().err.splitlines() if x.startswith("error:")]
        assert [e.split(" (")[0] for e in errors] == ["error: this store is sealed"]
        mail = tmp_path / "one.eml"  # the CLI writer refuses too, before reading anything
        mail.write_text("From: a@example.com\nMessage-ID: <m1@example.com>\n\nhello\n")
        assert await asyncio.to_thread(main, ["ingest-email", str(mail)]) == 2
        errors = [x for x in capsys.readouterr().err.splitlines() if x.startswith("error:")]
        assert [e.split(" (")[0] for e in errors] == ["error: this store is sealed"]
    finally:  # the shared test store goes back to unrecorded: other servers here run in clear
        await db.driver.execute_query(
            "MATCH (m:StoreMode {id: 'threadline'}) DETACH DELETE m", database_=db.name
        )


class _EmptyStore:
    """What encryption_mode_problem reads of a store without identities or record (a new
    deployment), and what it writes."""

    def __init__(self) -> None:
        self.written: list[str] = []

    async def read(self, name: str, **params: object) -> list[dict[str, object]]:
        return [{"sealed": "keys/record_sealed" in self.written or None, "hasIdentities": False}]

    async def write(self, name: str, **params: object) -> list[dict[str, object]]:
        self.written.append(name)
        return []


async def test_a_new_store_served_with_encryption_on_is_recorded_as_sealed() -> None:
    store = _EmptyStore()
    assert await encryption_mode_problem(store, encryption=True) is None  # type: ignore[arg-type]
    assert store.written == ["keys/record_sealed"]
    refused = await encryption_mode_problem(store, encryption=False)  # type: ignore[arg-type]
    assert refused is not None
    assert "sealed" in refused
