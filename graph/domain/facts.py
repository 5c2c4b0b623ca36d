"""A person's facts: current values with their history and provenance (pure, no I/O).

Two sources, both replayed from what the store keeps, so erasure, unmerge and point-in-time
reads stay consistent without a second copy:
- **mentions** in the person's own USER messages of the fact entity types (`facts` in
  `enrichment/conversation_patterns.json`). The words around a mention say whose and when it
  is: `not_own` ("my wife's email is …") — not the user's fact at all; `past` ("my old number
  was …") — a former value, history only. A single-valued type (EMAIL, PHONE) has one current
  value: the latest of the user's own statements; earlier ones are what it superseded. An
  accumulating type (ORDER_ID…) keeps every value, one row each: ids do not supersede.
- **user attributes**: the current value under the key's merge policy, from the change that
  set it; earlier values of the key are what it superseded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from enrichment.patterns import FactRules
from graph.domain.attribute_policies import canonical
from graph.domain.errors import BadInputError
from graph.domain.records import AttributeChangeRecord

ATTRIBUTE = "ATTRIBUTE"  # the fact type of user attributes
_BEFORE_END = re.compile(r"[.!?;\n]")  # a clause boundary before a mention
_AFTER_END = re.compile(r"[.!?;,\n]")  # ...and after it (a comma starts another statement)


class Claim(StrEnum):
    OWN = "OWN"  # the user's own, current when said
    PAST = "PAST"  # the user's, but a former value
    OTHER = "OTHER"  # about someone else


@dataclass(frozen=True)
class Statement:
    """One mention of a fact type in a user message."""

    message_id: str
    seq: int
    session_id: str
    channel: str
    at: datetime  # the message's event time
    type: str
    value: str  # normalized
    start: int
    end: int
    text: str  # the message text
    others: tuple[tuple[int, int], ...] = ()  # the spans of the message's other mentions


@dataclass(frozen=True)
class FactSource:
    """Where a value came from: a message (id, seq, session) or an attribute change."""

    kind: str  # MESSAGE or ATTRIBUTE
    id: str | None  # the message id (for an attribute: the message that carried it, if any)
    seq: int | None = None
    session_id: str | None = None
    version: int | None = None  # ATTRIBUTE: the attribute's version
    writer: str | None = None
    event_id: str | None = None


@dataclass(frozen=True)
class FactValue:
    value: Any
    at: datetime
    channel: str | None
    source: FactSource


@dataclass(frozen=True)
class FactRecord:
    key: str  # the entity type (EMAIL) or the attribute key
    type: str  # the entity type, or ATTRIBUTE
    value: Any
    at: datetime
    channel: str | None
    source: FactSource
    superseded: list[FactValue] = field(default_factory=list)  # oldest first
    mentions: int = 1  # how many statements (or changes) gave the current value


def check_types(types: Sequence[str] | None, rules: FactRules) -> frozenset[str]:
    """The fact types asked for (all when None); BAD_INPUT names an unknown one."""
    known = rules.types | {ATTRIBUTE}
    if types is None:
        return frozenset(known)
    unknown = sorted(set(types) - known)
    if unknown:
        raise BadInputError(
            f"unknown fact types {unknown}: known are {sorted(known)}", field="types"
        )
    return frozenset(types)


def claim_of(statement: Statement, rules: FactRules) -> Claim:
    """Whose and when, from the words of the mention's own clause: from the clause start (or
    the previous mention) to the mention, and from the mention to the next comma or clause end
    (or the next mention)."""
    text = statement.text.lower()
    before_start = max(
        [m.end() for m in _BEFORE_END.finditer(text, 0, statement.start)]
        + [end for start, end in statement.others if end <= statement.start],
        default=0,
    )
    after = _AFTER_END.search(text, statement.end)
    after_end = min(
        [after.start() if after else len(text)]
        + [start for start, _ in statement.others if start >= statement.end]
    )
    words = text[before_start : statement.start] + " … " + text[statement.end : after_end]
    if any(pattern.search(words) for pattern in rules.not_own):
        return Claim.OTHER
    if any(pattern.search(words) for pattern in rules.past):
        return Claim.PAST
    return Claim.OWN


def _source(statement: Statement) -> FactSource:
    return FactSource("MESSAGE", statement.message_id, statement.seq, statement.session_id)


def _value(statement: Statement) -> FactValue:
    return FactValue(statement.value, statement.at, statement.channel, _source(statement))


def _superseded(values: Iterable[FactValue], current: Any) -> list[FactValue]:
    """Each earlier value once (its last statement), oldest first, without the current one."""
    last: dict[str, FactValue] = {}
    for item in values:
        if canonical(item.value) != canonical(current):
            last.pop(canonical(item.value), None)
            last[canonical(item.value)] = item
    return sorted(last.values(), key=lambda v: v.at)


def mention_facts(
    statements: Sequence[Statement], rules: FactRules, types: frozenset[str]
) -> list[FactRecord]:
    """Facts from the user's own statements (oldest first in), by the rules above."""
    by_type: dict[str, list[tuple[Statement, Claim]]] = {}
    ordered = sorted(statements, key=lambda s: (s.at, s.seq, s.start))
    for statement in ordered:
        if statement.type in types and statement.type in rules.types:
            claim = claim_of(statement, rules)
            if claim is not Claim.OTHER:
                by_type.setdefault(statement.type, []).append((statement, claim))
    facts: list[FactRecord] = []
    for fact_type in sorted(by_type):
        said = by_type[fact_type]
        if fact_type in rules.single_valued:
            own = [s for s, claim in said if claim is Claim.OWN]
            if not own:
                continue  # only former values: nothing current to show
            current = own[-1]
            facts.append(
                FactRecord(
                    key=fact_type,
                    type=fact_type,
                    value=current.value,
                    at=current.at,
                    channel=current.channel,
                    source=_source(current),
                    superseded=_superseded((_value(s) for s, _ in said), current.value),
                    mentions=sum(1 for s in own if s.value == current.value),
                )
            )
        else:
            latest: dict[str, tuple[Statement, int]] = {}
            for statement, _ in said:
                count = latest.get(statement.value, (statement, 0))[1]
                latest[statement.value] = (statement, count + 1)
            for statement, count in sorted(latest.values(), key=lambda p: p[0].at, reverse=True):
                facts.append(
                    FactRecord(
                        key=fact_type,
                        type=fact_type,
                        value=statement.value,
                        at=statement.at,
                        channel=statement.channel,
                        source=_source(statement),
                        mentions=count,
                    )
                )
    return facts


def _change_value(change: AttributeChangeRecord) -> FactValue:
    source = FactSource(
        "ATTRIBUTE",
        change.message_id,
        version=change.version,
        writer=change.writer,
        event_id=change.event_id,
    )
    return FactValue(change.value, change.at, change.channel, source)


def attribute_facts(
    changes: Sequence[AttributeChangeRecord], current: dict[str, Any]
) -> list[FactRecord]:
    """A fact per current user attribute: its value (merge policies applied, `current`), the
    latest change that gave it, and the earlier values of the key (changes oldest first)."""
    facts = []
    for key in sorted(current):
        value = current[key]
        history = [c for c in changes if c.key == key]
        if not history:
            continue
        giving = [c for c in history if canonical(c.value) == canonical(value)]
        setter = (giving or history)[-1]
        facts.append(
            FactRecord(
                key=key,
                type=ATTRIBUTE,
                value=value,
                at=setter.at,
                channel=setter.channel,
                source=_change_value(setter).source,
                superseded=_superseded((_change_value(c) for c in history), value),
                mentions=max(1, len(giving)),
            )
        )
    return facts
