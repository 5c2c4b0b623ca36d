"""The GraphQL view of a conversation's context."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

import strawberry

from api import pii
from api.convert import from_record as convert_record
from api.scalars import JSON
from api.sessions.types import Handoff, Message, Session
from api.users.types import User
from graph.domain.brief import BriefRecord, Turn
from graph.domain.brief_text import redact_brief_text, render_brief
from graph.domain.errors import BadInputError
from graph.domain.recall_text import render
from graph.domain.records import RecallRecord  # at run time: strawberry resolves Private

if TYPE_CHECKING:
    from api.selection import Selection
    from graph.domain.context import ContextRecord
    from graph.domain.records import RecallHitRecord


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


@strawberry.type(description="A message the brief points at.")
class BriefTurn:
    id: strawberry.ID
    seq: int
    channel: str
    role: str
    at: datetime
    text: str | None = strawberry.field(extensions=pii.free_text())

    @classmethod
    def from_record(cls, record: Turn) -> BriefTurn:
        return convert_record(cls, record)


@strawberry.type(description="What the customer wants: the latest substantive intent.")
class BriefIssue:
    intent: str
    intents: list[str] = strawberry.field(description="Every substantive intent of that turn.")
    message: BriefTurn = strawberry.field(description="The first user message that stated it.")


@strawberry.type(description="An intent in the order it came up.")
class BriefIntent:
    intent: str
    message: BriefTurn = strawberry.field(description="Where it first came up.")


@strawberry.type(description="The latest value of one entity type.")
class BriefEntity:
    key: str = strawberry.field(extensions=pii.entity_key())
    type: str
    value: str = strawberry.field(extensions=pii.entity_value())
    message: BriefTurn = strawberry.field(description="Its latest mention.")


@strawberry.enum(description="Where the customer's sentiment is going.")
class SentimentTrend(Enum):
    RISING = "RISING"
    FALLING = "FALLING"
    STEADY = "STEADY"


@strawberry.type(
    description="The handoff card: the gist of the session for whoever picks it up — "
    "deterministic and extractive (no LLM), every item pointing at its messages. Read over "
    "the session's last 200 messages (docs/api.md#the-handoff-brief)."
)
class Brief:
    issue: BriefIssue | None
    intents: list[BriefIntent] = strawberry.field(description="What happened, in order.")
    handoffs: list[Handoff]
    channel_path: list[str] = strawberry.field(description="Channels in the order used.")
    entities: list[BriefEntity] = strawberry.field(description="Latest mentioned first.")
    open_questions: list[BriefTurn] = strawberry.field(
        description="User questions with no agent/bot message after them."
    )
    steps_taken: list[BriefTurn] = strawberry.field(
        description="Agent/bot messages that offered a solution or asked for an action."
    )
    sentiment: float | None = strawberry.field(description="Now, as `Context.sentiment`.")
    trend: SentimentTrend
    slope: float = strawberry.field(
        description="Sentiment change per user message over the last 10 (least squares)."
    )
    falling: bool = strawberry.field(description="The trend is FALLING: flag it.")
    key_turns: list[BriefTurn] = strawberry.field(
        description="The 3 most informative turns, in conversation order."
    )
    messages: int = strawberry.field(description="How many messages the brief read.")
    truncated: bool = strawberry.field(description="The session has more than it read.")
    _record: strawberry.Private[BriefRecord]

    @strawberry.field(
        description="The brief as plain text, one line per part (most important first), "
        "whole lines up to maxChars.",
        extensions=[pii.Pii(lambda value, _source: redact_brief_text(value))],
    )
    def text(self, max_chars: int | None = None) -> str:
        if max_chars is not None and max_chars < 0:
            raise BadInputError("maxChars must be >= 0", field="maxChars")
        return render_brief(self._record, max_chars)

    @classmethod
    def from_record(cls, record: BriefRecord) -> Brief:
        return convert_record(
            cls,
            record,
            trend=SentimentTrend(record.trend.value),
            _record=record,
        )


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
    brief: Brief | None = strawberry.field(
        description="The handoff brief of the session (as of `asOf` when set)."
    )

    @classmethod
    def from_record(cls, record: ContextRecord, selection: Selection | None = None) -> Context:
        """The context's GraphQL object; with `selection` (what the query asked for: a read's
        cost follows it), a part not selected is left empty — GraphQL answers only what was
        selected — and messages are built without their mentions and intents unless asked."""
        wanted = selection.__contains__ if selection is not None else (lambda _name: True)
        # a point-in-time read: the session and user objects answer as they were then
        overrides: dict[str, Any] = {
            "session": Session.from_record(record.session, record.session_then)
            if wanted("session")
            else None,
            "user": User.from_record(record.user, record.user_then) if wanted("user") else None,
        }
        for name, python_name in UNSELECTED_LISTS:
            if not wanted(name):
                overrides[python_name] = []
        if not wanted("brief"):
            overrides["brief"] = None
        inner = selection.get("messages") if selection is not None else None
        if inner is not None and not {"entities", "intents"} & inner.keys():
            overrides["messages"] = [Message.from_record(m, links=False) for m in record.messages]
        return convert_record(cls, record, **overrides)


# the list fields of a context left empty when not selected: (GraphQL name, Python name)
UNSELECTED_LISTS = (
    ("messages", "messages"),
    ("entities", "entities"),
    ("intents", "intents"),
    ("sentimentTrend", "sentiment_trend"),
    ("previous", "previous"),
)


@strawberry.type(description="A message a recall found: why it matched and the turns around it.")
class RecallHit:
    message: Message
    score: float = strawberry.field(description="Fused relevance; only the order is meaningful.")
    signals: list[str] = strawberry.field(
        description="Why it matched: `keyword`, `entity:<KEY>`, `entity-hop:<KEY>`, `vector`, "
        "`date`, `neighbour` (next to a strong match), `recent`.",
        extensions=pii.entity_keys_in_signals(),
    )
    neighbors: list[Message] = strawberry.field(
        description="With `neighbors: n`: up to n turns before and after it in its session, "
        "oldest first."
    )

    @classmethod
    def from_record(cls, record: RecallHitRecord) -> RecallHit:
        return convert_record(cls, record)


@strawberry.type(description="What a recall found in a person's or a session's history.")
class Recall:
    hits: list[RecallHit] = strawberry.field(description="Best first.")
    entities: list[Entity] = strawberry.field(
        description="The question's entities found in the history, then those the hits mention."
    )
    _record: strawberry.Private[RecallRecord]

    @strawberry.field(
        description="The hits and their neighbours as prompt-ready text, oldest first: "
        "`[2026-05-03 14:05 UTC] whatsapp USER: text` per turn, cut at maxChars.",
        extensions=pii.rendered_turns(),
    )
    def text(self, max_chars: int | None = None) -> str:
        if max_chars is not None and max_chars < 0:
            raise BadInputError("maxChars must be >= 0", field="maxChars")
        return render(self._record.hits, max_chars)  # masked for analysts by its Pii extension

    @classmethod
    def from_record(cls, record: RecallRecord) -> Recall:
        return convert_record(cls, record, _record=record)
