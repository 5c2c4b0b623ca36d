"""The outbox worker: sends stored replies through their platforms, in the API's background.

Every `interval` seconds (and at once when `wake()` says a reply was queued) it recovers
interrupted sends, claims due items under a lease (several API instances never send one item
twice), sends each through `send` (the platform senders, injected by the API) and records the
outcome: SENT with the platform's id, QUEUED again with backoff on a retryable error, or FAILED.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Collection
from typing import TYPE_CHECKING

from graph.domain.outbox import OutboxItem, SendError
from graph.store.outbox import claim_due, mark_failed, mark_sent, recover_interrupted

if TYPE_CHECKING:
    from graph.store.database import Database

log = logging.getLogger("threadline.outbox")

Send = Callable[[OutboxItem], Awaitable[str | None]]


class OutboxWorker:
    def __init__(
        self,
        db: Database,
        send: Send,
        idempotent: Collection[str],
        interval: float = 1.0,
        batch: int = 20,
    ) -> None:
        self.db = db
        self.send = send
        self.idempotent = frozenset(idempotent)
        self.interval = interval
        self.batch = batch
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None and self.interval > 0:
            self._task = asyncio.create_task(self._loop(), name="threadline-outbox")

    def wake(self) -> None:
        """A reply was queued: look now rather than at the next tick."""
        self._wake.set()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:  # the database may be restarting: try again at the next tick
                log.exception("outbox round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)
            self._wake.clear()

    async def run_once(self) -> int:
        """One round: recover, claim, send, record; returns how many items were attempted."""
        await recover_interrupted(self.db, self.idempotent)
        attempted = 0
        while items := await claim_due(self.db, self.batch):
            await asyncio.gather(*(self._deliver(item) for item in items))
            attempted += len(items)
            if len(items) < self.batch:
                break
        return attempted

    async def _deliver(self, item: OutboxItem) -> None:
        try:
            platform_id = await self.send(item)
        except SendError as error:
            status = await mark_failed(self.db, item, error)
            log.warning("reply %s on %s: %s (%s)", item.id, item.channel, error, status)
            return
        except Exception as error:  # a bug in a sender must not kill the worker
            log.exception("reply %s on %s", item.id, item.channel)
            await mark_failed(self.db, item, SendError(f"internal: {error}", retryable=False))
            return
        await mark_sent(self.db, item, platform_id)
