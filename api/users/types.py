"""GraphQL types of users and identities."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, cast

import strawberry

from api.request import Info
from api.scalars import JSON
from graph.attributes import Owner, attributes_of
from graph.sessions import user_sessions

if TYPE_CHECKING:
    from api.sessions.types import Session
    from graph.records import IdentityRecord, UserRecord


@strawberry.type(description="A handle on one channel: a cookie id, phone, PSID, email...")
class Identity:
    key: str
    channel: str
    external_id: str
    created_at: datetime | None

    @classmethod
    def from_record(cls, record: IdentityRecord) -> Identity:
        return cls(
            key=record.key,
            channel=record.channel,
            external_id=record.external_id,
            created_at=record.created_at,
        )


@strawberry.type(description="A person, known or anonymous, across all their channels.")
class User:
    id: strawberry.ID
    created_at: datetime | None
    identities: list[Identity]
    version: int = strawberry.field(
        description="Counts attribute writes; the expectedVersion of setUserAttributes."
    )

    @classmethod
    def from_record(cls, record: UserRecord) -> User:
        return cls(
            id=strawberry.ID(record.id),
            created_at=record.created_at,
            identities=[Identity.from_record(i) for i in record.identities],
            version=record.version,
        )

    @strawberry.field(description="The user's own attributes (not a session's) as one object.")
    async def attributes(self, info: Info) -> JSON:
        return cast(JSON, await attributes_of(info.context.db, Owner.USER, str(self.id)))

    @strawberry.field(description="The user's sessions, most recently active first.")
    async def sessions(
        self, info: Info, limit: int = 20
    ) -> list[Annotated[Session, strawberry.lazy("api.sessions.types")]]:
        from api.sessions.types import Session

        records = await user_sessions(info.context.db, str(self.id), max(0, min(limit, 200)))
        return [Session.from_record(r) for r in records]
