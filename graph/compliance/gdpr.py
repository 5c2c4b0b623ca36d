"""The rights of the data subject: erasure (GDPR art. 17 / CCPA deletion) and portability.

`erase_user` deletes a person completely — the user and every user merged into it, identities,
sessions, threads, messages (with their mentions and intents), events, attributes, transitions,
continuation tokens and merge records; shared entities lose only this person's mentions and are
deleted when no one else mentions them. Messages and events go in batches (one transaction
each), so a user with 100k messages never needs one huge transaction; a crash midway is
finished by running it again. An `Erasure` ledger entry keeps a keyed hash of the user id, the
time, the actor and the counts — never an identifier.

`export_user` returns the person's whole subgraph as one JSON-ready document, and erasure
deletes the same set.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from graph.compliance.pseudonyms import Pseudonymizer
from graph.domain.errors import ConflictError, NotFoundError
from graph.domain.records import entity_text, json_value, to_millis
from graph.domain.sealed import IDENTITY, clear_text
from graph.store.database import StatementError
from graph.store.users import get_user

if TYPE_CHECKING:
    from pydantic import SecretStr

    from graph.store.database import Database

BATCH = 5000
EXPORT_PAGE = 1000
EARLIEST_MILLIS = -62135596800000  # 0001-01-01


async def erase_user(
    db: Database,
    user_id: str,
    actor: str | None = None,
    pseudonym_key: SecretStr | None = None,  # THREADLINE_PSEUDONYM_KEY, else the graph's key
) -> dict[str, int]:
    """Erase a person; returns how many of each thing were deleted."""
    user = await get_user(db, user_id)
    if user is None:
        raise NotFoundError(f"no user {user_id!r}", field="userId")
    if user.merged_into is not None:  # the person's data lives with the survivor now
        raise ConflictError(
            f"user {user_id!r} was merged into {user.merged_into!r}: erase that user (the whole "
            "person), or unmerge first if they are different people",
            field="userId",
            mergedInto=user.merged_into,
        )
    begun = await db.write_rows("gdpr/erase_begin", userId=user_id)
    if not begun:
        raise NotFoundError(f"no user {user_id!r}", field="userId")
    start = begun[0]
    counts = {
        "identities": int(start["identities"]),
        "userAttributes": int(start["userAttributes"]),
        "merges": int(start["merges"]),
        "continuationTokens": int(start["tokens"]),
        "sessions": 0,
        "messages": 0,
        "events": 0,
        "threads": 0,
        "sessionAttributes": 0,
        "transitions": 0,
    }
    entity_keys: set[str] = set()
    people = start["userIds"]
    counts["sharedSessions"] = 0
    for session_id in [*start["sessions"], *start["shared"]]:
        entity_keys |= await _erase_messages_and_events(db, session_id, people, counts)
    for session_id in start["sessions"]:
        # other people's words in a shared thread are theirs: the session passes to them
        handed = await db.write_rows("gdpr/hand_over_session", sessionId=session_id, userIds=people)
        if handed:
            counts["sharedSessions"] += 1
            counts["sessionAttributes"] += int(handed[0]["attributes"])
            continue
        # no one else took part: whatever is left (older data had no participant links) goes
        entity_keys |= await _erase_messages_and_events(db, session_id, None, counts)
        for row in await db.write_rows("gdpr/erase_session", sessionId=session_id):
            counts["sessions"] += 1
            counts["threads"] += int(row["threads"])
            counts["sessionAttributes"] += int(row["attributes"])
            counts["transitions"] += int(row["transitions"])
    ordered = sorted(entity_keys)
    counts["entities"] = 0
    for offset in range(0, len(ordered), BATCH):
        [row] = await db.write_rows(
            "gdpr/erase_orphan_entities", keys=ordered[offset : offset + BATCH]
        )
        counts["entities"] += int(row["deleted"])
    pseudonymize = await Pseudonymizer.for_database(db, pseudonym_key)
    [row] = await db.write_rows(
        "gdpr/erase_finish",
        userIds=start["userIds"],
        erasureId=f"era_{uuid.uuid4().hex}",
        subjectHash=pseudonymize(user_id),
        now=to_millis(datetime.now(UTC)),
        actor=actor,
        counts=counts | {"users": len(start["userIds"])},
    )
    counts["users"] = int(row["users"])
    if db.sealer is not None:  # their sealed values, in every copy of the files, are noise now
        counts["dataKeys"] = db.sealer.keyring.destroy(start["userIds"])
    await _checkpoint(db)
    return counts


async def _checkpoint(db: Database) -> None:
    """Ask for a checkpoint, so transaction logs holding the erased data can be pruned now
    (Enterprise). Community has no such procedure: its periodic checkpoint does it, within
    `db.checkpoint.interval.time` (docs/security.md gives the bound)."""
    try:
        await db.write_rows("admin/checkpoint")
    except StatementError as error:
        if error.code != "Neo.ClientError.Procedure.ProcedureNotFound":
            raise


async def _erase_messages_and_events(
    db: Database, session_id: str, user_ids: list[str] | None, counts: dict[str, int]
) -> set[str]:
    """Delete a session's messages and text-less events of `user_ids` (None: everyone's), in
    batches; counts them, and returns the keys of the entities they mentioned."""
    messages, keys = await db.write_in_batches(
        "gdpr/erase_messages", BATCH, sessionId=session_id, userIds=user_ids
    )
    events, _ = await db.write_in_batches(
        "gdpr/erase_events", BATCH, sessionId=session_id, userIds=user_ids
    )
    counts["messages"] += messages
    counts["events"] += events
    return keys


def _attributes(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        r["key"]: {
            "value": json_value(r["value"]),
            "channel": r["channel"],
            "version": r.get("version"),
            "updatedAt": r["updatedAt"],
        }
        for r in rows
    }


async def _session_messages(
    db: Database, session_id: str, user_ids: list[str]
) -> tuple[list[dict[str, Any]], int]:
    """The person's messages of a session in seq order, and how many others' were left out."""
    messages: list[dict[str, Any]] = []
    omitted, after = 0, 0
    while True:
        page = await db.write_rows(
            "gdpr/export_messages",
            sessionId=session_id,
            userIds=user_ids,
            after=after,
            limit=EXPORT_PAGE,
        )
        for row in page:
            message = dict(row["message"])
            after = message["seq"]
            if not message.pop("own"):
                omitted += 1  # another participant's words in a shared thread: theirs, not ours
                continue
            message["metadata"] = json_value(message.get("metadata"))
            message["entities"] = [  # a personal entity's value and text open for its person
                e | {"value": entity_text(e["value"]), "text": entity_text(e["text"])}
                for e in message.get("entities") or []
            ]
            messages.append(message)
        if len(page) < EXPORT_PAGE:
            return messages, omitted


async def _session_events(db: Database, session_id: str, user_ids: list[str]) -> list[Any]:
    """The person's text-less events of a session, in time order."""
    events: list[dict[str, Any]] = []
    after_at, after_key = EARLIEST_MILLIS, ""
    while True:
        page = await db.write_rows(
            "gdpr/export_events",
            sessionId=session_id,
            userIds=user_ids,
            afterAt=after_at,
            afterKey=after_key,
            limit=EXPORT_PAGE,
        )
        for row in page:
            event = dict(row["event"])
            after_at, after_key = event["at"], event.pop("dedupKey")
            event["metadata"] = json_value(event.get("metadata"))
            events.append(event)
        if len(page) < EXPORT_PAGE:
            return events


def _history(changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Attribute changes with their values as JSON (stored as JSON text), oldest first."""
    return [dict(change) | {"value": json_value(change["value"])} for change in changes]


async def export_user(db: Database, user_id: str) -> dict[str, Any]:
    """The person's data as one document (times as epoch millis, values as JSON): the user and
    the users merged into it, identities with how they were linked, attributes (and every
    recorded change of them), merges, and every session with its attributes (and their
    changes), handoffs, transitions, continuation tokens (never the
    token), the person's messages (with ids, channel, role and author) and text-less events.
    Another participant's messages in a shared thread are left out and counted."""
    found = await db.write_rows("gdpr/export_user", userId=user_id)
    if not found:
        raise NotFoundError(f"no user {user_id!r}", field="userId")
    user = dict(found[0]["user"])
    user_ids: list[str] = user["userIds"]
    user["attributes"] = _attributes(user["attributes"])
    user["attributeHistory"] = _history(user["attributeHistory"])
    user["identities"] = [  # the person's own copy: external ids in clear
        dict(i) | {"externalId": clear_text(i["externalId"], IDENTITY)}
        for i in user.get("identities") or []
    ]
    sessions = []
    for stored in user["sessions"]:
        session = dict(stored)
        session["attributes"] = _attributes(session["attributes"])
        session["attributeHistory"] = _history(session["attributeHistory"])
        messages, omitted = await _session_messages(db, session["id"], user_ids)
        session["messages"] = messages
        session["otherParticipantsMessages"] = omitted
        session["events"] = await _session_events(db, session["id"], user_ids)
        sessions.append(session)
    user["sessions"] = sessions
    return {
        "format": "threadline-user-export/2",
        "exportedAt": to_millis(datetime.now(UTC)),
        "user": user,
    }
