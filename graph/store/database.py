"""The store gateway: one async driver, the database name and the live-event bus (no settings:
components get their slices of the settings from the composition root)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from neo4j import READ_ACCESS, WRITE_ACCESS, AsyncDriver, AsyncGraphDatabase, AsyncSession, Record
from neo4j.exceptions import (
    ConnectionAcquisitionTimeoutError,
    DatabaseUnavailable,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
)

import cypher
from graph.domain.errors import Neo4jUnavailableError
from graph.live.bus import EventBus, InProcessBus

if TYPE_CHECKING:
    from graph.config import Settings


T = TypeVar("T")

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
    """The store gateway: every statement reaches Neo4j through it, by name (`cypher.load`), so
    the database name, routing (reads to readers), bookmarks (read your writes), retries and
    the translation of outages into UNAVAILABLE live in one place. Close it at the end.

    - `records(name, **params)` / `read(name, **params)`: one statement in its own managed,
      retried transaction (on a writer / a reader); `rows` the same as plain dicts;
    - `write(work, *args)` / `read_tx(work, *args)`: a managed transaction around a function of
      yours (several statements, all or nothing; retried whole, so it must be side-effect free);
    - `session()`: an explicit session, for auto-commit statements (`CALL ... IN TRANSACTIONS`).
    """

    driver: AsyncDriver
    name: str
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
        return cls(driver, name, live_bus(settings))

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

    async def records(self, statement: str, /, **params: Any) -> list[Record]:
        """A named statement in its own retried write transaction; its records."""
        return await self._query(statement, params, "w")

    async def read(self, statement: str, /, **params: Any) -> list[Record]:
        """A named read-only statement in its own retried transaction, routed to a reader."""
        return await self._query(statement, params, "r")

    async def rows(self, statement: str, /, **params: Any) -> list[dict[str, Any]]:
        """`records` as plain dicts."""
        return [record.data() for record in await self.records(statement, **params)]

    async def _query(
        self, name: str, params: dict[str, Any], routing: Literal["r", "w"]
    ) -> list[Record]:
        try:
            result = await self.driver.execute_query(
                cypher.load(name), parameters_=params, database_=self.name, routing_=routing
            )
        except (Neo4jError, DriverError) as error:
            if (outage := unavailable(error)) is not None:
                raise outage from error
            raise
        return list(result.records)

    async def write(self, work: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        """`work(tx, *args)` in one managed write transaction (retried whole on transient
        failures), following the driver's bookmarks."""
        async with self.session() as session:
            return await session.execute_write(work, *args, **kwargs)

    async def read_tx(self, work: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        """`work(tx, *args)` in one managed read transaction on a reader."""
        async with self.session(READ_ACCESS) as session:
            return await session.execute_read(work, *args, **kwargs)

    def session(self, access_mode: str = WRITE_ACCESS, **config: Any) -> AsyncSession:
        """An explicit session on this database that follows the driver's bookmarks."""
        return self.driver.session(
            database=self.name,
            default_access_mode=access_mode,
            bookmark_manager=self.driver.execute_query_bookmark_manager,
            **config,
        )

    async def ping(self) -> None:
        """Raise `Neo4jUnavailableError` unless the database answers (readiness): whatever the
        driver met — unreachable, refused credentials, a server starting — the caller learns
        only that it is unavailable (the cause is in the driver's exception, chained)."""
        try:
            await self.driver.verify_connectivity()
        except (Neo4jError, DriverError, OSError) as error:
            raise Neo4jUnavailableError("the database is unavailable: retry shortly") from error


def live_bus(settings: Settings) -> EventBus:
    """Redis pub/sub when THREADLINE_LIVE_URL is set (several API processes), else in-process."""
    if settings.live_url:
        from graph.live.redis_bus import RedisBus

        return RedisBus.from_url(settings.live_url, settings.live_channel)
    return InProcessBus()
