"""Replies out: delivery statuses, retries, and where a reply goes (pure, no I/O).

A reply is stored first (an AGENT/BOT message, `deliveryStatus` QUEUED) together with its
`Outbox` item, in one transaction; the outbox worker then sends it through the platform's API.
Statuses only move forward — QUEUED → SENDING → SENT → DELIVERED → READ — except to FAILED
(permanent errors, retries exhausted, or an interrupted send that cannot be repeated safely); a
platform's late "sent" after "delivered" changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from graph.domain.sealed import IDENTITY, THREAD, clear_text


class DeliveryStatus(StrEnum):
    QUEUED = "QUEUED"
    SENDING = "SENDING"
    SENT = "SENT"
    DELIVERED = "DELIVERED"
    READ = "READ"
    FAILED = "FAILED"


ORDER = {
    DeliveryStatus.QUEUED: 0,
    DeliveryStatus.SENDING: 1,
    DeliveryStatus.SENT: 2,
    DeliveryStatus.DELIVERED: 3,
    DeliveryStatus.READ: 4,
}
MAX_ATTEMPTS = 6
BACKOFF_SECONDS = (1, 5, 30, 120, 600)  # after attempt 1, 2, ...; the last repeats
LEASE_SECONDS = 60  # a SENDING item not finished by then was interrupted (a crash)


def moves_forward(current: str | None, new: DeliveryStatus) -> bool:
    """Whether a status update applies: forward only; FAILED only before SENT; never back."""
    if current is None:
        return True
    now = DeliveryStatus(current)
    if now is DeliveryStatus.FAILED:
        return False
    if new is DeliveryStatus.FAILED:
        return True  # a platform may still fail a message it accepted
    return ORDER[new] > ORDER[now]


def backoff_seconds(attempts: int) -> int:
    """Seconds to wait after `attempts` failed tries."""
    return BACKOFF_SECONDS[min(max(attempts, 1), len(BACKOFF_SECONDS)) - 1]


class SendError(Exception):
    """A send that did not go through; `retryable` for timeouts, 429 and 5xx."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class Destination:
    """Where a reply on one channel goes: the person's id there and the platform's thread."""

    channel: str
    recipient: str  # the user's external id on the channel (phone, PSID, email, Slack user...)
    thread: str | None  # the platform thread id (Thread.nativeId), when the channel has one
    reply_to: dict[str, Any]  # what the platform threads by: email Message-ID/subject...

    def as_json(self) -> str:
        return json.dumps({"thread": self.thread, "replyTo": self.reply_to}, separators=(",", ":"))


def destination(
    channel: str, recipient: str, metadata_json: str | None, threads: list[str]
) -> Destination:
    """The destination of a reply from the last user message on the channel (its sender's
    external id and metadata) and the session's threads there (native ids, latest first): the
    thread that pairs with the user (`business:user` forms) when there is one, else the
    latest."""
    paired = [t for t in threads if t.endswith(f":{recipient}")]
    candidates = paired or threads
    thread = candidates[0] if candidates else None
    metadata = json.loads(metadata_json) if metadata_json else {}
    reply_to: dict[str, Any] = {}
    if channel == "email":
        reply_to = {
            "messageId": metadata.get("messageId"),
            "subject": metadata.get("subject") or "",
            "root": thread,
        }
    return Destination(channel, recipient, thread, reply_to)


@dataclass(frozen=True)
class OutboxItem:
    """One reply to deliver, as the worker claimed it."""

    id: str
    message_id: str
    session_id: str
    channel: str
    recipient: str
    thread: str | None
    reply_to: dict[str, Any]
    text: str
    attempts: int  # including this one

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> OutboxItem:
        target = json.loads(clear_text(row["destination"], THREAD) or "{}")  # sealed when on
        return cls(
            id=row["id"],
            message_id=row["messageId"],
            session_id=row["sessionId"],
            channel=row["channel"],
            recipient=clear_text(row["recipient"], IDENTITY) or "",  # sealed with encryption on
            thread=target.get("thread"),
            reply_to=target.get("replyTo") or {},
            text=row["text"] or "",
            attempts=int(row["attempts"]),
        )


@dataclass(frozen=True)
class DeliveryUpdate:
    """A platform's status report about a message we sent (by the platform's message id)."""

    platform_message_id: str
    status: DeliveryStatus
    at: datetime | None = None
    error: str | None = None


@dataclass(frozen=True)
class OutboxRecord:
    """An outbox item as `Session.outbox` shows it."""

    id: str
    message_id: str
    channel: str
    recipient: str
    status: str
    attempts: int
    created_at: datetime
    updated_at: datetime | None
    next_attempt_at: datetime | None
    platform_message_id: str | None
    error: str | None
