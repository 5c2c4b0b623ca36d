"""Sessions and their messages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from graph.domain.errors import BadInputError, NotFoundError
from graph.domain.records import MessageRecord, SessionRecord, to_millis
from graph.live.events import publish_status

if TYPE_CHECKING:
    from graph.store.database import Database


def only_row(records: list[Any], session_id: str) -> Any:
    """The one row a session query returned, or NOT_FOUND for `session_id`."""
    if not records:
        raise NotFoundError(f"no session {session_id!r}", field="sessionId")
    return records[0]


async def get_session(db: Database, session_id: str) -> SessionRecord | None:
    records = await db.read("read/session", id=session_id)
    if not records:
        return None
    return SessionRecord.from_record(records[0])


async def session_channels(db: Database, session_ids: list[str]) -> dict[str, list[str]]:
    """The channels each session has been used on; unknown sessions are absent."""
    records = await db.read("read/session_channels", ids=session_ids)
    return {r["id"]: list(r["channels"]) for r in records}


async def user_sessions(db: Database, user_id: str, limit: int) -> list[SessionRecord]:
    """A user's sessions, most recently active first."""
    records = await db.read("read/user_sessions", userId=user_id, limit=limit)
    return [SessionRecord.from_record(r) for r in records]


async def session_messages(
    db: Database, session_id: str, last: int, up_to: int | None = None, as_of: int | None = None
) -> list[MessageRecord]:
    """The last `last` messages of a session, oldest first; for a point-in-time read, of those
    numbered up to `up_to` and stored by `as_of` (epoch millis)."""
    records = await db.read(
        "read/session_messages", sessionId=session_id, last=last, upTo=up_to, asOf=as_of
    )
    return [MessageRecord.from_map(r["message"]) for r in records]


async def get_message(db: Database, message_id: str) -> MessageRecord | None:
    records = await db.read("read/message", id=message_id)
    return MessageRecord.from_map(records[0]["message"]) if records else None


async def close_session(db: Database, session_id: str, reason: str | None) -> SessionRecord:
    """Close a session; the next event for it starts a new session that CONTINUES it."""
    records = await db.write("sessions/close", id=session_id, reason=reason, now=datetime.now(UTC))
    session = SessionRecord.from_record(only_row(records, session_id))
    publish_status(db.live, session, reason or "closed")
    return session


async def continued_by(db: Database, session_id: str) -> list[str]:
    """The ids of the sessions that continue this one after it expired."""
    records = await db.read("read/continued_by", sessionId=session_id)
    return [str(r["id"]) for r in records]


SEARCH_LIMIT = 100


async def search_sessions(
    db: Database,
    *,
    user_ids: list[str] | None = None,
    entity_keys: list[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 20,
) -> list[SessionRecord]:
    """Sessions of a person (`user_ids`: the user and those merged into it), mentioning one of
    `entity_keys`, active between `since` and `until` — any combination, at least one; by time
    alone, `since` is needed. Most recently active first."""
    if not 1 <= limit <= SEARCH_LIMIT:
        raise BadInputError(f"limit must be 1..{SEARCH_LIMIT}", field="limit")
    if user_ids is None and entity_keys is None and since is None:
        raise BadInputError(
            "searchSessions needs a person (userId or channel + externalUserId), an entity, "
            "or since",
            field="since",
        )
    records = await db.read(
        "sessions/search",
        userIds=user_ids,
        entityKeys=entity_keys,
        since=to_millis(since) if since else None,
        until=to_millis(until) if until else None,
        limit=limit,
    )
    return [SessionRecord.from_record(r) for r in records]


async def owned_sessions(db: Database, identity_key: str, session_ids: list[str]) -> set[str]:
    """Which of `session_ids` the person behind `identity_key` owns (merges followed)."""
    records = await db.read("auth/owned_sessions", identityKey=identity_key, ids=session_ids)
    return {r["id"] for r in records}
