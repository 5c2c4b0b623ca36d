"""The GraphQL view of a conversation's context."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import strawberry

from api import pii
from api.convert import from_record as convert_record
from api.scalars import JSON
from api.sessions.types import Message, Session
from api.users.types import User

if TYPE_CHECKING:
    from graph.domain.records import ContextRecord


@strawberry.type(
    description="Something mentioned in the conversation, deduplicated across channels."
)
class Entity:
    key: str = strawberry.field(
        description="`TYPE:normalized`, e.g. `ORDER_ID:A12345`.", extensions=pii.entity_key()
    )
    type: str
    value: str = strawberry.field(extensions=pii.entity_value())
    first_seen_at: datetime
    last_seen_at: datetime
    mentions: int = strawberry.field(description="How many messages mention it.")
    channels: list[str] = strawberry.field(description="Where it was mentioned, first use first.")


@strawberry.type(description="An intent expressed in the conversation.")
class ContextIntent:
    name: str
    messages: int = strawberry.field(description="How many messages express it.")
    confidence: float = strawberry.field(description="The highest confidence seen.")
    last_seen_at: datetime


@strawberry.type(description="One user message's sentiment.")
class SentimentPoint:
    seq: int
    at: datetime
    channel: str
    sentiment: float


@strawberry.type(description="What an agent needs to pick up a conversation on any channel.")
class Context:
    user: User | None
    session: Session | None
    messages: list[Message] = strawberry.field(
        description="The cross-channel timeline, oldest first, each message with its channel."
    )
    entities: list[Entity] = strawberry.field(description="Most recently mentioned first.")
    intents: list[ContextIntent] = strawberry.field(description="Most recently expressed first.")
    attributes: JSON = strawberry.field(extensions=pii.attribute_values())
    channels: list[str] = strawberry.field(description="Channels used in this session.")
    sentiment: float | None = strawberry.field(
        description="Recency-weighted mean of the last 10 user messages (docs/enrichment.md)."
    )
    sentiment_trend: list[SentimentPoint] = strawberry.field(
        description="The last 10 user messages' sentiment, oldest first."
    )
    previous: list[Context] = strawberry.field(
        description="With includePrevious: the sessions this one continues, nearest first."
    )

    @classmethod
    def from_record(cls, record: ContextRecord) -> Context:
        return convert_record(cls, record)
