"""The handoff brief: what an agent picking up a conversation needs at a glance (pure, no I/O).

Extractive and deterministic — every item points at the messages it came from — over the last
`WINDOW` messages of the session:
- **issue**: the intent of the last user message that expressed a substantive intent (not a
  greeting or thanks), and the first user message that stated it;
- **what happened**: intents in the order they came up, handoffs with their reasons, and the
  channel path (web → whatsapp → …);
- **entities**: the latest value of each entity type mentioned;
- **open questions**: user questions with no AGENT/BOT message after them;
- **steps taken**: AGENT/BOT messages offering a solution or asking for an action (the `steps`
  patterns of `enrichment/conversation_patterns.json`, extendable per deployment);
- **sentiment** now (the recency-weighted mean the context shows) and its **trend**: the
  least-squares slope of the last 10 user sentiments per message, RISING at ≥ +`TREND_SLOPE`,
  FALLING at ≤ -`TREND_SLOPE`, else STEADY;
- **key turns**: the 3 most informative turns by a fixed score — entities mentioned (1 each, up
  to 3), a substantive intent (1), the sentiment swing from the previous user turn (2 * |Δ|), a
  question (0.5), a step (0.5) — ties to the earlier turn, shown in conversation order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from graph.domain.records import HandoffRecord
from graph.domain.sentiment_trend import WINDOW as SENTIMENT_WINDOW
from graph.domain.sentiment_trend import recency_weighted

WINDOW = 200  # messages of the session the brief reads (the most recent)
KEY_TURNS = 3
TREND_SLOPE = 0.05  # sentiment change per user message that counts as rising/falling
TRIVIAL_INTENTS = frozenset({"greeting", "thanks"})
QUESTION_START = re.compile(
    r"^\s*(?:what|where|when|why|how|who|which|can|could|will|would|is|are|am|do|does|did|"
    r"should|shall|may|have|has)\b",
    re.IGNORECASE,
)
STAFF = frozenset({"AGENT", "BOT"})


class Trend(StrEnum):
    RISING = "RISING"
    FALLING = "FALLING"
    STEADY = "STEADY"


@dataclass(frozen=True)
class Turn:
    """One message as the brief reads it."""

    id: str
    seq: int
    channel: str
    role: str
    at: datetime
    text: str | None
    sentiment: float | None = None
    intents: tuple[str, ...] = ()  # most confident first
    entity_keys: tuple[str, ...] = ()  # TYPE:normalized
    # a personal entity's value by its key (stored as a hash with encryption on)
    entity_values: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class BriefIssue:
    intent: str
    intents: list[str]  # every substantive intent of the message that set it
    message: Turn  # the first user message that stated it


@dataclass(frozen=True)
class BriefIntent:
    intent: str
    message: Turn  # where it first came up


@dataclass(frozen=True)
class BriefEntity:
    key: str
    type: str
    value: str
    message: Turn  # its latest mention


@dataclass(frozen=True)
class BriefRecord:
    issue: BriefIssue | None
    intents: list[BriefIntent]
    handoffs: list[HandoffRecord]
    channel_path: list[str]
    entities: list[BriefEntity]
    open_questions: list[Turn]
    steps_taken: list[Turn]
    sentiment: float | None
    trend: Trend
    slope: float
    key_turns: list[Turn]
    messages: int  # how many messages it read
    truncated: bool = False  # the session has more than it read
    falling: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "falling", self.trend is Trend.FALLING)


def is_question(turn: Turn) -> bool:
    text = (turn.text or "").strip()
    return "?" in text or bool(QUESTION_START.match(text))


def is_step(turn: Turn, steps: Sequence[re.Pattern[str]]) -> bool:
    if turn.role not in STAFF or not turn.text:
        return False
    lowered = turn.text.lower()
    return any(pattern.search(lowered) for pattern in steps)


def substantive(turn: Turn) -> list[str]:
    return [i for i in turn.intents if i not in TRIVIAL_INTENTS]


def slope_of(values: Sequence[float]) -> float:
    """Least-squares slope per step of `values` (oldest first); 0 for fewer than two."""
    n = len(values)
    if n < 2:
        return 0.0
    mean_x = (n - 1) / 2
    mean_y = sum(values) / n
    covariance = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(values))
    variance = sum((x - mean_x) ** 2 for x in range(n))
    return round(covariance / variance, 4)


def trend_of(slope: float) -> Trend:
    if slope >= TREND_SLOPE:
        return Trend.RISING
    if slope <= -TREND_SLOPE:
        return Trend.FALLING
    return Trend.STEADY


def _issue(turns: Sequence[Turn]) -> BriefIssue | None:
    users = [t for t in turns if t.role == "USER"]
    last = next((t for t in reversed(users) if substantive(t)), None)
    if last is None:
        return None
    intent = substantive(last)[0]
    first = next(t for t in users if intent in t.intents)
    return BriefIssue(intent, substantive(last), first)


def _intents(turns: Sequence[Turn]) -> list[BriefIntent]:
    seen: list[BriefIntent] = []
    for turn in turns:
        if turn.role != "USER":
            continue
        for intent in substantive(turn):
            if all(s.intent != intent for s in seen):
                seen.append(BriefIntent(intent, turn))
    return seen


def _channel_path(turns: Sequence[Turn]) -> list[str]:
    path: list[str] = []
    for turn in turns:
        if not path or path[-1] != turn.channel:
            path.append(turn.channel)
    return path


def _entities(turns: Sequence[Turn]) -> list[BriefEntity]:
    latest: dict[str, BriefEntity] = {}
    for turn in turns:
        values = dict(turn.entity_values)
        for key in turn.entity_keys:
            entity_type, _, value = key.partition(":")
            value = values.get(key, value)
            latest.pop(entity_type, None)  # re-inserted: the dict keeps latest-mention order
            latest[entity_type] = BriefEntity(key, entity_type, value, turn)
    return sorted(latest.values(), key=lambda e: (-e.message.seq, e.type))


def _open_questions(turns: Sequence[Turn]) -> list[Turn]:
    last_staff = max((t.seq for t in turns if t.role in STAFF), default=0)
    return [t for t in turns if t.role == "USER" and t.seq > last_staff and is_question(t)]


def _key_turns(turns: Sequence[Turn], steps: Sequence[re.Pattern[str]]) -> list[Turn]:
    scored: list[tuple[float, int, Turn]] = []
    previous: float | None = None
    for turn in turns:
        score = min(len(turn.entity_keys), 3) + (1.0 if substantive(turn) else 0.0)
        if turn.role == "USER" and turn.sentiment is not None:
            if previous is not None:
                score += 2 * abs(turn.sentiment - previous)
            previous = turn.sentiment
        if turn.role == "USER" and is_question(turn):
            score += 0.5
        if is_step(turn, steps):
            score += 0.5
        if score > 0:
            scored.append((-score, turn.seq, turn))
    best = sorted(scored, key=lambda s: (s[0], s[1]))[:KEY_TURNS]
    return sorted((turn for _, _, turn in best), key=lambda t: t.seq)


def build_brief(
    turns: Sequence[Turn],
    handoffs: Sequence[HandoffRecord],
    steps: Sequence[re.Pattern[str]],
    total_messages: int | None = None,
) -> BriefRecord:
    """The brief of a session from its last messages (oldest first) and its handoffs."""
    sentiments = [t.sentiment for t in turns if t.role == "USER" and t.sentiment is not None]
    recent = sentiments[-SENTIMENT_WINDOW:]
    slope = slope_of(recent)
    return BriefRecord(
        issue=_issue(turns),
        intents=_intents(turns),
        handoffs=list(handoffs),
        channel_path=_channel_path(turns),
        entities=_entities(turns),
        open_questions=_open_questions(turns),
        steps_taken=[t for t in turns if is_step(t, steps)],
        sentiment=recency_weighted(list(reversed(recent))),
        trend=trend_of(slope),
        slope=slope,
        key_turns=_key_turns(turns, steps),
        messages=len(turns),
        truncated=total_messages is not None and total_messages > len(turns),
    )
