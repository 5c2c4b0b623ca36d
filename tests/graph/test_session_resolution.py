from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from graph.domain.session_planning import (
    ClosedSession,
    GraphState,
    KnownSession,
    Routable,
    plan_sessions,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
WEEK = timedelta(days=7)


def ids() -> itertools.count[int]:
    return itertools.count(1)


def plan(
    events: list[Routable], state: GraphState
) -> tuple[list[str], list[tuple[str, str | None]], dict[str, str]]:
    counter = ids()
    result = plan_sessions(events, state, lambda: f"new{next(counter)}", NOW, WEEK)
    created = [(s.id, s.continues) for s in result.new_sessions]
    return result.session_ids, created, result.thread_moves


def ev(user: str = "u1", session: str | None = None, thread: str | None = None) -> Routable:
    return Routable(user, NOW, session, thread)


def test_first_events_of_a_new_user_share_one_new_session() -> None:
    sessions, created, _ = plan([ev(), ev(), ev()], GraphState())
    assert sessions == ["new1", "new1", "new1"]
    assert created == [("new1", None)]


def test_open_session_of_the_user_is_continued_across_channels() -> None:
    state = GraphState(open_by_user={"u1": "s-open"})
    sessions, created, _ = plan([ev(thread="sms:+1555")], state)
    assert sessions == ["s-open"]
    assert created == []


def test_explicit_session_wins_over_thread_and_user() -> None:
    state = GraphState(
        explicit={"s-x": KnownSession("s-x", "ACTIVE", "u9")},
        thread_sessions={"web:t": KnownSession("s-t", "ACTIVE", "")},
        open_by_user={"u1": "s-u"},
    )
    sessions, _, _ = plan([ev(session="s-x", thread="web:t")], state)
    assert sessions == ["s-x"]


def test_thread_mapping_wins_over_the_users_open_session() -> None:
    state = GraphState(
        thread_sessions={"email:root": KnownSession("s-t", "IDLE", "")},
        open_by_user={"u1": "s-u"},
    )
    sessions, _, moves = plan([ev(thread="email:root")], state)
    assert sessions == ["s-t"]
    assert moves == {}


def test_new_thread_is_mapped_to_the_session_it_joined() -> None:
    state = GraphState(open_by_user={"u1": "s-u"})
    _, _, moves = plan([ev(thread="whatsapp:c1")], state)
    assert moves == {"whatsapp:c1": "s-u"}


def test_closed_session_named_explicitly_is_continued_by_one_new_session() -> None:
    state = GraphState(explicit={"s-old": KnownSession("s-old", "CLOSED", "u1")})
    sessions, created, _ = plan([ev(session="s-old"), ev(session="s-old")], state)
    assert sessions == ["new1", "new1"]
    assert created == [("new1", "s-old")]


def test_thread_of_a_closed_session_moves_to_the_continuation() -> None:
    state = GraphState(thread_sessions={"web:w": KnownSession("s-old", "ARCHIVED", "")})
    sessions, created, moves = plan([ev(thread="web:w"), ev()], state)
    assert sessions == ["new1", "new1"]
    assert created == [("new1", "s-old")]
    assert moves == {"web:w": "new1"}


def test_recently_closed_session_is_linked_by_continues() -> None:
    state = GraphState(closed_by_user={"u1": ClosedSession("s-old", NOW - timedelta(days=1))})
    _, created, _ = plan([ev()], state)
    assert created == [("new1", "s-old")]


def test_long_closed_session_starts_a_fresh_unlinked_session() -> None:
    state = GraphState(closed_by_user={"u1": ClosedSession("s-old", NOW - timedelta(days=30))})
    _, created, _ = plan([ev()], state)
    assert created == [("new1", None)]


def test_two_users_in_one_batch_get_their_own_sessions() -> None:
    sessions, created, _ = plan([ev("a"), ev("b"), ev("a")], GraphState())
    assert sessions == ["new1", "new2", "new1"]
    assert len(created) == 2
