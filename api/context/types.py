"""The GraphQL view of a conversation's context."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import strawberry

from api.scalars import JSON
from api.sessions.types import Message, Session
from api.users.types import User

if TYPE_CHECKING:
    from graph.records import ContextRecord


@strawberry.type
class Entity:
    """Something mentioned in the conversation (filled in by enrichment)."""

    key: str
    type: str
    value: str


@strawberry.type(description="What an agent needs to pick up a conversation on any channel.")
class Context:
    user: User | None
    session: Session | None
    messages: list[Message] = strawberry.field(
        description="The cross-channel timeline, oldest first, each message with its channel."
    )
    entities: list[Entity] = strawberry.field(description="Most recently mentioned first.")
    attributes: JSON
    channels: list[str] = strawberry.field(description="Channels used in this session.")
    sentiment: float | None

    @classmethod
    def from_record(cls, record: ContextRecord) -> Context:
        return cls(
            user=User.from_record(record.user),
            session=Session.from_record(record.session),
            messages=[Message.from_record(m) for m in record.messages],
            entities=[],
            attributes=cast(JSON, record.attributes),
            channels=record.channels,
            sentiment=None,
        )
