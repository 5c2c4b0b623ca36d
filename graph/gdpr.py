"""The rights of the data subject: erasure (GDPR art. 17 / CCPA deletion) and portability.

`erase_user` deletes a person completely — the user and every user merged into it, identities,
sessions, threads, messages (with their mentions and intents), events, attributes, transitions,
continuation tokens and merge records; shared entities lose only this person's mentions and are
deleted when no one else mentions them. Messages and events go in batches (one transaction
each), so a user with 100k messages never needs one huge transaction; a crash midway is
finished by running it again. An `Erasure` ledger entry keeps a keyed hash of the user id, the
time, the actor and the counts — never an identifier.

`export_user` returns the person's whole subgraph as one JSON-ready document.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from graph.errors import ConflictError, NotFoundError
from graph.pseudonyms import Pseudonymizer
from graph.queries import in_batches, rows
from graph.records import json_value, to_millis
from graph.users import get_user

if TYPE_CHECKING:
    from graph.database import Database

BATCH = 5000
EXPORT_PAGE = 1000


async def erase_user(db: Database, user_id: str, actor: str | None = None) -> dict[str, int]:
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
    begun = await rows(db, "gdpr/erase_begin", userId=user_id)
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
    for session_id in start["sessions"]:
        messages, keys = await in_batches(db, "gdpr/erase_messages", BATCH, sessionId=session_id)
        entity_keys |= keys
        counts["messages"] += messages
        counts["events"] += (
            await in_batches(db, "gdpr/erase_events", BATCH, sessionId=session_id)
        )[0]
        for row in await rows(db, "gdpr/erase_session", sessionId=session_id):
            counts["sessions"] += 1
            counts["threads"] += int(row["threads"])
            counts["sessionAttributes"] += int(row["attributes"])
            counts["transitions"] += int(row["transitions"])
    ordered = sorted(entity_keys)
    counts["entities"] = 0
    for offset in range(0, len(ordered), BATCH):
        [row] = await rows(db, "gdpr/erase_orphan_entities", keys=ordered[offset : offset + BATCH])
        counts["entities"] += int(row["deleted"])
    pseudonymize = await Pseudonymizer.for_database(db)
    [row] = await rows(
        db,
        "gdpr/erase_finish",
        userIds=start["userIds"],
        erasureId=f"era_{uuid.uuid4().hex}",
        subjectHash=pseudonymize(user_id),
        now=to_millis(datetime.now(UTC)),
        actor=actor,
        counts=counts | {"users": len(start["userIds"])},
    )
    counts["users"] = int(row["users"])
    return counts


def _attributes(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        r["key"]: {
            "value": json_value(r["value"]),
            "channel": r["channel"],
            "updatedAt": r["updatedAt"],
        }
        for r in rows
    }


async def export_user(db: Database, user_id: str) -> dict[str, Any]:
    """The person's data as one document (times as epoch millis, values as JSON)."""
    found = await rows(db, "gdpr/export_user", userId=user_id)
    if not found:
        raise NotFoundError(f"no user {user_id!r}", field="userId")
    user = dict(found[0]["user"])
    user["attributes"] = _attributes(user["attributes"])
    sessions = []
    for stored in user["sessions"]:
        session = dict(stored)
        session["attributes"] = _attributes(session["attributes"])
        messages: list[dict[str, Any]] = []
        while True:
            after = messages[-1]["seq"] if messages else 0
            page = await rows(
                db, "gdpr/export_messages", sessionId=session["id"], after=after, limit=EXPORT_PAGE
            )
            for row in page:
                message = dict(row["message"])
                message["metadata"] = json_value(message.get("metadata"))
                messages.append(message)
            if len(page) < EXPORT_PAGE:
                break
        session["messages"] = messages
        sessions.append(session)
    user["sessions"] = sessions
    return {
        "format": "threadline-user-export/1",
        "exportedAt": to_millis(datetime.now(UTC)),
        "user": user,
    }
