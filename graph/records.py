"""Plain, typed read models returned by the repositories (no driver types leak out)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


def native_time(value: Any) -> datetime | None:
    """A neo4j DateTime (or None) as a Python datetime."""
    return None if value is None else value.to_native()  # type: ignore[no-any-return,unused-ignore]


def json_value(text: str | None) -> Any:
    return None if text is None else json.loads(text)


@dataclass(frozen=True)
class IdentityRecord:
    key: str
    channel: str
    external_id: str
    created_at: datetime | None

    @classmethod
    def from_map(cls, row: dict[str, Any]) -> IdentityRecord:
        return cls(row["key"], row["channel"], row["externalId"], native_time(row.get("createdAt")))


@dataclass(frozen=True)
class UserRecord:
    id: str
    created_at: datetime | None
    identities: list[IdentityRecord] = field(default_factory=list)


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

    @classmethod
    def from_row(
        cls, session: dict[str, Any], user_id: str, continues: str | None
    ) -> SessionRecord:
        return cls(
            id=session["id"],
            user_id=user_id,
            status=session["status"],
            created_at=native_time(session["createdAt"]),  # type: ignore[arg-type]
            last_activity_at=native_time(session["lastActivityAt"]),  # type: ignore[arg-type]
            closed_at=native_time(session.get("closedAt")),
            seq=session["seq"],
            version=session["version"],
            channels=list(session.get("channels") or []),
            continues=continues,
        )


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
        )


@dataclass(frozen=True)
class ContextRecord:
    """The cross-channel picture of one conversation, as an agent picking it up needs it."""

    user: UserRecord
    session: SessionRecord
    messages: list[MessageRecord]
    attributes: dict[str, Any]

    @property
    def channels(self) -> list[str]:
        return self.session.channels
