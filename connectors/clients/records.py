"""Typed results of the Python client (`connectors.clients.client`): plain dataclasses built
from the API's JSON. Standard library only — an SDK user needs no server package."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# the error codes a retry can cure (graph.domain.errors marks them retryable; a test keeps the
# two lists equal)
RETRYABLE_CODES = frozenset({"UNAVAILABLE", "ENRICHMENT_FAILED", "TIMEOUT", "INTERNAL"})


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class ThreadlineAPIError(Exception):
    """The API answered with an error; `code` is its `extensions.code`."""

    def __init__(self, message: str, code: str, extensions: dict[str, Any]) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.extensions = extensions


# RFC 6750's b64token: what an `Authorization: Bearer` value may hold (API keys and JWTs do)
_BEARER_TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
_TOKEN_CHARS = frozenset(string.ascii_letters + string.digits + "-._~+/")


def bearer_headers(token: str | None) -> dict[str, str]:
    """The Authorization header for `token` (none without one). A malformed token — the docs'
    `tlk_…` placeholder pasted as is, a stray space or newline — is refused here, before
    anything is sent, rather than deep inside the HTTP library."""
    if not token:
        return {}
    if not _BEARER_TOKEN.fullmatch(token):
        body = token.rstrip("=")
        position = next((i for i, char in enumerate(body) if char not in _TOKEN_CHARS), 0)
        char = token[position]
        raise ValueError(
            f"token is not a bearer token: {char!r} (U+{ord(char):04X}) at position {position}. "
            "Pass the whole API key (tlk_<id>_<secret>) or JWT, or no token to a server in dev "
            "mode (make serve)."
        )
    return {"Authorization": f"Bearer {token}"}


@dataclass(frozen=True)
class EventInput:
    """One thing that happened on a channel (an utterance, or only state). `event_id` is the
    platform's id: a retry with the same id is stored once."""

    event_id: str
    channel: str
    external_user_id: str
    thread_id: str | None = None
    session_id: str | None = None
    role: str = "USER"  # USER, BOT, AGENT, SYSTEM
    text: str | None = None
    occurred_at: datetime | None = None
    attributes: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None
    agent_id: str | None = None  # the bot or human agent who said a BOT/AGENT message


@dataclass(frozen=True)
class IngestedEvent:
    """Where one event landed; `duplicate` when its `event_id` had been stored before."""

    event_id: str
    session_id: str
    message_id: str | None
    seq: int | None
    duplicate: bool


@dataclass(frozen=True)
class IngestResult:
    accepted: int
    duplicates: int
    results: list[IngestedEvent]


@dataclass(frozen=True)
class Turn:
    """One message: who said what, where, when, at which place in its session."""

    id: str
    session_id: str
    seq: int
    channel: str
    role: str
    text: str | None
    at: datetime

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Turn:
        return cls(
            raw["id"],
            raw["sessionId"],
            raw["seq"],
            raw["channel"],
            raw["role"],
            raw["text"],
            datetime.fromisoformat(raw["at"]),
        )


@dataclass(frozen=True)
class RecallHit:
    message: Turn
    score: float
    signals: list[str]  # why it matched: keyword, entity:ORDER_ID:A1001, date... (docs/recall.md)
    neighbors: list[Turn]


@dataclass(frozen=True)
class Recalled:
    hits: list[RecallHit]  # best first
    text: str  # hits and neighbours, time order, one line per turn, ready for a prompt


@dataclass(frozen=True)
class BriefEntity:
    key: str
    type: str
    value: str
    seq: int  # its latest mention


@dataclass(frozen=True)
class Brief:
    """The handoff brief of a session (docs/api.md#the-handoff-brief)."""

    session_id: str
    issue: str | None  # the latest substantive intent
    issue_message: Turn | None  # the first user message that stated it
    intents: list[str]  # in the order they came up
    channel_path: list[str]
    entities: list[BriefEntity]
    open_questions: list[Turn]
    steps_taken: list[Turn]
    sentiment: float | None
    trend: str  # RISING, FALLING or STEADY
    slope: float
    falling: bool
    key_turns: list[Turn]
    handoffs: list[dict[str, Any]]
    text: str  # the brief as plain text, one line per part

    @classmethod
    def from_json(cls, session_id: str, raw: dict[str, Any]) -> Brief:
        issue = raw.get("issue")

        def turn(item: dict[str, Any]) -> Turn:
            return Turn.from_json({"sessionId": session_id, **item})

        return cls(
            session_id=session_id,
            issue=issue["intent"] if issue else None,
            issue_message=turn(issue["message"]) if issue else None,
            intents=[i["intent"] for i in raw["intents"]],
            channel_path=list(raw["channelPath"]),
            entities=[
                BriefEntity(e["key"], e["type"], e["value"], e["message"]["seq"])
                for e in raw["entities"]
            ],
            open_questions=[turn(t) for t in raw["openQuestions"]],
            steps_taken=[turn(t) for t in raw["stepsTaken"]],
            sentiment=raw["sentiment"],
            trend=raw["trend"],
            slope=raw["slope"],
            falling=raw["falling"],
            key_turns=[turn(t) for t in raw["keyTurns"]],
            handoffs=list(raw["handoffs"]),
            text=raw["text"],
        )


@dataclass(frozen=True)
class FactValue:
    value: Any
    at: datetime
    channel: str | None


@dataclass(frozen=True)
class Fact:
    """A current value of what we know about a person, where it came from, what it replaced."""

    key: str  # EMAIL, PHONE, ORDER_ID... or an attribute key
    type: str  # the entity type, or ATTRIBUTE
    value: Any
    at: datetime
    channel: str | None
    source_kind: str  # MESSAGE or ATTRIBUTE
    source_id: str | None  # the message id
    source_seq: int | None
    superseded: list[FactValue] = field(default_factory=list)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Fact:
        source = raw["source"]
        return cls(
            key=raw["key"],
            type=raw["type"],
            value=raw["value"],
            at=datetime.fromisoformat(raw["at"]),
            channel=raw["channel"],
            source_kind=source["kind"],
            source_id=source["id"],
            source_seq=source["seq"],
            superseded=[
                FactValue(v["value"], datetime.fromisoformat(v["at"]), v["channel"])
                for v in raw["superseded"]
            ],
        )


@dataclass(frozen=True)
class SessionInfo:
    """A session as the agent tools see it."""

    id: str
    user_id: str
    status: str
    channels: list[str]
    seq: int
    version: int
    created_at: datetime
    last_activity_at: datetime
    handler_id: str | None
    attributes: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> SessionInfo:
        return cls(
            id=raw["id"],
            user_id=raw["userId"],
            status=raw["status"],
            channels=list(raw["channels"]),
            seq=raw["seq"],
            version=raw["version"],
            created_at=datetime.fromisoformat(raw["createdAt"]),
            last_activity_at=datetime.fromisoformat(raw["lastActivityAt"]),
            handler_id=raw["handlerId"],
            attributes=dict(raw.get("attributes") or {}),
        )


@dataclass(frozen=True)
class AttributesWritten:
    """An attribute write's outcome: the owner's new version and all its values."""

    version: int
    attributes: dict[str, Any]


@dataclass(frozen=True)
class UserToken:
    """A user token for one channel identity: hand it to that person's web page or app."""

    token: str
    channel: str
    external_user_id: str
    expires_at: datetime


@dataclass(frozen=True)
class LiveEvent:
    """One committed change pushed by `sessionEvents` (docs/lifecycle.md#live-updates)."""

    kind: str  # MESSAGE, EVENT, ATTRIBUTES, HANDOFF, STATUS, MERGE, UNMERGE, LAGGED
    at: datetime | None
    session_id: str | None
    user_id: str | None
    channel: str | None
    role: str | None
    text: str | None
    seq: int | None
    attributes: dict[str, Any] | None
    agent_id: str | None
    status: str | None
    brief_text: str | None  # HANDOFF: the handoff brief as text

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> LiveEvent:
        brief = raw.get("brief")
        return cls(
            kind=raw["kind"],
            at=_time(raw.get("at")),
            session_id=raw.get("sessionId"),
            user_id=raw.get("userId"),
            channel=raw.get("channel"),
            role=raw.get("role"),
            text=raw.get("text"),
            seq=raw.get("seq"),
            attributes=raw.get("attributes"),
            agent_id=raw.get("agentId"),
            status=raw.get("status"),
            brief_text=brief["text"] if brief else None,
        )
