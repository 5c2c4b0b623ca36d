"""Which session each event of a batch belongs to: pure logic over what the graph already holds.

Order (DESIGN.md): the explicit `sessionId`; else the session of `channel:threadId`; else the
user's most recent open (ACTIVE/IDLE) session — the cross-channel continuation; else a new session,
linked by CONTINUES to the user's last closed one when that ended within the continuation window.
A closed session named explicitly or through its thread is continued by a new session, too.
Decisions made for earlier events of the batch are visible to later ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

OPEN = frozenset({"ACTIVE", "IDLE"})


@dataclass(frozen=True)
class KnownSession:
    """A session read from the graph: its status and owner."""

    id: str
    status: str
    user_id: str


@dataclass(frozen=True)
class ClosedSession:
    id: str
    closed_at: datetime


@dataclass
class GraphState:
    """What the graph said, under the users' and threads' locks, before this batch."""

    explicit: dict[str, KnownSession] = field(default_factory=dict)
    thread_sessions: dict[str, KnownSession] = field(default_factory=dict)  # thread key -> session
    open_by_user: dict[str, str] = field(default_factory=dict)
    closed_by_user: dict[str, ClosedSession] = field(default_factory=dict)


@dataclass(frozen=True)
class Routable:
    """The fields of an event that decide its session."""

    user_id: str
    at: datetime
    session_id: str | None
    thread_key: str | None


@dataclass(frozen=True)
class NewSession:
    id: str
    user_id: str
    at: datetime
    continues: str | None


@dataclass
class Plan:
    """Where each event goes, which sessions to create and which threads to (re)map."""

    session_ids: list[str] = field(default_factory=list)
    new_sessions: list[NewSession] = field(default_factory=list)
    thread_moves: dict[str, str] = field(default_factory=dict)
    # (user, session): a person writing in a session another person owns (a shared Slack
    # channel, an email thread with several senders) takes part in it without owning it
    participants: set[tuple[str, str]] = field(default_factory=set)


class _Planner:
    def __init__(
        self, state: GraphState, new_id: Callable[[], str], now: datetime, window: timedelta
    ) -> None:
        self.state = state
        self.new_id = new_id
        self.now = now
        self.window = window
        self.plan = Plan()
        self.status: dict[str, str] = {}
        self.successor: dict[str, str] = {}  # closed session -> the new session continuing it
        self.threads = {key: s.id for key, s in state.thread_sessions.items()}
        for known in [*state.explicit.values(), *state.thread_sessions.values()]:
            self.status[known.id] = known.status
        self.open_by_user = dict(state.open_by_user)
        for session_id in self.open_by_user.values():
            self.status.setdefault(session_id, "ACTIVE")
        self.owners = {known.id: known.user_id for known in state.explicit.values()}
        self.owners |= {k.id: k.user_id for k in state.thread_sessions.values() if k.user_id}
        self.owners |= {session_id: user for user, session_id in state.open_by_user.items()}

    def _create(self, user_id: str, at: datetime, continues: str | None) -> str:
        session_id = self.new_id()
        self.plan.new_sessions.append(NewSession(session_id, user_id, at, continues))
        self.owners[session_id] = user_id
        self.status[session_id] = "ACTIVE"
        self.open_by_user[user_id] = session_id
        return session_id

    def _continue(self, session_id: str, user_id: str, at: datetime) -> str:
        """`session_id` itself while open, else the (one) new session that continues it."""
        if self.status.get(session_id) in OPEN:
            return session_id
        if session_id not in self.successor:
            self.successor[session_id] = self._create(user_id, at, continues=session_id)
        return self.successor[session_id]

    def _for_user(self, event: Routable) -> str:
        if open_id := self.open_by_user.get(event.user_id):
            return open_id
        closed = self.state.closed_by_user.get(event.user_id)
        # measured from the event's own time, so late or backfilled events link like live ones
        recent = closed is not None and event.at - closed.closed_at <= self.window
        return self._create(event.user_id, event.at, closed.id if closed and recent else None)

    def route(self, event: Routable) -> str:
        session_id = self._route(event)
        owner = self.owners.get(session_id)
        if owner and owner != event.user_id:
            self.plan.participants.add((event.user_id, session_id))
        return session_id

    def _route(self, event: Routable) -> str:
        if event.session_id is not None:
            owner = self.state.explicit[event.session_id].user_id
            return self._continue(event.session_id, owner, event.at)
        if event.thread_key is None:
            return self._for_user(event)
        mapped = self.threads.get(event.thread_key)
        session_id = (
            self._continue(mapped, event.user_id, event.at) if mapped else self._for_user(event)
        )
        if mapped != session_id:
            self.threads[event.thread_key] = session_id
            self.plan.thread_moves[event.thread_key] = session_id
        return session_id


def plan_sessions(
    events: list[Routable],
    state: GraphState,
    new_id: Callable[[], str],
    now: datetime,
    window: timedelta,
) -> Plan:
    """Route every event (in order) to a session id; see the module docstring for the rules."""
    planner = _Planner(state, new_id, now, window)
    planner.plan.session_ids = [planner.route(event) for event in events]
    return planner.plan
