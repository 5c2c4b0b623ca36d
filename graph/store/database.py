"""The driver boundary: one async driver, the database name, and the settings it was built from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from neo4j import AsyncDriver, AsyncGraphDatabase
from neo4j.exceptions import (
    ConnectionAcquisitionTimeoutError,
    DatabaseUnavailable,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
)

from graph.domain.errors import Neo4jUnavailableError
from graph.live.bus import EventBus, InProcessBus

if TYPE_CHECKING:
    from graph.config import Settings


CONNECT_SECONDS = 2.0
ACQUIRE_SECONDS = 3.0
RETRY_SECONDS = 2.0
OUTAGES = (
    ServiceUnavailable,
    SessionExpired,
    ConnectionAcquisitionTimeoutError,
    DatabaseUnavailable,
)


def unavailable(error: BaseException) -> Neo4jUnavailableError | None:
    """A driver failure that a retry can fix (the server unreachable or restarting, a session
    expired, a transient error) as UNAVAILABLE; None for anything else."""
    outage = isinstance(error, OUTAGES) or (
        isinstance(error, (Neo4jError, DriverError)) and error.is_retryable()
    )
    return Neo4jUnavailableError("the database is unavailable: retry shortly") if outage else None


@dataclass
class Database:
    """What every repository needs to reach Neo4j. Close it when the process ends."""

    driver: AsyncDriver
    name: str
    settings: Settings
    live: EventBus = field(default_factory=InProcessBus)  # committed changes, for subscribers

    @classmethod
    def connect(
        cls, uri: str, auth: tuple[str, str] | None, name: str, settings: Settings
    ) -> Database:
        driver = AsyncGraphDatabase.driver(
            uri,
            auth=auth,
            max_connection_pool_size=100,
            # Fail in bounded time when the server is down, so callers get UNAVAILABLE (which
            # they may retry) within ~5 s instead of hanging: connect 2 s, wait for a pooled
            # connection 3 s, retry transient failures (deadlocks, leader switches) for 2 s
            # (the retry loop checks the clock before each backoff of 1, 2, 4 s: ~3.5 s in all).
            connection_timeout=CONNECT_SECONDS,
            connection_acquisition_timeout=ACQUIRE_SECONDS,
            max_transaction_retry_time=RETRY_SECONDS,
            notifications_min_severity="WARNING",
            # "label/property does not exist yet" is normal on a fresh database
            notifications_disabled_classifications=["UNRECOGNIZED"],
        )
        return cls(driver, name, settings, live_bus(settings))

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        """The database NEO4J_URI (+ user, password, database) points at."""
        if not settings.neo4j_uri:
            raise ValueError("NEO4J_URI is not set (run `threadline neo4j start` and export it)")
        return cls.connect(
            settings.neo4j_uri, settings.neo4j_auth(), settings.neo4j_database, settings
        )

    async def close(self) -> None:
        await self.live.close()
        await self.driver.close()


def live_bus(settings: Settings) -> EventBus:
    """Redis pub/sub when THREADLINE_LIVE_URL is set (several API processes), else in-process."""
    if settings.live_url:
        from graph.live.redis_bus import RedisBus

        return RedisBus.from_url(settings.live_url, settings.live_channel)
    return InProcessBus()
