"""The read an agent or LLM tool makes when it picks up a conversation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import cypher
from graph.errors import BadInputError, LimitExceededError, NotFoundError
from graph.records import (
    ContextEntityRecord,
    ContextIntentRecord,
    ContextRecord,
    MessageRecord,
    SentimentPoint,
    SessionRecord,
    json_value,
    native_time,
)
from graph.sentiment import WINDOW, recency_weighted
from graph.users import get_user, resolve_identity

if TYPE_CHECKING:
    from graph.database import Database

ENTITY_LIMIT = 50


@dataclass(frozen=True)
class ContextSelector:
    """Exactly one of: a user, a session, or a channel identity (channel + externalUserId)."""

    user_id: str | None = None
    session_id: str | None = None
    channel: str | None = None
    external_user_id: str | None = None


async def _session_for(db: Database, selector: ContextSelector) -> str:
    chosen = [
        selector.user_id is not None,
        selector.session_id is not None,
        selector.channel is not None or selector.external_user_id is not None,
    ]
    if sum(chosen) != 1:
        raise BadInputError(
            "context needs exactly one of: userId, sessionId, or channel + externalUserId",
            field="context",
        )
    if selector.session_id is not None:
        return selector.session_id
    user_id = selector.user_id
    if user_id is None:
        if selector.channel is None or selector.external_user_id is None:
            raise BadInputError("channel and externalUserId go together", field="channel")
        user_id = await resolve_identity(db, selector.channel, selector.external_user_id)
        if user_id is None:
            raise NotFoundError(
                f"no user known on {selector.channel} as {selector.external_user_id!r}",
                field="externalUserId",
            )
    records, _, _ = await db.driver.execute_query(
        cypher.load("context/current_session"), userId=user_id, database_=db.name, routing_="r"
    )
    if not records:
        raise NotFoundError(f"no user {user_id!r}", field="userId")
    return str(records[0]["id"])


async def get_context(db: Database, selector: ContextSelector, last_messages: int) -> ContextRecord:
    """The session the selector points at (a user's current one), its last messages across
    channels (oldest first), the channels used and the session attributes."""
    if last_messages < 0:
        raise BadInputError("lastMessages must be >= 0", field="lastMessages")
    if last_messages > db.settings.max_context_messages:
        raise LimitExceededError(
            f"lastMessages must be <= {db.settings.max_context_messages}",
            field="lastMessages",
            limit=db.settings.max_context_messages,
        )
    session_id = await _session_for(db, selector)
    records, _, _ = await db.driver.execute_query(
        cypher.load("context/session_context"),
        sessionId=session_id,
        last=last_messages,
        owner=f"session:{session_id}",
        entityLimit=ENTITY_LIMIT,
        sentimentWindow=WINDOW,
        database_=db.name,
        routing_="r",
    )
    if not records:
        raise NotFoundError(f"no session {session_id!r}", field="sessionId")
    row = records[0]
    session = SessionRecord.from_row(row["session"], row["userId"], row["continues"])
    user = await get_user(db, session.user_id)
    if user is None:  # pragma: no cover - a session always has an owner
        raise NotFoundError(f"no user {session.user_id!r}", field="userId")
    return ContextRecord(
        user=user,
        session=session,
        messages=[MessageRecord.from_map(m) for m in row["messages"]],
        attributes={key: json_value(value) for key, value in row["attributes"]},
        entities=[ContextEntityRecord.from_map(e) for e in row["entities"]],
        intents=[
            ContextIntentRecord(
                i["name"],
                i["messages"],
                i["confidence"],
                native_time(i["lastSeenAt"]),  # type: ignore[arg-type]
            )
            for i in row["intents"]
        ],
        sentiment_trend=[
            SentimentPoint(p["seq"], native_time(p["at"]), p["channel"], p["sentiment"])  # type: ignore[arg-type]
            for p in reversed(row["sentiments"])
        ],
        sentiment=recency_weighted([p["sentiment"] for p in row["sentiments"]]),
    )
