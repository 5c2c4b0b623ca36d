"""Live events across API instances (or `serve --workers N`) through Redis pub/sub.

Every instance publishes the events of its own commits to one Redis channel and hears every
instance's events on it; its local subscribers are then served by an `InProcessBus` with the
usual session/user filter and LAGGED behaviour. Set `THREADLINE_LIVE_URL=redis://host:6379/0`.

- Publishing never blocks a writer: events go to an outbox that one task drains, sending all the
  events queued since its last send as one PUBLISH (a JSON array). Order per instance is kept.
- Live events are notifications, not the record (Neo4j is): if Redis is unreachable an event is
  dropped with a warning, and when the listening connection breaks (or silently reconnects)
  every local subscriber ends with LAGGED, so clients re-read the context and subscribe again
  instead of missing changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

import orjson
import redis.asyncio as redis
from redis.exceptions import RedisError

from graph.domain.errors import LiveUnavailableError
from graph.live.bus import QUEUE_SIZE, InProcessBus, LiveEvent, LiveEventKind

log = logging.getLogger("threadline.live")

DEFAULT_CHANNEL = "threadline:live"
OUTBOX_SIZE = 10 * QUEUE_SIZE  # events waiting for Redis before new ones are dropped


def encode_events(events: list[LiveEvent]) -> bytes:
    return orjson.dumps([_fields(event) for event in events])


def decode_events(payload: bytes) -> list[LiveEvent]:
    return [_event(fields) for fields in orjson.loads(payload)]


def _fields(event: LiveEvent) -> dict[str, Any]:
    fields = {name: value for name, value in vars(event).items() if value is not None}
    if not event.attributes:
        del fields["attributes"]
    return fields


_FIELDS = frozenset(field.name for field in dataclasses.fields(LiveEvent)) - {"kind", "at"}


def _event(fields: dict[str, Any]) -> LiveEvent:
    # fields this version does not know (a newer instance, mid-upgrade) are left out
    return LiveEvent(
        kind=LiveEventKind(fields["kind"]),
        at=datetime.fromisoformat(fields["at"]),
        **{name: value for name, value in fields.items() if name in _FIELDS},
    )


class RedisBus:
    """An `EventBus` shared by every process that points at the same Redis channel."""

    def __init__(
        self,
        client: redis.Redis,
        channel: str = DEFAULT_CHANNEL,
        queue_size: int = QUEUE_SIZE,
    ) -> None:
        self._client = client
        self._channel = channel
        self._local = InProcessBus(queue_size)
        self._outbox: asyncio.Queue[LiveEvent] = asyncio.Queue(OUTBOX_SIZE)
        self._publisher: asyncio.Task[None] | None = None
        self._listener: asyncio.Task[None] | None = None
        self._listening: asyncio.Future[None] | None = None
        self._dropped = 0
        # told how many events could not be sent (outbox full, or Redis refused): for metrics
        self.on_dropped: Callable[[int], None] | None = None

    @classmethod
    def from_url(cls, url: str, channel: str = DEFAULT_CHANNEL) -> RedisBus:
        return cls(redis.Redis.from_url(url, health_check_interval=30), channel)

    @property
    def has_subscribers(self) -> bool:
        """Always: subscribers on other instances cannot be seen from here."""
        return True

    @property
    def subscriber_count(self) -> int:
        """Subscribers of this process."""
        return self._local.subscriber_count

    def publish(self, event: LiveEvent) -> None:
        try:
            self._outbox.put_nowait(event)
        except asyncio.QueueFull:
            self._dropped += 1
            if self._dropped == 1 or self._dropped % 1000 == 0:
                log.warning("live events dropped: Redis is not keeping up (%d)", self._dropped)
            self._report_dropped(1)
            return
        if self._publisher is None or self._publisher.done():
            self._publisher = asyncio.get_running_loop().create_task(self._publish_queued())

    async def _publish_queued(self) -> None:
        while not self._outbox.empty():
            events = [self._outbox.get_nowait() for _ in range(self._outbox.qsize())]
            try:
                await self._client.publish(self._channel, encode_events(events))
            except (RedisError, OSError) as error:
                log.warning("%d live events not published: %s", len(events), error)
                self._report_dropped(len(events))

    def _report_dropped(self, count: int) -> None:
        if self.on_dropped is not None:
            self.on_dropped(count)

    @contextlib.asynccontextmanager
    async def subscribe(
        self, session_id: str | None, user_id: str | None
    ) -> AsyncIterator[AsyncIterator[LiveEvent]]:
        await self._listen()
        async with self._local.subscribe(session_id, user_id) as events:
            yield events

    async def _listen(self) -> None:
        """Hear the channel (one listener per process); returns when Redis confirmed it.

        `_listening` is the live listener's handle: a listener clears it itself, before it ends
        any subscriber, the moment its connection is lost. So a subscriber that arrives after a
        loss always starts a new listener, however far the old task has got in closing.
        """
        if self._listening is None:
            self._listening = asyncio.get_running_loop().create_future()
            self._listener = asyncio.create_task(self._hear(self._listening))
        try:
            await asyncio.shield(self._listening)
        except (RedisError, OSError) as error:
            raise LiveUnavailableError(f"live events unavailable: {error}") from error

    async def _hear(self, listening: asyncio.Future[None]) -> None:
        pubsub = self._client.pubsub()
        try:
            await pubsub.subscribe(self._channel)
            while True:
                message = await pubsub.get_message(timeout=None)
                if message is None:
                    continue
                if message["type"] == "subscribe":
                    if not listening.done():
                        listening.set_result(None)
                    else:  # the client reconnected and subscribed again: events were missed
                        log.warning("live events: Redis reconnected; subscribers end with LAGGED")
                        self._local.end_all()
                elif message["type"] == "message" and self._local.has_subscribers:
                    self._deliver(message["data"])
        except (RedisError, OSError) as error:
            self._retire(listening)
            if not listening.done():
                listening.set_exception(error)
                return
            log.warning("live events: lost Redis (%s); subscribers end with LAGGED", error)
            self._local.end_all()
        except Exception:  # never leave subscribers waiting on a dead listener
            self._retire(listening)
            log.exception("live events: the Redis listener failed; subscribers end with LAGGED")
            self._local.end_all()
            raise
        finally:
            self._retire(listening)
            with contextlib.suppress(RedisError, OSError):
                await pubsub.aclose()

    def _retire(self, listening: asyncio.Future[None]) -> None:
        """This listener hears nothing more: the next subscriber starts a new one."""
        if self._listening is listening:
            self._listening = None

    def _deliver(self, payload: bytes) -> None:
        try:
            events = decode_events(payload)
        except (ValueError, TypeError, KeyError) as error:  # not ours, or corrupt: skip it
            log.warning("live events: skipped an unreadable message (%s)", error)
            return
        for event in events:
            self._local.publish(event)

    async def close(self) -> None:
        """Send what is queued, stop listening, close the connections."""
        if self._publisher is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._publisher
        self._listening = None
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        self._local.end_all()
        await self._client.aclose()
