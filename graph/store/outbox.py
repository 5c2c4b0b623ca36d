"""The outbox in Neo4j: replies waiting to go out, claimed by workers, and their delivery.

Each reply is an `Outbox` node written with its message (`ingest/create_messages`, from
`sendMessage`); the worker (`graph.workers.outbox_sender`) claims due items under a lease, sends
them, and records the outcome here; platforms' status reports move `delivery` forward.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from graph.domain.errors import BadInputError, NotFoundError
from graph.domain.outbox import (
    LEASE_SECONDS,
    MAX_ATTEMPTS,
    ORDER,
    DeliveryUpdate,
    Destination,
    OutboxItem,
    OutboxRecord,
    SendError,
    backoff_seconds,
    destination,
)
from graph.domain.records import native_time, to_millis
from graph.domain.sealed import IDENTITY, THREAD, clear_text

if TYPE_CHECKING:
    from collections.abc import Collection

    from graph.store.database import Database

RANK = {status.value: rank for status, rank in ORDER.items()}


def _now() -> int:
    return to_millis(datetime.now(UTC))


async def destination_for(db: Database, session_id: str, channel: str | None) -> Destination:
    """Where a reply in the session goes on `channel` (default: the session's last channel):
    NOT_FOUND for an unknown session, BAD_INPUT when no user wrote on that channel."""
    rows = await db.write_rows("outbox/destination", sessionId=session_id, channel=channel)
    if not rows:
        raise NotFoundError(f"no session {session_id!r}", field="sessionId")
    row = rows[0]
    target = row["channel"]
    if row["lastUser"] is None or target is None:
        raise BadInputError(
            f"no one to reply to on {target or 'any channel'} in session {session_id!r}: "
            "the user has not written there",
            field="channel",
        )
    last = row["lastUser"]
    # the sender's external id: on their identity (sealed with encryption on), or, for an
    # identity since erased or moved, the message's own key in clear
    recipient = clear_text(last["externalId"], IDENTITY) or last["identityKey"].split(":", 1)[1]
    threads = [clear_text(t, THREAD) for t in row["threads"]]  # native ids, sealed when on
    return destination(target, recipient, last["metadata"], [t for t in threads if t is not None])


PULLED_CHANNELS = ("phone",)  # the platform asks for replies (TwiML at each turn of a call)


async def claim_due(db: Database, limit: int = 20) -> list[OutboxItem]:
    rows = await db.write_rows(
        "outbox/claim",
        now=_now(),
        limit=limit,
        leaseMillis=LEASE_SECONDS * 1000,
        pulled=list(PULLED_CHANNELS),
    )
    return [OutboxItem.from_row(r["item"]) for r in rows]


async def recover_interrupted(db: Database, idempotent: Collection[str], limit: int = 100) -> int:
    """Items whose send was interrupted (lease over): queued again where the platform
    deduplicates, FAILED elsewhere — never sent twice."""
    rows = await db.write_rows(
        "outbox/interrupted", now=_now(), idempotent=sorted(idempotent), limit=limit
    )
    return int(rows[0]["recovered"]) if rows else 0


async def take_pulled_replies(
    db: Database, session_id: str, channel: str, platform_id: str | None
) -> list[str]:
    """The replies waiting for a platform that pulls them (a call's next TwiML): marked SENT."""
    rows = await db.write_rows(
        "outbox/take_for_session",
        sessionId=session_id,
        channel=channel,
        platformId=platform_id,
        now=_now(),
    )
    return [str(r["text"] or "") for r in rows]


async def fail_pulled_replies(db: Database, session_id: str, channel: str, error: str) -> int:
    """The platform will not ask again (the call ended): its waiting replies are FAILED."""
    rows = await db.write_rows(
        "outbox/fail_pulled", sessionId=session_id, channel=channel, error=error, now=_now()
    )
    return int(rows[0]["failed"]) if rows else 0


async def mark_sent(db: Database, item: OutboxItem, platform_message_id: str | None) -> None:
    await db.write_rows(
        "outbox/sent", id=item.id, platformMessageId=platform_message_id, now=_now()
    )


async def mark_failed(db: Database, item: OutboxItem, error: SendError) -> str:
    """Queued again with backoff (retryable, attempts left) or FAILED; returns the status."""
    now = _now()
    retry_at = None
    if error.retryable and item.attempts < MAX_ATTEMPTS:
        retry_at = now + backoff_seconds(item.attempts) * 1000
    rows = await db.write_rows(
        "outbox/failed", id=item.id, error=str(error)[:500], retryAt=retry_at, now=now
    )
    return str(rows[0]["status"]) if rows else "FAILED"


async def apply_updates(db: Database, updates: list[DeliveryUpdate]) -> list[tuple[str, str]]:
    """Apply platform status reports; returns (message id, session id) of those that moved."""
    moved = []
    for update in updates:
        at = to_millis(update.at) if update.at else _now()
        rows = await db.write_rows(
            "outbox/status_update",
            platformMessageId=update.platform_message_id,
            status=update.status.value,
            error=update.error,
            rank=RANK,
            at=at,
            now=_now(),
        )
        moved += [(r["messageId"], r["sessionId"]) for r in rows]
    return moved


async def session_outbox(db: Database, session_id: str, limit: int = 50) -> list[OutboxRecord]:
    records = await db.read("outbox/session_outbox", sessionId=session_id, limit=limit)
    return [
        OutboxRecord(
            id=r["item"]["id"],
            message_id=r["item"]["messageId"],
            channel=r["item"]["channel"],
            recipient=clear_text(r["item"]["recipient"], IDENTITY) or "",  # sealed when on
            status=r["item"]["status"],
            attempts=int(r["item"]["attempts"]),
            created_at=native_time(r["item"]["createdAt"]),  # type: ignore[arg-type]
            updated_at=native_time(r["item"]["updatedAt"]),
            next_attempt_at=native_time(r["item"]["nextAttemptAt"]),
            platform_message_id=r["item"]["platformMessageId"],
            error=r["item"]["error"],
        )
        for r in records
    ]
