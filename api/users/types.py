"""GraphQL types of users and identities."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry

from api import pii
from api.convert import from_record as convert_record
from api.request import Info
from api.scalars import JSON
from api.sessions.types import AttributeChange, Session, record_time
from graph.domain.as_of import UserThen
from graph.domain.errors import NotFoundError
from graph.domain.facts import ATTRIBUTE, FactRecord, check_types
from graph.domain.facts import FactSource as FactSourceRecord
from graph.domain.facts import FactValue as FactValueRecord
from graph.domain.masking import REDACTED, mask_entity_value
from graph.domain.records import MergeRecord
from graph.store.attributes import user_attributes
from graph.store.facts import user_facts
from graph.store.history import user_then
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


def mask_fact_value(fact_type: str, value: Any) -> Any:
    """A fact's value for roles without PII access: entity values masked by their type (an
    order id stays), attribute values redacted like attributes."""
    if fact_type == ATTRIBUTE or not isinstance(value, str):
        return REDACTED
    return mask_entity_value(fact_type, value)


@strawberry.type(description="Where a fact's value came from: a message, or an attribute write.")
class FactSource:
    kind: str = strawberry.field(description="MESSAGE or ATTRIBUTE.")
    id: strawberry.ID | None = strawberry.field(
        description="The message (for an attribute: the message that carried it, if any)."
    )
    seq: int | None
    session_id: strawberry.ID | None
    version: int | None = strawberry.field(description="ATTRIBUTE: the attribute's version.")
    writer: str | None = strawberry.field(description="ATTRIBUTE: the API key id or JWT subject.")
    event_id: strawberry.ID | None

    @classmethod
    def from_record(cls, record: FactSourceRecord) -> FactSource:
        return convert_record(cls, record)


@strawberry.type(description="A value a fact had before: when and where it was stated.")
class FactValue:
    value: JSON = strawberry.field(
        extensions=[pii.Pii(lambda value, source: mask_fact_value(source.type, value))]
    )
    at: datetime
    channel: str | None
    source: FactSource
    type: str = strawberry.field(description="The fact's type (as on the fact).")

    @classmethod
    def from_record(cls, record: FactValueRecord, fact_type: str) -> FactValue:
        return convert_record(cls, record, type=fact_type)


@strawberry.type(
    description="What we know about the person now: the current value of one fact key, when "
    "and where it was stated, where it came from, and the values it superseded."
)
class Fact:
    key: str = strawberry.field(
        description="The entity type (EMAIL, ORDER_ID...) or attribute key."
    )
    type: str = strawberry.field(description="The entity type, or ATTRIBUTE.")
    value: JSON = strawberry.field(
        extensions=[pii.Pii(lambda value, source: mask_fact_value(source.type, value))]
    )
    at: datetime = strawberry.field(description="When it was stated (event time).")
    channel: str | None
    source: FactSource
    superseded: list[FactValue] = strawberry.field(
        description="Earlier values, oldest first (single-valued types and attributes)."
    )
    mentions: int = strawberry.field(description="How often the current value was stated.")

    @classmethod
    def from_record(cls, record: FactRecord) -> Fact:
        return convert_record(
            cls,
            record,
            superseded=[FactValue.from_record(v, record.type) for v in record.superseded],
        )


def merge_then(merge: MergeRecord, as_of: datetime) -> MergeRecord:
    """A merge as it stood at `as_of`: a revert made later had not happened yet."""
    if merge.reverted_at is not None and merge.reverted_at > as_of:
        return replace(merge, status="ACTIVE", reverted_at=None, reverted_by=None)
    return merge


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
    as_of: datetime | None = strawberry.field(
        default=None,
        description="Set when this is the user as it was at that instant (`asOf`): identities, "
        "merges, attributes, facts and attribute history then.",
    )
    _then: strawberry.Private[UserThen | None] = None
    _now: strawberry.Private[UserThen | None] = None  # read once per object when no asOf

    @classmethod
    def from_record(cls, record: UserRecord, then: UserThen | None = None) -> User:
        as_of = record_time(then.at) if then is not None else None
        return convert_record(
            cls, record, merged_into_id=record.merged_into, as_of=as_of, _then=then, _now=None
        )

    async def now_or_then(self, info: Info) -> UserThen:
        """This user as of its `asOf`, or as it is now (members: it and the users merged in)."""
        if self._then is not None:
            return self._then
        if self._now is None:  # facts and attributeHistory in one query share one read
            self._now = await user_then(info.context.db, str(self.id))
            if self._now is None:
                raise NotFoundError(f"no user {self.id!r}", field="userId")
        return self._now

    @strawberry.field(
        description="The merges this user took part in, newest first (made by `asOf`, with the "
        "status they had then, when set)."
    )
    async def merges(self, info: Info) -> list[Merge]:
        merges = await user_merges(info.context.db, str(self.id))
        if self.as_of is None:
            return [Merge.from_record(m) for m in merges]
        return [
            Merge.from_record(merge_then(m, self.as_of))
            for m in merges
            if m.at is not None and m.at <= self.as_of
        ]

    @strawberry.field(
        description="The user's attributes (not a session's) as one object, combined with those "
        "of users merged into it under the attribute merge policies.",
        extensions=pii.attribute_values(),
    )
    async def attributes(self, info: Info) -> JSON:
        if self._then is not None:
            return cast(JSON, self._then.attributes(info.context.attribute_policies))
        values = await user_attributes(
            info.context.db, str(self.id), info.context.attribute_policies
        )
        return cast(JSON, values)

    @strawberry.field(
        description="Every recorded change of the user's attributes and those of the users "
        "merged into it (then, with `asOf`), oldest first; `ownerId` says whose.",
    )
    async def attribute_history(self, info: Info) -> list[AttributeChange]:
        then = await self.now_or_then(info)
        return [AttributeChange.from_record(c) for c in then.history()]

    @strawberry.field(
        description="The person's facts (users merged in included; as of `asOf` when set): one "
        "row per single-valued key (EMAIL, PHONE, each user attribute) with its current value, "
        "and one per value of an accumulating type (ORDER_ID...). From what the person said "
        "themselves (not what they said about someone else) and their attribute writes; "
        "`types` filters (entity types, or ATTRIBUTE).",
    )
    async def facts(self, info: Info, types: list[str] | None = None) -> list[Fact]:
        rules = info.context.conversation_rules.facts
        wanted = check_types(types, rules)
        then = await self.now_or_then(info)
        found = await user_facts(
            info.context.db, then, rules, wanted, info.context.attribute_policies
        )
        return [Fact.from_record(f) for f in found]

    @strawberry.field(description="The user's sessions, most recently active first.")
    async def sessions(
        self, info: Info, limit: int = 20
    ) -> list[Annotated[Session, strawberry.lazy("api.sessions.types")]]:
        records = await user_sessions(info.context.db, str(self.id), max(0, min(limit, 200)))
        return [Session.from_record(r) for r in records]


@strawberry.type(description="A user token: what a web page or app holds for one channel identity.")
class UserToken:
    token: str
    channel: str
    external_user_id: str
    expires_at: datetime
