"""What the after-commit workers share: one background task at a time drains what they were
handed; `flush` waits for it, `close` waits at most `CLOSE_SECONDS` (shutdown)."""

from __future__ import annotations

import asyncio
import contextlib

CLOSE_SECONDS = 10


class Draining:
    """A worker whose `_drain` empties what it was handed, run as one background task."""

    def __init__(self) -> None:
        self.task: asyncio.Task[None] | None = None

    def _wake(self) -> None:
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._drain())

    async def _drain(self) -> None:
        raise NotImplementedError

    async def flush(self) -> None:
        """Wait until everything handed over so far is done (tests, shutdown)."""
        while self.task is not None and not self.task.done():
            await asyncio.shield(self.task)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.flush(), timeout=CLOSE_SECONDS)
