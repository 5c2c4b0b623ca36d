"""Events as connectors and the API hand them to the broker, and their validation at the edge.

`validate_batch` checks a whole batch before anything is written and names the first offending
event index and field, so a bad event rejects the batch with nothing stored.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from graph.domain.errors import BadInputError, LimitExceededError
from graph.domain.outbox import Destination
from graph.domain.platform_ids import id_problem
from graph.domain.sealed import identities_hashed, stored_identity_key, stored_thread_key

CHANNEL_PATTERN = re.compile(r"[a-z0-9_-]{1,32}")
# what an attribute key may be, wherever attributes are written (events, set*Attributes)
ATTRIBUTE_KEY = re.compile(r"[A-Za-z0-9_.-]{1,64}")
MAX_ID_LENGTH = 256
MAX_JSON_BYTES = 64 * 1024
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


class Speaker(StrEnum):
    """Who said a message."""

    USER = "USER"
    BOT = "BOT"
    AGENT = "AGENT"
    SYSTEM = "SYSTEM"


def identity_key(channel: str, external_id: str) -> str:
    """The key of a channel identity, `channel:externalId` — the one place it is spelled, for
    every lookup (ingest, resolveIdentity, linkIdentity, continuation, user tokens, context);
    with encryption on, `channel:~<keyed hash>` (graph/domain/sealed.py)."""
    return stored_identity_key(f"{channel}:{external_id}")


def thread_key(channel: str, thread_id: str) -> str:
    """The key of a platform thread, `channel:threadId`; with encryption on, `channel:~<keyed
    hash>` (a WhatsApp thread id is the customer's number, an email's its root Message-ID)."""
    return stored_thread_key(f"{channel}:{thread_id}")


def dedup_key(channel: str, external_user_id: str, event_id: str) -> str:
    """`channel:len(externalUserId):externalUserId:eventId` (`cypher/admin/backfill_dedup_keys`
    builds the same text for events stored before the key existed); with encryption on, the
    identity's hashed key and the event id (`channel:~<hash>:eventId`: the hash has a fixed
    length and no colon, so the key stays unambiguous)."""
    if identities_hashed():
        return f"{identity_key(channel, external_user_id)}:{event_id}"
    return f"{channel}:{len(external_user_id)}:{external_user_id}:{event_id}"


# Channels that identify a person by their phone number in E.164 form: a number first seen on one
# is the person already known by it on another (an SMS user who calls is one person).
PHONE_NUMBER_CHANNELS = ("phone", "sms")


def same_person_keys(channel: str, external_id: str) -> list[str]:
    """Identity keys on other channels that are the same person as `channel:external_id`."""
    if channel not in PHONE_NUMBER_CHANNELS or not external_id.startswith("+"):
        return []
    return [identity_key(other, external_id) for other in PHONE_NUMBER_CHANNELS if other != channel]


@dataclass
class EventInput:
    """One thing that happened on a channel: usually an utterance, sometimes only state."""

    event_id: str
    channel: str
    external_user_id: str
    thread_id: str | None = None
    session_id: str | None = None
    role: Speaker = Speaker.USER
    text: str | None = None
    occurred_at: datetime | None = None
    attributes: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None
    agent_id: str | None = None  # the bot or human agent who said a BOT/AGENT message
    outbound: Destination | None = None  # sendMessage: deliver this reply there (an Outbox item)

    @property
    def identity_key(self) -> str:
        return identity_key(self.channel, self.external_user_id)

    @property
    def dedup_key(self) -> str:
        """What makes a retry a duplicate: the same `eventId` from the same sender on the same
        channel. Another user (or channel) reusing an id is a different event, never dropped.
        The sender id's length keeps the key unambiguous whatever characters the ids hold."""
        return dedup_key(self.channel, self.external_user_id, self.event_id)

    @property
    def thread_key(self) -> str | None:
        return thread_key(self.channel, self.thread_id) if self.thread_id is not None else None


@dataclass(frozen=True)
class ValidEvent:
    """An `EventInput` that passed validation, with its time fixed and JSON serialised."""

    index: int
    source: EventInput
    at: datetime
    metadata_json: str | None
    attributes: dict[str, str] = field(default_factory=dict)  # key -> JSON text

    @property
    def is_message(self) -> bool:
        return self.source.text is not None


@dataclass(frozen=True)
class IngestedEvent:
    """Where one event landed; `duplicate` when its `eventId` had been stored before."""

    event_id: str
    session_id: str
    message_id: str | None
    seq: int | None
    duplicate: bool
    user_id: str | None = None  # the sender's user, when written by this call


@dataclass(frozen=True)
class IngestResult:
    """The outcome of one `ingestEvents` call; `results` in input order."""

    accepted: int
    duplicates: int
    results: list[IngestedEvent]


def fit_text(event: EventInput, max_bytes: int) -> EventInput:
    """The platform message's policy for over-long text: keep the first `max_bytes` bytes, cut
    at a character boundary, and say so in `metadata.truncated = {originalBytes}` — never
    refuse a message a platform delivered (it would not send it again). The GraphQL
    `ingestEvents` keeps refusing over-long text: its caller can fix the request."""
    if event.text is None:
        return event
    encoded = event.text.encode()
    if len(encoded) <= max_bytes:
        return event
    kept = encoded[:max_bytes].decode("utf-8", "ignore")  # drops a split last character
    metadata = dict(event.metadata or {}) | {"truncated": {"originalBytes": len(encoded)}}
    return replace(event, text=kept, metadata=metadata)


def _fail(index: int, name: str, problem: str) -> BadInputError:
    return BadInputError(f"events[{index}].{name}: {problem}", index=index, field=name)


def _check_id(index: int, name: str, value: str | None, *, required: bool) -> None:
    if value is None:
        if required:
            raise _fail(index, name, "is required")
        return
    if not value.strip():
        raise _fail(index, name, "must not be empty")
    if len(value) > MAX_ID_LENGTH:
        raise _fail(index, name, f"must be at most {MAX_ID_LENGTH} characters")


def _check_platform_ids(index: int, event: EventInput) -> None:
    """Ids that replies are addressed by follow their platform's grammar (they reach its URLs)."""
    for name, value in (("externalUserId", event.external_user_id), ("threadId", event.thread_id)):
        if value is not None and (problem := id_problem(event.channel, name, value)):
            raise _fail(index, name, problem)


def _json_text(index: int, name: str, value: Any) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as error:
        raise _fail(index, name, f"is not JSON-serialisable ({error})") from None
    if len(text.encode()) > MAX_JSON_BYTES:
        raise _fail(index, name, f"must be at most {MAX_JSON_BYTES} bytes of JSON")
    return text


def _check_time(index: int, value: datetime | None, now: datetime, skew: timedelta) -> datetime:
    if value is None:
        return now
    if value.tzinfo is None:
        raise _fail(index, "occurredAt", "must include a UTC offset, e.g. 2026-11-25T10:00:00Z")
    if value < EARLIEST:
        raise _fail(index, "occurredAt", "is before 2000-01-01")
    if value > now + skew:
        limit = int(skew.total_seconds())
        raise _fail(index, "occurredAt", f"is more than {limit}s in the future")
    return value.astimezone(UTC)


@dataclass(frozen=True)
class IngestLimits:
    """What one ingest call may hold (THREADLINE_MAX_BATCH, _MAX_TEXT_BYTES and
    _FUTURE_SKEW_SECONDS)."""

    max_batch: int = 500
    max_text_bytes: int = 16 * 1024
    future_skew_seconds: int = 300


DEFAULT_INGEST_LIMITS = IngestLimits()


def validate_event(
    index: int, event: EventInput, limits: IngestLimits, now: datetime
) -> ValidEvent:
    """Check one event; raise `BadInputError` naming `events[index].field` on the first problem."""
    _check_id(index, "eventId", event.event_id, required=True)
    if not CHANNEL_PATTERN.fullmatch(event.channel or ""):
        raise _fail(index, "channel", "must match [a-z0-9_-]{1,32} (lowercase)")
    _check_id(index, "externalUserId", event.external_user_id, required=True)
    _check_id(index, "threadId", event.thread_id, required=False)
    _check_platform_ids(index, event)
    _check_id(index, "sessionId", event.session_id, required=False)
    _check_id(index, "agentId", event.agent_id, required=False)
    if event.agent_id is not None and event.role not in (Speaker.BOT, Speaker.AGENT):
        raise _fail(index, "agentId", "is only for BOT or AGENT messages")
    if event.text is not None and len(event.text.encode()) > limits.max_text_bytes:
        raise _fail(index, "text", f"must be at most {limits.max_text_bytes} bytes")
    at = _check_time(index, event.occurred_at, now, timedelta(seconds=limits.future_skew_seconds))
    if event.attributes is not None and not isinstance(event.attributes, dict):
        raise _fail(index, "attributes", "must be a JSON object")
    if event.metadata is not None and not isinstance(event.metadata, dict):
        raise _fail(index, "metadata", "must be a JSON object")
    attributes = {
        str(key): _json_text(index, f"attributes.{key}", value)
        for key, value in (event.attributes or {}).items()
    }
    for key in attributes:
        if not ATTRIBUTE_KEY.fullmatch(key):
            raise _fail(index, "attributes", f"key {key!r} must match [A-Za-z0-9_.-]{{1,64}}")
    metadata = _json_text(index, "metadata", event.metadata) if event.metadata else None
    return ValidEvent(index, event, at, metadata, attributes)


def validate_batch(
    events: list[EventInput], limits: IngestLimits, now: datetime | None = None
) -> list[ValidEvent]:
    """Validate a whole batch (all or nothing)."""
    if not events:
        raise BadInputError("events: at least one event is required", field="events")
    if len(events) > limits.max_batch:
        raise LimitExceededError(
            f"events: at most {limits.max_batch} events per call (got {len(events)})",
            limit=limits.max_batch,
        )
    moment = now or datetime.now(UTC)
    return [validate_event(i, event, limits, moment) for i, event in enumerate(events)]
