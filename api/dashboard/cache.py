"""The dashboard overview, computed at most once per window every few seconds.

Its seven analytics scan every session of the window, which takes seconds on a store of
millions of messages; without a cache every page view (and every analyst refreshing) ran them
all again. Views of the same window share one computation — also while it is running — for
`THREADLINE_DASHBOARD_CACHE_SECONDS` (0: compute on every view). A failed computation is not
kept.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from api.dashboard.data import Overview, overview
from graph.config import DEFAULT_ANALYTICS_LIMITS, AnalyticsLimits

if TYPE_CHECKING:
    from graph.store.database import Database

Window = tuple[datetime, datetime]
MAX_WINDOWS = 32  # distinct windows kept; the oldest computation goes first


@dataclass(frozen=True)
class _Computation:
    started: float
    result: asyncio.Future[Overview]


class OverviewCache:
    def __init__(
        self,
        ttl_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        limits: AnalyticsLimits = DEFAULT_ANALYTICS_LIMITS,
    ) -> None:
        self.ttl = ttl_seconds
        self.limits = limits
        self.clock = clock
        self._windows: dict[Window, _Computation] = {}

    async def get(self, db: Database, since: datetime, until: datetime) -> Overview:
        if self.ttl <= 0:
            return await overview(db, since, until, self.limits)
        window, now = (since, until), self.clock()
        computation = self._windows.get(window)
        if computation is None or now - computation.started >= self.ttl:
            computation = _Computation(
                now, asyncio.ensure_future(overview(db, since, until, self.limits))
            )
            computation.result.add_done_callback(lambda done: self._settled(window, done))
            self._windows[window] = computation
            while len(self._windows) > MAX_WINDOWS:
                del self._windows[next(iter(self._windows))]
        # shielded: a viewer who leaves does not cancel the computation others wait for
        return await asyncio.shield(computation.result)

    def _settled(self, window: Window, done: asyncio.Future[Overview]) -> None:
        if done.cancelled() or done.exception() is not None:  # retrieved: never logged twice
            current = self._windows.get(window)
            if current is not None and current.result is done:
                del self._windows[window]
