"""The past as it was: who owned what, and which merges applied, at one instant (pure, no I/O).

A point-in-time read (`asOf`) replays the store's own records up to an instant, in server
(transaction) time — what an agent could have seen then:
- a merge applies at `t` when it was made at or before `t` and not reverted by then (a merge
  made later is not applied; one reverted later still is);
- an identity or session belongs first to its *origin* user — the source of the earliest merge
  that moved it, else the user it is on now — and then follows, oldest first, each merge that
  applies at `t` and moves it away from the user it is on;
- a user's *members* at `t` are the user and every user merged into it (transitively) by the
  merges that apply then: their attributes and messages are the person's.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from graph.domain.attribute_policies import PolicyRule, combined
from graph.domain.errors import BadInputError
from graph.domain.records import AttributeChangeRecord, SessionRecord, UserRecord, to_millis


@dataclass(frozen=True)
class MergeSpan:
    """One merge as history: when it was made and, if reverted, when."""

    id: str
    source_id: str
    target_id: str
    at: int  # epoch millis
    reverted_at: int | None
    identities: tuple[str, ...] = ()
    sessions: tuple[str, ...] = ()

    def applies_at(self, t: int) -> bool:
        return self.at <= t and (self.reverted_at is None or self.reverted_at > t)


def check_as_of(as_of: datetime | None, now: datetime | None = None) -> int | None:
    """`asOf` in epoch millis, or None; BAD_INPUT when it is in the future or has no zone."""
    if as_of is None:
        return None
    if as_of.tzinfo is None:
        raise BadInputError("asOf needs a time zone (e.g. 2026-05-03T14:05:00Z)", field="asOf")
    if as_of > (now or datetime.now(UTC)):
        raise BadInputError("asOf is in the future: the past only", field="asOf")
    return int(as_of.timestamp() * 1000)


def _in_order(merges: Iterable[MergeSpan]) -> list[MergeSpan]:
    return sorted(merges, key=lambda m: (m.at, m.id))


def members_at(user_id: str, merges: Sequence[MergeSpan], t: int) -> list[str]:
    """The user and every user merged into it (transitively) by merges applying at `t`."""
    members = [user_id]
    applying = [m for m in merges if m.applies_at(t)]
    grew = True
    while grew:
        grew = False
        for merge in applying:
            if merge.target_id in members and merge.source_id not in members:
                members.append(merge.source_id)
                grew = True
    return members


def merged_into_at(user_id: str, merges: Sequence[MergeSpan], t: int) -> str | None:
    """The user `user_id` was merged into at `t` (directly), if any."""
    for merge in reversed(_in_order(merges)):
        if merge.source_id == user_id and merge.applies_at(t):
            return merge.target_id
    return None


def survivor_at(user_id: str, merges: Sequence[MergeSpan], t: int) -> str:
    """Following merges applying at `t` from `user_id` to the user that was not merged away."""
    seen = {user_id}
    current = user_id
    while (target := merged_into_at(current, merges, t)) is not None and target not in seen:
        seen.add(target)
        current = target
    return current


def origin(
    key: str, current_owner: str, merges: Sequence[MergeSpan], moved: str = "identities"
) -> str:
    """The user an identity key (or, with moved="sessions", a session id) belonged to before any
    merge moved it."""
    for merge in _in_order(merges):
        if key in getattr(merge, moved):
            return merge.source_id
    return current_owner


def owner_at(origin_user: str, merges: Sequence[MergeSpan], t: int) -> str:
    """Where something that started on `origin_user` was at `t`: moved by each applying merge,
    oldest first, whose source held it then."""
    owner = origin_user
    for merge in _in_order(merges):
        if merge.applies_at(t) and merge.source_id == owner:
            owner = merge.target_id
    return owner


def latest_values(changes: Sequence[AttributeChangeRecord]) -> dict[str, AttributeChangeRecord]:
    """The last change of each key (changes oldest first): the values at the end of them."""
    latest: dict[str, AttributeChangeRecord] = {}
    for change in changes:
        latest[change.key] = change
    return dict(sorted(latest.items()))


@dataclass(frozen=True)
class UserThen:
    """A user as it was at `at`: identities and merge then, the members (itself and the users
    merged into it then) and their user attribute changes recorded by then."""

    user: UserRecord
    at: int
    members: list[str]
    changes: list[AttributeChangeRecord] = field(default_factory=list)
    merges: list[MergeSpan] = field(default_factory=list)  # every merge around it, any time

    @property
    def people(self) -> list[str]:
        """The user and everyone a merge (made or reverted, any time) linked it to."""
        ids = [self.user.id]
        for merge in self.merges:
            ids += [i for i in (merge.source_id, merge.target_id) if i not in ids]
        return ids

    def attributes(self, policies: Sequence[PolicyRule]) -> dict[str, Any]:
        """The user's attribute values then, members combined as `user_attributes` does now."""
        rows = []
        for member in self.members:
            own = [c for c in self.changes if c.owner_id == member]
            for change in latest_values(own).values():
                rows.append(
                    {
                        "key": change.key,
                        "value": _json(change.value),
                        "channel": change.channel,
                        "at": to_millis(change.at),
                        "own": member == self.user.id,
                    }
                )
        rows.sort(key=lambda r: (r["at"], r["own"], r["key"]))
        return combined(rows, policies)

    def history(self) -> list[AttributeChangeRecord]:
        """The members' changes by then, oldest first."""
        return [c for c in self.changes if c.owner_id in self.members]


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class SessionThen:
    """A session as it was at `at`, with its attribute changes recorded by then."""

    session: SessionRecord
    at: int
    changes: list[AttributeChangeRecord]

    @property
    def attributes(self) -> dict[str, Any]:
        return {key: c.value for key, c in latest_values(self.changes).items()}
