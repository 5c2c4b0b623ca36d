"""GraphQL types of users and identities."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, cast

import strawberry

from api import pii
from api.convert import from_record as convert_record
from api.request import Info
from api.scalars import JSON
from api.sessions.types import Session
from graph.domain.records import MergeRecord
from graph.store.attributes import user_attributes
from graph.store.merges import user_merges
from graph.store.sessions import user_sessions

if TYPE_CHECKING:
    from graph.domain.records import IdentityRecord, UserRecord


@strawberry.type(description="A handle on one channel: a cookie id, phone, PSID, email...")
class Identity:
    key: str = strawberry.field(extensions=pii.identity_key())
    channel: str
    external_id: str = strawberry.field(extensions=pii.identifier())
    created_at: datetime | None
    linked_by: str | None = strawberry.field(description="Who/what linked it (provenance).")
    evidence: str | None = strawberry.field(
        description="Why it was linked.", extensions=pii.free_text()
    )
    merge_id: strawberry.ID | None = strawberry.field(
        description="Set when the identity came to this user through mergeUsers."
    )

    @classmethod
    def from_record(cls, record: IdentityRecord) -> Identity:
        return convert_record(cls, record)


@strawberry.type(description="Two users found to be one person: reversible, with provenance.")
class Merge:
    id: strawberry.ID
    source_id: strawberry.ID = strawberry.field(description="The user merged away.")
    target_id: strawberry.ID = strawberry.field(description="The surviving user.")
    evidence: str | None = strawberry.field(extensions=pii.free_text())
    actor: str | None
    at: datetime | None
    status: str = strawberry.field(description="ACTIVE, or REVERTED by unmergeUser.")
    identities: list[str] = strawberry.field(
        description="Identity keys the merge moved.", extensions=pii.identity_keys()
    )
    sessions: list[strawberry.ID] = strawberry.field(description="Sessions the merge moved.")
    reverted_at: datetime | None
    reverted_by: str | None

    @classmethod
    def from_record(cls, record: MergeRecord) -> Merge:
        return convert_record(cls, record)


@strawberry.type(description="A person, known or anonymous, across all their channels.")
class User:
    id: strawberry.ID
    created_at: datetime | None
    identities: list[Identity]
    version: int = strawberry.field(
        description="Counts attribute writes; the expectedVersion of setUserAttributes."
    )
    merged_into_id: strawberry.ID | None = strawberry.field(
        description="The user this one was merged into (its identities and sessions are there)."
    )

    @classmethod
    def from_record(cls, record: UserRecord) -> User:
        return convert_record(cls, record, merged_into_id=record.merged_into)

    @strawberry.field(description="The merges this user took part in, newest first.")
    async def merges(self, info: Info) -> list[Merge]:
        return [Merge.from_record(m) for m in await user_merges(info.context.db, str(self.id))]

    @strawberry.field(
        description="The user's attributes (not a session's) as one object, combined with those "
        "of users merged into it under the attribute merge policies.",
        extensions=pii.attribute_values(),
    )
    async def attributes(self, info: Info) -> JSON:
        values = await user_attributes(
            info.context.db, str(self.id), info.context.attribute_policies
        )
        return cast(JSON, values)

    @strawberry.field(description="The user's sessions, most recently active first.")
    async def sessions(
        self, info: Info, limit: int = 20
    ) -> list[Annotated[Session, strawberry.lazy("api.sessions.types")]]:
        records = await user_sessions(info.context.db, str(self.id), max(0, min(limit, 200)))
        return [Session.from_record(r) for r in records]
