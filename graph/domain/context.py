"""The context of a conversation: the one record that composes the others (the person, the
session, its messages, entities, intents and sentiment, and — when asked for — the session and
the person as they were at an instant and the handoff brief). It sits above `records.py`,
`as_of.py` and `brief.py`, which know nothing of it: no module of the domain imports itself
back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from graph.domain.as_of import SessionThen, UserThen
    from graph.domain.brief import BriefRecord
    from graph.domain.records import (
        ContextEntityRecord,
        ContextIntentRecord,
        MessageRecord,
        SentimentPoint,
        SessionRecord,
        UserRecord,
    )


@dataclass(frozen=True)
class ContextRecord:
    """The cross-channel picture of one conversation, as an agent picking it up needs it."""

    user: UserRecord
    session: SessionRecord
    messages: list[MessageRecord]
    attributes: dict[str, Any]
    entities: list[ContextEntityRecord] = field(default_factory=list)
    intents: list[ContextIntentRecord] = field(default_factory=list)
    sentiment_trend: list[SentimentPoint] = field(default_factory=list)  # oldest first
    sentiment: float | None = None
    previous: list[ContextRecord] = field(default_factory=list)  # continued sessions, nearest first
    # a point-in-time read (asOf): the session and the user as they were then
    session_then: SessionThen | None = None
    user_then: UserThen | None = None
    brief: BriefRecord | None = None  # when asked for: the handoff brief

    @property
    def channels(self) -> list[str]:
        return self.session.channels
