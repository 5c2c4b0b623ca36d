"""Plain, typed read models returned by the repositories (no driver types leak out)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from graph.domain.callers import CallerRole
from graph.domain.sealed import ENTITY, IDENTITY, clear_text


def native_time(value: Any) -> datetime | None:
    """Epoch milliseconds (what read queries return: decoding a Bolt DateTime costs far more)
    or a neo4j DateTime, as an aware UTC datetime; None stays None."""
    if value is None:
        return None
    if isinstance(value, int):
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    # one tzinfo for UTC (the driver's is pytz's): a time read back as a query parameter must
    # compare equal to the stored one (paging cursors), which a named "UTC" zone does not
    native: datetime = value.to_native()
    return native.astimezone(UTC)


def to_millis(value: datetime) -> int:
    """An aware datetime as epoch milliseconds: how writes pass times to Cypher, which builds the
    DateTime itself (`datetime({epochMillis: ...})`) — far cheaper than the driver packing one."""
    return int(value.timestamp() * 1000)


def entity_text(text: str | None) -> str:
    """A mention's value or text as stored, opened when sealed; "" when it does not open (its
    person erased) or is absent."""
    return clear_text(text, ENTITY) or ""


def json_value(text: str | None) -> Any:
    """A stored JSON value (an attribute's), opened first when it is sealed (graph/domain/
    sealed.py): None when its person's key is destroyed."""
    clear = clear_text(text)
    return None if clear is None else json.loads(clear)


@dataclass(frozen=True)
class IdentityRecord:
    key: str
    channel: str
    external_id: str
    created_at: datetime | None
    linked_by: str | None = None
    evidence: str | None = None
    merge_id: str | None = None  # set when the identity came to this user through a merge

    @classmethod
    def from_map(cls, row: dict[str, Any]) -> IdentityRecord:
        return cls(
            row["key"],
            row["channel"],
            clear_text(row["externalId"], IDENTITY) or "",  # sealed with encryption on
            native_time(row.get("createdAt")),
            row.get("linkedBy"),
            row.get("evidence"),
            row.get("mergeId"),
        )


@dataclass(frozen=True)
class UserRecord:
    id: str
    created_at: datetime | None
    identities: list[IdentityRecord] = field(default_factory=list)
    version: int = 0
    merged_into: str | None = None


@dataclass(frozen=True)
class SessionRecord:
    id: str
    user_id: str
    status: str
    created_at: datetime
    last_activity_at: datetime
    closed_at: datetime | None
    seq: int
    version: int
    channels: list[str]
    continues: str | None
    handler_id: str | None = None
    last_channel: str | None = None

    @classmethod
    def from_record(cls, row: Any) -> SessionRecord:
        """From a row with the columns every session query returns: `session` (the map),
        `userId` and `continues`."""
        session: dict[str, Any] = row["session"]
        return cls(
            id=session["id"],
            user_id=row["userId"],
            status=session["status"],
            created_at=native_time(session["createdAt"]),  # type: ignore[arg-type]
            last_activity_at=native_time(session["lastActivityAt"]),  # type: ignore[arg-type]
            closed_at=native_time(session.get("closedAt")),
            seq=session["seq"],
            version=session["version"],
            channels=list(session.get("channels") or []),
            continues=row["continues"],
            handler_id=session.get("handlerId"),
            last_channel=session.get("lastChannel"),
        )


@dataclass(frozen=True)
class MentionRecord:
    """An entity as one message mentions it (`start`/`end`/`text`: where in the text)."""

    key: str
    type: str
    value: str
    start: int
    end: int
    text: str

    @classmethod
    def from_map(cls, row: dict[str, Any]) -> MentionRecord:
        """`value` and `text` open when sealed (a personal entity's, graph/domain/sealed.py)."""
        return cls(
            row["key"],
            row["type"],
            entity_text(row["value"]),
            row["start"],
            row["end"],
            entity_text(row["text"]),
        )


@dataclass(frozen=True)
class IntentRecord:
    name: str
    confidence: float


@dataclass(frozen=True)
class MessageRecord:
    id: str
    event_id: str
    session_id: str
    user_id: str
    identity_key: str
    channel: str
    role: str
    text: str | None
    at: datetime
    seq: int
    metadata: Any
    sentiment: float | None = None
    sentiment_label: str | None = None
    enrichment_version: str | None = None
    entities: list[MentionRecord] = field(default_factory=list)
    intents: list[IntentRecord] = field(default_factory=list)
    agent_id: str | None = None
    delivery: DeliveryRecord | None = None  # a reply sent through its platform (sendMessage)

    @classmethod
    def from_map(cls, row: dict[str, Any]) -> MessageRecord:
        return cls(
            id=row["id"],
            event_id=row["eventId"],
            session_id=row["sessionId"],
            user_id=row["userId"],
            identity_key=row["identityKey"],
            channel=row["channel"],
            role=row["role"],
            text=row.get("text"),
            at=native_time(row["at"]),  # type: ignore[arg-type]
            seq=row["seq"],
            metadata=json_value(row.get("metadata")),
            sentiment=row.get("sentiment"),
            sentiment_label=row.get("sentimentLabel"),
            enrichment_version=row.get("enrichmentVersion"),
            entities=[MentionRecord.from_map(e) for e in row.get("entities") or []],
            intents=[IntentRecord(i["name"], i["confidence"]) for i in row.get("expressed") or []],
            agent_id=row.get("agentId"),
            delivery=DeliveryRecord(
                row["deliveryStatus"],
                native_time(row.get("deliveryAt")),
                row.get("deliveryError"),
            )
            if row.get("deliveryStatus")
            else None,
        )


@dataclass(frozen=True)
class DeliveryRecord:
    """How a reply's delivery stands: QUEUED, SENDING, SENT, DELIVERED, READ or FAILED."""

    status: str
    at: datetime | None
    error: str | None


@dataclass(frozen=True)
class ContextEntityRecord:
    """An entity of a conversation, deduplicated across channels."""

    key: str
    type: str
    value: str
    first_seen_at: datetime
    last_seen_at: datetime
    mentions: int
    channels: list[str]

    @classmethod
    def from_map(cls, row: dict[str, Any]) -> ContextEntityRecord:
        return cls(
            row["key"],
            row["type"],
            entity_text(row["value"]),
            native_time(row["firstSeenAt"]),  # type: ignore[arg-type]
            native_time(row["lastSeenAt"]),  # type: ignore[arg-type]
            row["mentions"],
            list(row["channels"]),
        )


@dataclass(frozen=True)
class ContextIntentRecord:
    name: str
    messages: int
    confidence: float
    last_seen_at: datetime


@dataclass(frozen=True)
class SentimentPoint:
    seq: int
    at: datetime
    channel: str
    sentiment: float


@dataclass(frozen=True)
class MergeRecord:
    id: str
    source_id: str
    target_id: str
    evidence: str | None
    actor: str | None
    at: datetime | None
    status: str
    identities: list[str]
    sessions: list[str]
    reverted_at: datetime | None = None
    reverted_by: str | None = None

    @classmethod
    def from_map(cls, row: dict[str, Any]) -> MergeRecord:
        return cls(
            id=row["id"],
            source_id=row["sourceId"],
            target_id=row["targetId"],
            evidence=row.get("evidence"),
            actor=row.get("actor"),
            at=native_time(row.get("at")),
            status=row["status"],
            identities=list(row.get("identities") or []),
            sessions=list(row.get("sessions") or []),
            reverted_at=native_time(row.get("revertedAt")),
            reverted_by=row.get("revertedBy"),
        )


@dataclass(frozen=True)
class RecallHitRecord:
    """A message a recall found, why, and the turns around it in its session."""

    message: MessageRecord
    score: float
    signals: list[str]
    neighbors: list[MessageRecord] = field(default_factory=list)


@dataclass(frozen=True)
class RecallRecord:
    """What a recall found in a person's (or a session's) history, best first."""

    hits: list[RecallHitRecord]
    entities: list[ContextEntityRecord]


@dataclass(frozen=True)
class AttributeChangeRecord:
    """One recorded change of an attribute: its new value, the event time of that value
    (`at`), when the store recorded it (`recorded_at`), where and by whom."""

    key: str
    value: Any
    at: datetime
    recorded_at: datetime
    channel: str | None
    version: int
    owner_version: int | None = None  # the owner's attribute write count after it
    owner_id: str | None = None  # the user whose attribute it is (users merged in included)
    writer: str | None = None  # the API key id / JWT subject of a mutation
    event_id: str | None = None  # the event that carried it
    message_id: str | None = None  # ...when that event was a message

    @classmethod
    def from_map(cls, row: dict[str, Any]) -> AttributeChangeRecord:
        return cls(
            key=row["key"],
            value=json_value(row["value"]),
            at=native_time(row["at"]),  # type: ignore[arg-type]
            recorded_at=native_time(row["recordedAt"]),  # type: ignore[arg-type]
            channel=row.get("channel"),
            version=int(row.get("version") or 0),
            owner_version=row.get("ownerVersion"),
            owner_id=row.get("ownerId"),
            writer=row.get("writer"),
            event_id=row.get("eventId"),
            message_id=row.get("messageId"),
        )


@dataclass(frozen=True)
class HandoffRecord:
    """A handoff of a session: from which agent to which, of what kind, why, when."""

    from_agent_id: str | None
    agent_id: str
    agent_kind: str
    reason: str | None
    at: datetime


@dataclass(frozen=True)
class ApiKeyRecord:
    id: str
    role: CallerRole
    channels: list[str]
    name: str | None
    created_at: datetime | None
    revoked_at: datetime | None
    issues_user_tokens: bool = False


@dataclass(frozen=True)
class AgentRecord:
    id: str
    kind: str
    name: str | None
    created_at: datetime | None

    @classmethod
    def from_map(cls, row: dict[str, Any]) -> AgentRecord:
        return cls(row["id"], row["kind"], row.get("name"), native_time(row.get("createdAt")))


@dataclass(frozen=True)
class TransitionRecord:
    from_status: str
    to_status: str
    at: datetime
    cause: str


@dataclass(frozen=True)
class FiringRecord:
    id: str
    rule: str
    at: datetime
    actions: list[str]
    outcomes: list[str]
    webhooks: list[dict[str, Any]]


@dataclass
class Table:
    """Rows of JSON-ready values under their column names (analytics, ad-hoc Cypher)."""

    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    truncated: bool = False

    def as_dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]
