"""Live updates: what changed in a session, fanned out to subscribers after each commit.

Writers publish a `LiveEvent` once their transaction has committed (never for a rolled-back or
replayed write); subscribers filter by session and/or user. `InProcessBus` fans out inside one
API process; several processes share events through Redis (`graph.live.redis_bus.RedisBus`, chosen
by
`graph.store.database.live_bus` when THREADLINE_LIVE_URL is set) — see docs/lifecycle.md.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from graph.domain.errors import SubscriberLaggedError

QUEUE_SIZE = 1000


class LiveEventKind(StrEnum):
    MESSAGE = "MESSAGE"  # an utterance was stored
    EVENT = "EVENT"  # a text-less event (state only) was stored
    ATTRIBUTES = "ATTRIBUTES"  # session or user attributes changed
    HANDOFF = "HANDOFF"  # another agent handles the session
    STATUS = "STATUS"  # a lifecycle transition (timers, closeSession)
    MERGE = "MERGE"  # this user and another turned out to be one person (other_user_id)
    UNMERGE = "UNMERGE"  # ... and that merge was undone


@dataclass(frozen=True)
class LiveEvent:
    kind: LiveEventKind
    at: datetime
    session_id: str | None = None
    user_id: str | None = None
    channel: str | None = None
    role: str | None = None
    message_id: str | None = None
    seq: int | None = None
    text: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    agent_id: str | None = None
    status: str | None = None
    cause: str | None = None
    other_user_id: str | None = None


# queued to a waiting stream that was ended, so it wakes up and raises LAGGED; never delivered
_WAKE_UP = LiveEvent(LiveEventKind.STATUS, datetime.min)


class EventBus(Protocol):
    @property
    def has_subscribers(self) -> bool:
        """False when nobody can receive an event: writers then skip building them."""
        ...

    def publish(self, event: LiveEvent) -> None: ...

    def subscribe(
        self, session_id: str | None, user_id: str | None
    ) -> contextlib.AbstractAsyncContextManager[AsyncIterator[LiveEvent]]: ...

    async def close(self) -> None:
        """Deliver what is still queued for other processes, then release connections."""
        ...


@dataclass(eq=False)
class _Subscriber:
    session_id: str | None
    user_id: str | None
    queue: asyncio.Queue[LiveEvent]
    lagged: bool = False

    def wants(self, event: LiveEvent) -> bool:
        if self.session_id is None and self.user_id is None:
            return True  # the process's own listeners (triggers): every event
        return (self.session_id is not None and event.session_id == self.session_id) or (
            self.user_id is not None and event.user_id == self.user_id
        )


class InProcessBus:
    """Fan-out to the subscribers of this process; publish never blocks the writer."""

    def __init__(self, queue_size: int = QUEUE_SIZE) -> None:
        self._subscribers: set[_Subscriber] = set()
        self._queue_size = queue_size

    def publish(self, event: LiveEvent) -> None:
        for subscriber in list(self._subscribers):
            if subscriber.lagged or not subscriber.wants(event):
                continue
            try:
                subscriber.queue.put_nowait(event)
            except asyncio.QueueFull:  # too slow: end its stream rather than drop silently
                subscriber.lagged = True
                self._subscribers.discard(subscriber)

    @contextlib.asynccontextmanager
    async def subscribe(
        self, session_id: str | None, user_id: str | None
    ) -> AsyncIterator[AsyncIterator[LiveEvent]]:
        subscriber = _Subscriber(session_id, user_id, asyncio.Queue(self._queue_size))
        self._subscribers.add(subscriber)
        try:
            yield self._events(subscriber)
        finally:
            self._subscribers.discard(subscriber)

    @staticmethod
    async def _events(subscriber: _Subscriber) -> AsyncIterator[LiveEvent]:
        while True:
            if subscriber.lagged and subscriber.queue.empty():
                raise SubscriberLaggedError(
                    "subscriber fell behind; re-read the context and subscribe again"
                )
            event = await subscriber.queue.get()
            if event is not _WAKE_UP:
                yield event

    def end_all(self) -> None:
        """End every subscription with LAGGED once it has drained what it already received
        (events may have been missed: e.g. the broker connection was lost)."""
        for subscriber in self._subscribers:
            subscriber.lagged = True
            with contextlib.suppress(asyncio.QueueFull):  # wake a waiting stream to see it
                subscriber.queue.put_nowait(_WAKE_UP)
        self._subscribers.clear()

    async def close(self) -> None:
        self.end_all()

    @property
    def has_subscribers(self) -> bool:
        return bool(self._subscribers)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)
