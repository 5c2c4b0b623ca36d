"""The read an agent or LLM tool makes when it picks up a conversation."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from graph.domain.brief import WINDOW as BRIEF_WINDOW
from graph.domain.brief import BriefRecord, Turn, build_brief
from graph.domain.context import ContextRecord
from graph.domain.errors import BadInputError, LimitExceededError, NotFoundError
from graph.domain.events import identity_key
from graph.domain.records import (
    ContextEntityRecord,
    ContextIntentRecord,
    HandoffRecord,
    IdentityRecord,
    MessageRecord,
    SentimentPoint,
    SessionRecord,
    UserRecord,
    entity_text,
    json_value,
    native_time,
)
from graph.domain.sentiment_trend import WINDOW, recency_weighted
from graph.store.history import context_session_then, session_then, user_then

if TYPE_CHECKING:
    from graph.store.database import Database, Row

ENTITY_LIMIT = 50
MAX_PREVIOUS = 10


@dataclass(frozen=True)
class ContextSelector:
    """Exactly one of: a user, a session, or a channel identity (channel + externalUserId)."""

    user_id: str | None = None
    session_id: str | None = None
    channel: str | None = None
    external_user_id: str | None = None
    # only sessions the person owns, not shared threads they take part in (a user token's reach)
    owned_only: bool = False


def identity_key_of(selector: ContextSelector) -> str | None:
    """Exactly one selector; returns the identity key when the selector is an identity."""
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
    if not chosen[2]:
        return None
    if selector.channel is None or selector.external_user_id is None:
        raise BadInputError("channel and externalUserId go together", field="channel")
    return identity_key(selector.channel, selector.external_user_id)


def nothing_selected(selector: ContextSelector, identity_key: str | None) -> NotFoundError:
    """The NOT_FOUND of a selector that names no session or user."""
    if selector.session_id is not None:
        return NotFoundError(f"no session {selector.session_id!r}", field="sessionId")
    what = f"user {selector.user_id!r}" if selector.user_id else f"user known as {identity_key!r}"
    return NotFoundError(f"no {what}", field="userId" if selector.user_id else "externalUserId")


def check_message_count(count: int, maximum: int, field: str) -> None:
    """How many messages a read may ask for: BAD_INPUT below 0, LIMIT_EXCEEDED above `maximum`
    (never clamped silently: the caller would think it had everything)."""
    if count < 0:
        raise BadInputError(f"{field} must be >= 0", field=field)
    if count > maximum:
        raise LimitExceededError(f"{field} must be <= {maximum}", field=field, limit=maximum)


async def get_context(
    db: Database,
    selector: ContextSelector,
    last_messages: int,
    include_previous: int = 0,
    max_messages: int = 500,
    as_of: int | None = None,
    brief_steps: Sequence[re.Pattern[str]] | None = None,
    message_links: bool = True,
) -> ContextRecord:
    """The session the selector points at (a user's current one), its last messages across
    channels (oldest first), the channels used and the session attributes; with
    `include_previous`, the same for up to that many sessions it continues (nearest first).
    With `as_of` (epoch millis), all of it as it was at that instant (`graph.store.history`);
    with `brief_steps` (the steps patterns), the handoff brief too (`graph.domain.brief`).
    Without `message_links`, the messages come without their mentions and intents (a read that
    shows neither; the session-wide entities and intents are there either way)."""
    check_message_count(last_messages, max_messages, "lastMessages")
    if not 0 <= include_previous <= MAX_PREVIOUS:
        raise BadInputError(f"includePrevious must be 0..{MAX_PREVIOUS}", field="includePrevious")
    identity_key = identity_key_of(selector)
    session_ids = [selector.session_id] if selector.session_id is not None else None
    user_id, by_identity = selector.user_id, identity_key
    if as_of is not None and session_ids is None:  # the session that was current then
        session_ids = [await context_session_then(db, user_id, identity_key, as_of)]
        user_id = by_identity = None
    found = await _session_contexts(
        db,
        last_messages,
        session_ids=session_ids,
        user_id=user_id,
        identity_key=by_identity,
        owned_only=selector.owned_only,
        previous=include_previous,
        as_of=as_of,
        brief_steps=brief_steps,
        links=message_links,
    )
    if not found:
        raise nothing_selected(selector, identity_key)
    context, previous_ids = found[0]
    if as_of is not None:
        context = await _as_it_was(db, context, as_of)
    if previous_ids:  # every previous session in one more round trip
        earlier = {
            record.session.id: record
            for record, _ in await _session_contexts(
                db, last_messages, session_ids=previous_ids, as_of=as_of, links=message_links
            )
        }
        # nearest first; a session erased since the chain was read is left out
        context.previous.extend(earlier[i] for i in previous_ids if i in earlier)
    return context


async def _as_it_was(db: Database, context: ContextRecord, as_of: int) -> ContextRecord:
    """The context's session and user records as they were at `as_of` (its messages, entities
    and attributes were already read as of then)."""
    then = await session_then(db, context.session.id, as_of)
    if then is None:
        raise NotFoundError(
            f"session {context.session.id!r} did not exist yet at that time", field="asOf"
        )
    person = await user_then(db, then.session.user_id, as_of)
    user = person.user if person is not None else context.user
    return replace(context, session=then.session, user=user, session_then=then, user_then=person)


async def _session_contexts(
    db: Database,
    last_messages: int,
    *,
    session_ids: list[str] | None = None,
    user_id: str | None = None,
    identity_key: str | None = None,
    owned_only: bool = False,
    previous: int = 0,
    as_of: int | None = None,
    brief_steps: Sequence[re.Pattern[str]] | None = None,
    links: bool = True,
) -> list[tuple[ContextRecord, list[str]]]:
    """One round trip: the selected sessions (by ids, or a user's current one), each with its
    context and the ids of up to `previous` sessions it continues, nearest first."""
    records = await db.read(
        "context/session_context",
        sessionIds=session_ids,
        userId=user_id,
        identityKey=identity_key,
        ownedOnly=owned_only,
        last=last_messages,
        entityLimit=ENTITY_LIMIT,
        sentimentWindow=WINDOW,
        previous=previous,
        asOf=as_of,
        brief=BRIEF_WINDOW if brief_steps is not None else 0,
        links=links,
    )
    return [(_context(row, brief_steps), list(row["previousIds"])) for row in records]


def _brief(row: Row, steps: Sequence[re.Pattern[str]]) -> BriefRecord:
    turns = [
        Turn(
            id=m["id"],
            seq=m["seq"],
            channel=m["channel"],
            role=m["role"],
            at=native_time(m["at"]),  # type: ignore[arg-type]
            text=m["text"],
            sentiment=m["sentiment"],
            intents=tuple(m["intents"] or ()),
            entity_keys=tuple(m["entityKeys"] or ()),
            entity_values=tuple((key, entity_text(value)) for key, value in m["sealed"]),
        )
        for m in row["briefTurns"]
    ]
    handoffs = [
        HandoffRecord(
            h["fromAgentId"],
            h["agentId"],
            h["agentKind"],
            h["reason"],
            native_time(h["at"]),  # type: ignore[arg-type]
        )
        for h in row["briefHandoffs"]
    ]
    return build_brief(turns, handoffs, steps, total_messages=row["upTo"])


def _context(row: Row, brief_steps: Sequence[re.Pattern[str]] | None = None) -> ContextRecord:
    session = SessionRecord.from_record(row)
    user = UserRecord(
        row["userId"],
        native_time(row["userCreatedAt"]),
        [IdentityRecord.from_map(i) for i in row["identities"]],
    )
    return ContextRecord(
        user=user,
        session=session,
        messages=[MessageRecord.from_map(m) for m in row["messages"]],
        # now, or (asOf) the values recorded by then: the last change of each key wins
        attributes={
            key: json_value(value)
            for key, value in sorted(dict(row["attributes"] + row["attributesThen"]).items())
        },
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
        brief=_brief(row, brief_steps) if brief_steps is not None else None,
    )
