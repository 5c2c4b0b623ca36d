"""Per-key merge policies for attributes that several channels write at once (pure, no I/O).

A policy decides what a write does to the stored value of one key. Policies are configured per
key pattern (`THREADLINE_ATTRIBUTE_POLICIES`, first matching glob wins, default
LAST_WRITE_WINS) and may be overridden per `setSessionAttributes`/`setUserAttributes` call.
Event attributes (`EventInput.attributes`) go through the same `merge`.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

from graph.domain.sealed import clear_text


class MergePolicy(StrEnum):
    LAST_WRITE_WINS = "LAST_WRITE_WINS"
    CHANNEL_PRECEDENCE = "CHANNEL_PRECEDENCE"
    APPEND = "APPEND"
    UNION = "UNION"
    MAX = "MAX"
    MIN = "MIN"
    KEEP_FIRST = "KEEP_FIRST"


class PolicyRule(BaseModel):
    """One configured rule: keys matching `pattern` (a glob) merge with `policy`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pattern: str
    policy: MergePolicy
    channels: tuple[str, ...] = ()  # CHANNEL_PRECEDENCE: highest precedence first

    @model_validator(mode="after")
    def _channels_for_precedence(self) -> PolicyRule:
        if self.policy is MergePolicy.CHANNEL_PRECEDENCE and not self.channels:
            raise ValueError("CHANNEL_PRECEDENCE needs a non-empty channels list")
        return self


DEFAULT_RULE = PolicyRule(pattern="*", policy=MergePolicy.LAST_WRITE_WINS)


def rule_for(rules: Sequence[PolicyRule], key: str) -> PolicyRule:
    for rule in rules:
        if fnmatch.fnmatchcase(key, rule.pattern):
            return rule
    return DEFAULT_RULE


def canonical(value: Any) -> str:
    """Stable JSON text: the identity of a value for UNION and the LWW tie-break."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


@dataclass(frozen=True)
class Stored:
    """A key's current state: its value, the event time of the last change, its channel."""

    value: Any
    at: int  # epoch millis
    channel: str | None


@dataclass(frozen=True)
class Write:
    value: Any
    at: int  # epoch millis (the event time, or the server time for mutations without `at`)
    channel: str | None
    event_id: str | None = None  # provenance, kept in the change history: the carrying event
    message_id: str | None = None  # ...and its message, when it was one


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


CHECKED = frozenset({MergePolicy.MAX, MergePolicy.MIN})  # policies that accept only some values


def check(rule: PolicyRule, value: Any) -> str | None:
    """Why `value` cannot be merged under `rule`, or None when it can."""
    if rule.policy in CHECKED and not is_number(value):
        return f"{rule.policy.value} needs a number"
    return None


def _lww_order(item: Stored | Write) -> tuple[int, str, str]:
    # Later event time wins; equal times are broken by channel, then value, so every writer
    # order converges to the same result.
    return (item.at, item.channel or "", canonical(item.value))


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _last_write_wins(rule: PolicyRule, stored: Stored, write: Write) -> Stored | None:
    return _replace(write) if _lww_order(write) > _lww_order(stored) else None


def _channel_precedence(rule: PolicyRule, stored: Stored, write: Write) -> Stored | None:
    rank = {channel: n for n, channel in enumerate(rule.channels)}
    mine, theirs = (rank.get(c or "", len(rank)) for c in (write.channel, stored.channel))
    if mine == theirs:  # same precedence: the later write wins
        return _last_write_wins(rule, stored, write)
    return _replace(write) if mine < theirs else None


def _append(rule: PolicyRule, stored: Stored, write: Write) -> Stored | None:
    merged = _as_list(stored.value) + _as_list(write.value)
    return Stored(merged, max(stored.at, write.at), write.channel)


def _union(rule: PolicyRule, stored: Stored, write: Write) -> Stored | None:
    merged = _unique(_as_list(stored.value) + _as_list(write.value))
    if merged == stored.value:
        return None
    return Stored(merged, max(stored.at, write.at), write.channel)


def _extreme(rule: PolicyRule, stored: Stored, write: Write) -> Stored | None:
    if not is_number(stored.value):  # set earlier under another policy: the number takes over
        return _replace(write)
    if rule.policy is MergePolicy.MAX:
        return _replace(write) if write.value > stored.value else None
    return _replace(write) if write.value < stored.value else None


def _keep_first(rule: PolicyRule, stored: Stored, write: Write) -> Stored | None:
    return None


_MERGES = {
    MergePolicy.LAST_WRITE_WINS: _last_write_wins,
    MergePolicy.CHANNEL_PRECEDENCE: _channel_precedence,
    MergePolicy.APPEND: _append,
    MergePolicy.UNION: _union,
    MergePolicy.MAX: _extreme,
    MergePolicy.MIN: _extreme,
    MergePolicy.KEEP_FIRST: _keep_first,
}


def merge(rule: PolicyRule, stored: Stored | None, write: Write) -> Stored | None:
    """The new state of a key after `write`, or None when the write changes nothing."""
    if stored is not None:
        return _MERGES[rule.policy](rule, stored, write)
    if rule.policy is MergePolicy.APPEND:
        return Stored(_as_list(write.value), write.at, write.channel)
    if rule.policy is MergePolicy.UNION:
        return Stored(_unique(_as_list(write.value)), write.at, write.channel)
    return _replace(write)


def _replace(write: Write) -> Stored:
    return Stored(write.value, write.at, write.channel)


def _unique(values: list[Any]) -> list[Any]:
    seen: set[str] = set()
    kept = []
    for value in values:
        text = canonical(value)
        if text not in seen:
            seen.add(text)
            kept.append(value)
    return kept


def stored_state(row: dict[str, Any]) -> Stored:
    """A stored attribute row (`value` as JSON text, `at` millis, `channel`) as a state."""
    clear = clear_text(row["value"])  # opened first when sealed (graph/domain/sealed.py)
    value = None if clear is None else json.loads(clear)
    return Stored(value, int(row["at"] or 0), row["channel"])


def combined(rows: Sequence[dict[str, Any]], rules: Sequence[PolicyRule]) -> dict[str, Any]:
    """A user's attributes from its own stored states and those of the users merged into it
    (rows oldest change first): a key set by one of them keeps its stored value; a key set by
    several is folded in event-time order under its configured policy, as if each stored state
    had been written to the survivor then (LAST_WRITE_WINS: the latest; APPEND: all, oldest
    first; KEEP_FIRST: the earliest...). Unmerging undoes it: nothing is copied."""
    states: dict[str, list[Stored]] = {}
    for row in rows:
        states.setdefault(row["key"], []).append(stored_state(row))
    values = {}
    for key in sorted(states):
        first, *later = states[key]
        state: Stored = first
        rule = rule_for(rules, key)
        for other in later:
            state = merge(rule, state, Write(other.value, other.at, other.channel)) or state
        values[key] = state.value
    return values
