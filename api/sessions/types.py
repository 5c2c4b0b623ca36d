"""GraphQL types of sessions and messages."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, cast

import strawberry

from api import pii
from api.auth import NotForConnectors
from api.convert import from_record as convert_record
from api.request import Info
from api.scalars import JSON, Role, SessionStatus
from graph.compliance.auth import CallerRole
from graph.store.attributes import session_attributes
from graph.store.context import check_message_count
from graph.store.handoffs import session_handoffs
from graph.store.lifecycle import transitions
from graph.store.sessions import get_session, session_messages

if TYPE_CHECKING:
    from api.users.types import User
    from graph.domain.records import MessageRecord, SessionRecord
    from graph.store.handoffs import AgentRecord


@strawberry.type(description="An entity as one message mentions it, with where in the text.")
class Mention:
    key: str = strawberry.field(
        description="`TYPE:normalized`, the same on every channel.", extensions=pii.entity_key()
    )
    type: str
    value: str = strawberry.field(
        description="The normalized value.", extensions=pii.entity_value()
    )
    start: int
    end: int
    text: str = strawberry.field(
        description="As written in the message.", extensions=pii.entity_value()
    )


@strawberry.type(description="An intent a message expresses, with the rule layer's confidence.")
class MessageIntent:
    name: str
    confidence: float


@strawberry.type(description="A bot or human agent that can handle sessions.")
class Agent:
    id: strawberry.ID
    kind: str = strawberry.field(description="BOT or HUMAN.")
    name: str | None
    created_at: datetime | None

    @classmethod
    def from_record(cls, record: AgentRecord) -> Agent:
        return convert_record(cls, record)


@strawberry.type(description='A "Continue in app" token: shown once, single use.')
class ContinuationToken:
    token: str
    session_id: strawberry.ID
    expires_at: datetime


@strawberry.type(description="One utterance, on one channel, at one place in its session.")
class Message:
    id: strawberry.ID
    event_id: strawberry.ID
    session_id: strawberry.ID
    user_id: strawberry.ID
    channel: str
    role: Role
    text: str | None = strawberry.field(
        description="Redacted for roles without PII access.", extensions=pii.free_text()
    )
    at: datetime
    seq: int
    metadata: JSON | None = strawberry.field(extensions=[pii.Pii(lambda _value, _source: None)])
    sentiment: float | None = strawberry.field(description="VADER compound score in [-1, 1].")
    sentiment_label: str | None = strawberry.field(description="NEGATIVE, NEUTRAL or POSITIVE.")
    enrichment_version: str | None
    entities: list[Mention]
    intents: list[MessageIntent]
    agent_id: strawberry.ID | None = strawberry.field(
        description="The bot or human agent who said it (BOT/AGENT messages)."
    )

    @classmethod
    def from_record(cls, record: MessageRecord) -> Message:
        return convert_record(cls, record)


@strawberry.type(description="A session handed to an agent: from whom, to whom, why, when.")
class Handoff:
    from_agent_id: strawberry.ID | None
    agent_id: strawberry.ID
    agent_kind: str
    reason: str | None = strawberry.field(extensions=pii.free_text())
    at: datetime


@strawberry.type(description="A lifecycle change of a session: from, to, when and why.")
class Transition:
    from_status: SessionStatus = strawberry.field(name="from")
    to_status: SessionStatus = strawberry.field(name="to")
    at: datetime
    cause: str = strawberry.field(
        description="A timer (`idle timeout`...) or the reason given to closeSession.",
        extensions=pii.cause(),
    )


@strawberry.type(description="One cross-channel conversation.")
class Session:
    id: strawberry.ID
    user_id: strawberry.ID
    status: SessionStatus
    created_at: datetime
    last_activity_at: datetime
    closed_at: datetime | None
    seq: int = strawberry.field(description="Messages so far: the last message's seq.")
    version: int
    channels: list[str]
    continues_id: strawberry.ID | None = strawberry.field(
        description="The expired session this one picked up, if any."
    )
    handler_id: strawberry.ID | None = strawberry.field(
        description="The agent (bot or human) handling the session now, if any."
    )
    last_channel: str | None = strawberry.field(
        description="The channel of the latest activity (whose timers apply)."
    )

    @classmethod
    def from_record(cls, record: SessionRecord) -> Session:
        return convert_record(cls, record, continues_id=record.continues)

    @strawberry.field(
        description="The person this conversation is with.", extensions=[NotForConnectors()]
    )
    async def user(self, info: Info) -> Annotated[User, strawberry.lazy("api.users.types")] | None:
        record = await info.context.users.load(str(self.user_id))
        if record is None:
            return None
        # the User type, found through the schema: its module imports this one, so importing
        # it here would make the two modules an import circle
        user_type = info.schema.get_type_by_name("User")
        return cast("User", user_type.origin.from_record(record))  # type: ignore[union-attr]

    @strawberry.field(
        description="The expired session this one CONTINUES, if any.",
        extensions=[NotForConnectors()],
    )
    async def previous(self, info: Info) -> Session | None:
        if self.continues_id is None:
            return None
        record = await get_session(info.context.db, str(self.continues_id))
        return Session.from_record(record) if record else None

    @strawberry.field(
        description="Lifecycle transitions (timers), oldest first.", extensions=[NotForConnectors()]
    )
    async def transitions(self, info: Info) -> list[Transition]:
        return [
            Transition(
                from_status=SessionStatus(t.from_status),
                to_status=SessionStatus(t.to_status),
                at=t.at,
                cause=t.cause,
            )
            for t in await transitions(info.context.db, str(self.id))
        ]

    @strawberry.field(
        description="Every handoff of the session, oldest first.", extensions=[NotForConnectors()]
    )
    async def handoffs(self, info: Info) -> list[Handoff]:
        return [
            Handoff(
                from_agent_id=strawberry.ID(h.from_agent_id) if h.from_agent_id else None,
                agent_id=strawberry.ID(h.agent_id),
                agent_kind=h.agent_kind,
                reason=h.reason,
                at=h.at,
            )
            for h in await session_handoffs(info.context.db, str(self.id))
        ]

    @strawberry.field(
        description="The session's attributes as one JSON object.",
        extensions=[NotForConnectors(), *pii.attribute_values()],
    )
    async def attributes(self, info: Info) -> JSON:
        return cast(JSON, await session_attributes(info.context.db, str(self.id)))

    @strawberry.field(
        description="The last `last` messages, oldest first, across channels (for a connector "
        "restricted to channels: those of the last `last` on its channels)."
    )
    async def messages(self, info: Info, last: int = 20) -> list[Message]:
        check_message_count(last, info.context.max_context_messages, "last")
        records = await session_messages(info.context.db, str(self.id), last)
        principal = info.context.principal
        if principal is not None and principal.role is CallerRole.CONNECTOR:
            records = [r for r in records if principal.may_use_channel(r.channel)]
        return [Message.from_record(r) for r in records]
