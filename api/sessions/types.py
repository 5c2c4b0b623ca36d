"""GraphQL types of sessions and messages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, cast

import strawberry

from api import pii
from api.convert import from_record as convert_record
from api.permissions import NotForConnectors
from api.request import Info
from api.scalars import JSON, SessionStatus, Speaker
from graph.domain.as_of import SessionThen
from graph.domain.callers import CallerRole
from graph.store.attributes import session_attributes
from graph.store.context import check_message_count
from graph.store.handoffs import session_handoffs
from graph.store.history import attribute_history
from graph.store.lifecycle import transitions
from graph.store.outbox import session_outbox
from graph.store.sessions import get_session, session_messages
from graph.store.triggers import session_firings

if TYPE_CHECKING:
    from api.users.types import User
    from graph.domain.outbox import OutboxRecord
    from graph.domain.records import (
        AgentRecord,
        AttributeChangeRecord,
        FiringRecord,
        HandoffRecord,
        MessageRecord,
        SessionRecord,
    )


def record_time(millis: int) -> datetime:
    return datetime.fromtimestamp(millis / 1000, tz=UTC)


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


@strawberry.type(description="How a reply sent through its platform (sendMessage) is doing.")
class Delivery:
    status: str = strawberry.field(
        description="QUEUED, SENDING, SENT, DELIVERED, READ or FAILED (the platform's reports)."
    )
    at: datetime | None = strawberry.field(description="When it last changed.")
    error: str | None = strawberry.field(
        description="Why it failed (or was retried), in the platform's words.",
        extensions=pii.free_text(),
    )


@strawberry.type(description="A reply in the outbox: where it goes and how its sending went.")
class OutboxItem:
    id: strawberry.ID
    message_id: strawberry.ID
    channel: str
    recipient: str = strawberry.field(extensions=pii.identifier())
    status: str
    attempts: int
    created_at: datetime
    updated_at: datetime | None
    next_attempt_at: datetime | None = strawberry.field(description="QUEUED: when it is tried.")
    platform_message_id: str | None = strawberry.field(
        description="The platform's id of the sent message (wamid…, SM…, Slack ts, Message-ID)."
    )
    error: str | None = strawberry.field(extensions=pii.free_text())

    @classmethod
    def from_record(cls, record: OutboxRecord) -> OutboxItem:
        return convert_record(cls, record)


@strawberry.type(description="One utterance, on one channel, at one place in its session.")
class Message:
    id: strawberry.ID
    event_id: strawberry.ID
    session_id: strawberry.ID
    user_id: strawberry.ID
    channel: str
    role: Speaker
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
    delivery: Delivery | None = strawberry.field(
        description="A reply sent through its platform (sendMessage): its delivery; else null."
    )

    @classmethod
    def from_record(cls, record: MessageRecord, *, links: bool = True) -> Message:
        """With `links` off, without its mentions and intents (a read that selects neither)."""
        if links:
            return convert_record(cls, record)
        return convert_record(cls, record, entities=[], intents=[])


@strawberry.type(description="A session handed to an agent: from whom, to whom, why, when.")
class Handoff:
    from_agent_id: strawberry.ID | None
    agent_id: strawberry.ID
    agent_kind: str
    reason: str | None = strawberry.field(extensions=pii.free_text())
    at: datetime

    @classmethod
    def from_record(cls, record: HandoffRecord) -> Handoff:
        return convert_record(cls, record)


@strawberry.type(
    description="One recorded change of an attribute: the value it took, the event time of "
    "that value (`at`), when the store recorded it, where, by whom, and its version."
)
class AttributeChange:
    key: str
    value: JSON = strawberry.field(
        description="The attribute's value after the change.",
        extensions=[pii.Pii(lambda _value, _source: "[redacted]")],
    )
    at: datetime = strawberry.field(description="The event time of the value (merge order).")
    recorded_at: datetime = strawberry.field(description="When the store recorded the change.")
    channel: str | None
    version: int = strawberry.field(description="The attribute's version after the change.")
    owner_id: strawberry.ID | None = strawberry.field(
        description="User attributes: the user it was written to (a user merged in, or this one)."
    )
    writer: str | None = strawberry.field(
        description="The API key id or JWT subject of a set*Attributes call."
    )
    event_id: strawberry.ID | None = strawberry.field(description="The event that carried it.")
    message_id: strawberry.ID | None = strawberry.field(
        description="The message that carried it, when the event was a message."
    )

    @classmethod
    def from_record(cls, record: AttributeChangeRecord) -> AttributeChange:
        return convert_record(cls, record)


@strawberry.type(
    description="A trigger rule that started to hold for the session, and what it did."
)
class TriggerFiring:
    id: strawberry.ID
    rule: str
    at: datetime
    actions: list[str] = strawberry.field(description="`webhook <url>`, `handoff <agent>`...")
    outcomes: list[str] = strawberry.field(description="What each action did.")
    webhooks: JSON = strawberry.field(
        description="Its webhook deliveries: url, status (QUEUED, SENDING, DELIVERED, DEAD), "
        "attempts, error."
    )

    @classmethod
    def from_record(cls, record: FiringRecord) -> TriggerFiring:
        return convert_record(cls, record)


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
    as_of: datetime | None = strawberry.field(
        default=None,
        description="Set when this is the session as it was at that instant (`asOf`): its "
        "status, attributes, messages, transitions and handoffs then.",
    )
    _then: strawberry.Private[SessionThen | None] = None

    @classmethod
    def from_record(cls, record: SessionRecord, then: SessionThen | None = None) -> Session:
        as_of = record_time(then.at) if then is not None else None
        return convert_record(cls, record, continues_id=record.continues, as_of=as_of, _then=then)

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
            if self.as_of is None or t.at <= self.as_of
        ]

    @strawberry.field(
        description="Every handoff of the session, oldest first.", extensions=[NotForConnectors()]
    )
    async def handoffs(self, info: Info) -> list[Handoff]:
        return [
            Handoff.from_record(h)
            for h in await session_handoffs(info.context.db, str(self.id))
            if self.as_of is None or h.at <= self.as_of
        ]

    @strawberry.field(
        description="The session's attributes as one JSON object.",
        extensions=[NotForConnectors(), *pii.attribute_values()],
    )
    async def attributes(self, info: Info) -> JSON:
        if self._then is not None:
            return cast(JSON, self._then.attributes)
        return cast(JSON, await session_attributes(info.context.db, str(self.id)))

    @strawberry.field(
        description="Trigger firings of this session (THREADLINE_TRIGGERS), newest first.",
        extensions=[NotForConnectors()],
    )
    async def triggers(self, info: Info, limit: int = 50) -> list[TriggerFiring]:
        records = await session_firings(info.context.db, str(self.id), max(1, min(limit, 200)))
        return [TriggerFiring.from_record(r) for r in records]

    @strawberry.field(
        description="The session's replies sent through their platforms (sendMessage), newest "
        "first, with how their delivery went.",
        extensions=[NotForConnectors()],
    )
    async def outbox(self, info: Info, limit: int = 50) -> list[OutboxItem]:
        records = await session_outbox(info.context.db, str(self.id), max(1, min(limit, 200)))
        return [OutboxItem.from_record(r) for r in records]

    @strawberry.field(
        description="Every recorded change of the session's attributes, oldest first (up to "
        "`asOf` when set).",
        extensions=[NotForConnectors()],
    )
    async def attribute_history(self, info: Info) -> list[AttributeChange]:
        if self._then is not None:
            changes = self._then.changes
        else:
            changes = await attribute_history(info.context.db, [f"session:{self.id}"])
        return [AttributeChange.from_record(c) for c in changes]

    @strawberry.field(
        description="The last `last` messages, oldest first, across channels (for a connector "
        "restricted to channels: those of the last `last` on its channels)."
    )
    async def messages(self, info: Info, last: int = 20) -> list[Message]:
        check_message_count(last, info.context.max_context_messages, "last")
        if self._then is not None:  # as it was: numbered up to its seq then, stored by then
            records = await session_messages(
                info.context.db, str(self.id), last, up_to=self.seq, as_of=self._then.at
            )
        else:
            records = await session_messages(info.context.db, str(self.id), last)
        principal = info.context.principal
        if principal is not None and principal.role is CallerRole.CONNECTOR:
            records = [r for r in records if principal.may_use_channel(r.channel)]
        return [Message.from_record(r) for r in records]
