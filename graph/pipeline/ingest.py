"""The write path: a validated batch of events stored in one transaction, idempotently.

Inside one managed transaction (retried by the driver on transient errors, so it is side-effect
free), in four round trips: `ingest/prepare` locks the senders' users and the batch's threads and
reads the replayed event ids, explicit sessions and the users' open/closed sessions → sessions are
planned in pure Python → new sessions and thread moves are written → `seq` ranges are reserved
under each session's lock → messages with their MENTIONS, EXPRESSES and NEXT link (one statement),
then text-less events and attributes. Enrichment runs before the transaction (pure CPU work):
`prepare_events` validates and enriches, `store_events` writes, so a caller (the group-commit
batcher) can prepare the next batch while the previous one is being written.

Longer than ~300 lines on purpose: the transaction's steps share one state (users, replays,
the session plan, reserved seq ranges) and read best in the order they run.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from graph.config import DEFAULT_WRITE_RULES, WriteRules
from graph.domain.attribute_policies import PolicyRule, Write
from graph.domain.errors import NotFoundError
from graph.domain.events import (
    DEFAULT_INGEST_LIMITS,
    EventInput,
    IngestedEvent,
    IngestLimits,
    IngestResult,
    ValidEvent,
    same_person_keys,
)
from graph.domain.outbox import Destination
from graph.domain.records import json_value, native_time, to_millis
from graph.domain.session_planning import (
    ClosedSession,
    GraphState,
    KnownSession,
    Routable,
    plan_sessions,
)
from graph.keys.personal import Sealing
from graph.live.events import publish_ingested
from graph.pipeline.enrich import message_fields, relationship_rows
from graph.pipeline.prepare import PreparedEvents, prepare_events
from graph.store.attributes import merge_event_attributes
from graph.store.database import ConstraintViolation

if TYPE_CHECKING:
    from enrichment.annotations import Annotation
    from enrichment.pipeline import Enricher
    from graph.store.database import Database, Tx

CONSTRAINT_RACE_RETRIES = 3


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


def _identity_rows(events: list[ValidEvent], sealing: bool = False) -> list[dict[str, Any]]:
    """One row per sender, in key order (users are locked in this order: no deadlock); with
    `sealing`, no external id in clear (ingest/advance_sessions writes it sealed for its user)."""
    rows: dict[str, dict[str, Any]] = {}
    for event in events:
        source = event.source
        rows.setdefault(
            source.identity_key,
            {
                "key": source.identity_key,
                "channel": source.channel,
                "externalId": None if sealing else source.external_user_id,
                "at": to_millis(event.at),
                "sessionId": source.session_id,
                "newUserId": new_id("usr"),
                "aliases": same_person_keys(source.channel, source.external_user_id),
            },
        )
    return [rows[key] for key in sorted(rows)]


def _thread_rows(events: list[ValidEvent], sealing: bool = False) -> list[dict[str, Any]]:
    """One row per platform thread, in key order; with `sealing`, no native id in clear."""
    rows: dict[str, dict[str, Any]] = {}
    for event in events:
        if (key := event.source.thread_key) is not None:
            rows.setdefault(
                key,
                {
                    "key": key,
                    "channel": event.source.channel,
                    "nativeId": None if sealing else event.source.thread_id,
                    "at": to_millis(event.at),
                },
            )
    return [rows[key] for key in sorted(rows)]


@dataclass
class _Prepared:
    users: dict[str, str]  # identity key -> user id
    replayed: dict[str, IngestedEvent]
    state: GraphState
    sealed: _Sealed = field(default_factory=lambda: _Sealed([], []))


@dataclass(frozen=True)
class _Sealed:
    """The ids prepare stored without (encryption on), sealed: `{key, sealed}` rows that
    ingest/advance_sessions writes."""

    identities: list[dict[str, str]]
    threads: list[dict[str, str]]


async def _prepare(tx: Tx, batch: list[ValidEvent], sealing: Sealing | None = None) -> _Prepared:
    """Lock the senders' users and the threads, and read all that session planning needs."""
    explicit = sorted({e.source.session_id for e in batch if e.source.session_id is not None})
    [row] = await tx.rows(
        "ingest/prepare",
        identities=_identity_rows(batch, sealing is not None),
        threads=_thread_rows(batch, sealing is not None),
        dedupKeys=sorted({e.source.dedup_key for e in batch}),
        sessionIds=explicit,
    )
    state = GraphState(
        explicit={
            r["id"]: KnownSession(r["id"], r["status"], r["userId"]) for r in row["explicit"]
        },
        thread_sessions={
            r["key"]: KnownSession(r["sessionId"], r["status"], r["ownerId"] or "")
            for r in row["threads"]
            if r["sessionId"] is not None
        },
    )
    for r in row["userSessions"]:
        if r["openId"] is not None:
            state.open_by_user[r["userId"]] = r["openId"]
        closed_at = native_time(r["closedAt"])
        if r["closedId"] is not None and closed_at is not None:
            state.closed_by_user[r["userId"]] = ClosedSession(r["closedId"], closed_at)
    replayed = {
        r["dedupKey"]: IngestedEvent(
            r["eventId"], r["sessionId"], r["messageId"], r["seq"], False, r["userId"]
        )
        for r in row["stored"]
    }
    users = {r["key"]: r["userId"] for r in row["users"]}
    if sealing is None:
        return _Prepared(users, replayed, state)
    return _Prepared(users, replayed, state, _seal_new_identifiers(batch, row, users, sealing))


def _seal_new_identifiers(
    batch: list[ValidEvent], prepared: dict[str, Any], users: dict[str, str], sealing: Sealing
) -> _Sealed:
    """The external ids of the identities and the native ids of the threads that prepare just
    created without them, sealed for the user each belongs to (a thread: its first sender's)."""
    new_identities = {r["key"] for r in prepared["users"] if not r["sealed"]}
    new_threads = {r["key"] for r in prepared["threads"] if not r["sealed"]}
    if not new_identities and not new_threads:
        return _Sealed([], [])
    sealing.prepare({users[key] for key in new_identities})  # new people's keys, made at once
    identities: dict[str, dict[str, str]] = {}
    threads: dict[str, dict[str, str]] = {}
    for event in batch:
        source = event.source
        key, user_id = source.identity_key, users[source.identity_key]
        if key in new_identities and key not in identities:
            identities[key] = {
                "key": key,
                "sealed": sealing.identity(user_id, source.external_user_id),
            }
        thread = source.thread_key  # set exactly when thread_id is
        if thread is not None and thread in new_threads and thread not in threads:
            threads[thread] = {
                "key": thread,
                "sealed": sealing.thread(user_id, source.thread_id or ""),
            }
    return _Sealed(
        [identities[k] for k in sorted(identities)], [threads[k] for k in sorted(threads)]
    )


def _check_explicit_sessions(events: list[ValidEvent], state: GraphState) -> None:
    for event in events:
        wanted = event.source.session_id
        if wanted is not None and wanted not in state.explicit:
            raise NotFoundError(
                f"events[{event.index}].sessionId: no session {wanted!r}",
                index=event.index,
                field="sessionId",
            )


def _session_rows(events: list[ValidEvent], session_ids: list[str]) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for event, session_id in zip(events, session_ids, strict=True):
        row = rows.setdefault(
            session_id,
            {
                "id": session_id,
                "count": 0,
                "lastAt": to_millis(event.at),
                "lastChannel": event.source.channel,
                "channels": [],
                "attributeChanges": 0,
            },
        )
        row["count"] += int(event.is_message)
        if to_millis(event.at) >= row["lastAt"]:
            row["lastAt"], row["lastChannel"] = to_millis(event.at), event.source.channel
        if event.source.channel not in row["channels"]:
            row["channels"].append(event.source.channel)
        row["attributeChanges"] = 1 if event.attributes or row["attributeChanges"] else 0
    return list(rows.values())


async def _write(
    tx: Tx,
    events: list[ValidEvent],
    users: dict[str, str],
    session_ids: list[str],
    now: datetime,
    annotations: dict[int, Annotation | None],
    rules: list[PolicyRule],
    sealing: Sealing | None = None,
    sealed: _Sealed | None = None,
) -> list[IngestedEvent]:
    sessions = await tx.rows(
        "ingest/advance_sessions",
        sessions=_session_rows(events, session_ids),
        now=to_millis(now),
        withOwners=sealing is not None,
        identities=sealed.identities if sealed is not None else [],
        threads=sealed.threads if sealed is not None else [],
    )
    next_seq = {r["id"]: r["base"] + 1 for r in sessions}
    owners = {r["id"]: r["ownerId"] for r in sessions}
    messages: list[dict[str, Any]] = []
    others: list[dict[str, Any]] = []
    results: list[IngestedEvent] = []
    attribute_writes: list[tuple[str, str, Write]] = []  # (session, key, write) in event order
    for event, session_id in zip(events, session_ids, strict=True):
        source = event.source
        row = {
            "eventId": source.event_id,
            "dedupKey": source.dedup_key,
            "sessionId": session_id,
            "userId": users[source.identity_key],
            "identityKey": source.identity_key,
            "channel": source.channel,
            "role": source.role.value,
            "at": to_millis(event.at),
            "receivedAt": to_millis(now),
            "metadata": event.metadata_json,
            "agentId": source.agent_id,
        }
        message_id, seq = None, None
        if event.is_message:
            message_id, seq = new_id("msg"), next_seq[session_id]
            next_seq[session_id] += 1
            annotation = annotations.get(event.index)
            mentions, expressed = relationship_rows(message_id, annotation, event.at)
            fields = message_fields(annotation)
            if sealing is not None and mentions:  # personal entities: hashed keys, sealed values
                fields["entityKeys"], mentions = sealing.mentions(
                    owners[session_id], fields["entityKeys"], mentions
                )
            messages.append(
                row
                | {"id": message_id, "seq": seq, "text": source.text}
                | fields
                | {"mentions": mentions, "expressed": expressed}
                | {"outbound": _outbound(source.outbound, sealing, owners.get(session_id))}
            )
        else:
            others.append(row)
        for key, value in event.attributes.items():
            write = Write(
                json_value(value), to_millis(event.at), source.channel, source.event_id, message_id
            )
            attribute_writes.append((session_id, key, write))
        user_id = users[source.identity_key]
        results.append(IngestedEvent(source.event_id, session_id, message_id, seq, False, user_id))
    if messages:
        await tx.rows("ingest/create_messages", messages=messages)
    if others:
        await tx.rows("ingest/create_events", events=others)
    if attribute_writes:
        await merge_event_attributes(
            tx,
            attribute_writes,
            rules,
            to_millis(now),
            users=owners,
            seal=sealing.attribute if sealing is not None else None,
        )
    return results


def _outbound(
    target: Destination | None, sealing: Sealing | None, owner: str | None
) -> dict[str, Any] | None:
    """The Outbox item of a reply to send (`sendMessage`), written with its message; with
    encryption on, its recipient (a phone number, an address) and its destination (the
    platform thread, an email's Message-IDs) sealed for the session's owner."""
    if target is None:
        return None
    recipient, where = target.recipient, target.as_json()
    if sealing is not None and owner is not None:
        recipient, where = sealing.identity(owner, recipient), sealing.thread(owner, where)
    return {"id": new_id("out"), "recipient": recipient, "destination": where}


async def _ingest_tx(
    tx: Tx,
    batch: list[ValidEvent],
    window: timedelta,
    annotations: dict[int, Annotation | None],
    rules: list[PolicyRule],
    sealing: Sealing | None = None,
) -> list[IngestedEvent]:
    now = datetime.now(UTC)
    prepared = await _prepare(tx, batch, sealing)
    users, replayed = prepared.users, prepared.replayed
    fresh: list[ValidEvent] = []
    seen: set[str] = set(replayed)
    for event in batch:  # the first occurrence of an event inside the batch is the one written
        if event.source.dedup_key not in seen:
            seen.add(event.source.dedup_key)
            fresh.append(event)
    written: dict[str, IngestedEvent] = {}
    if fresh:
        state = prepared.state
        _check_explicit_sessions(fresh, state)
        routable = [
            Routable(users[e.source.identity_key], e.at, e.source.session_id, e.source.thread_key)
            for e in fresh
        ]
        plan = plan_sessions(routable, state, lambda: new_id("ses"), now, window)
        if plan.new_sessions:
            await tx.rows(
                "ingest/create_sessions",
                sessions=[
                    {
                        "id": s.id,
                        "userId": s.user_id,
                        "at": to_millis(s.at),
                        "continues": s.continues,
                    }
                    for s in plan.new_sessions
                ],
            )
        if plan.thread_moves:
            await tx.rows(
                "ingest/attach_threads",
                threads=[
                    {"key": key, "sessionId": sid} for key, sid in sorted(plan.thread_moves.items())
                ],
            )
        if plan.participants:
            await tx.rows(
                "ingest/add_participants",
                rows=[{"userId": u, "sessionId": s} for u, s in sorted(plan.participants)],
            )
        stored = await _write(
            tx, fresh, users, plan.session_ids, now, annotations, rules, sealing, prepared.sealed
        )
        for event, result in zip(fresh, stored, strict=True):
            written[event.source.dedup_key] = result
    results: list[IngestedEvent] = []
    reported: set[str] = set()
    for event in batch:
        key = event.source.dedup_key
        if key in written and key not in reported:
            results.append(written[key])
        else:
            results.append(replace(replayed.get(key) or written[key], duplicate=True))
        reported.add(key)
    return results


async def ingest_events(
    db: Database,
    events: list[EventInput],
    enricher: Enricher | None = None,
    limits: IngestLimits = DEFAULT_INGEST_LIMITS,
    rules: WriteRules = DEFAULT_WRITE_RULES,
) -> IngestResult:
    """Validate, enrich and store a batch; results come back in input order.

    A replayed `eventId` (from an earlier call or earlier in the same batch) returns the
    original session/message/seq with `duplicate=True` and writes nothing. Messages are enriched
    (entities, sentiment, intents) before the transaction and written in it, all or nothing.
    """
    prepared = await prepare_events(db, events, enricher, limits, rules.attribute_policies)
    return await store_events(db, prepared, rules)


async def store_events(
    db: Database, prepared: PreparedEvents, rules: WriteRules = DEFAULT_WRITE_RULES
) -> IngestResult:
    """Write a prepared batch in one transaction; results come back in input order."""
    batch, annotations = prepared.events, prepared.annotations
    policies, window = list(rules.attribute_policies), rules.continue_window
    for attempt in range(CONSTRAINT_RACE_RETRIES):
        try:
            results = await db.write_tx(
                _ingest_tx, batch, window, annotations, policies, db.sealing
            )
            break
        except ConstraintViolation:
            # A concurrent batch stored the same event first; the next attempt sees it.
            if attempt == CONSTRAINT_RACE_RETRIES - 1:
                raise
    publish_ingested(db.live, batch, results)
    duplicates = sum(r.duplicate for r in results)
    return IngestResult(len(results) - duplicates, duplicates, results)
