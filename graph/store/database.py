"""The store gateway: the only module that talks to the Neo4j driver.

Every statement reaches Neo4j through `Database`, by name (`cypher.load`), with a verb that says
whether it reads or writes; routing (reads to readers), bookmarks (read your writes), retries
and the translation of driver failures live here and nowhere else. What leaves this module is
ours: rows (`Row`: read by key, `.data()` for a dict), `Tx` inside a transaction function,
`Neo4jUnavailableError` for anything a retry can fix, `StatementError` (with Neo4j's status
code) for a statement the database refused.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeAlias, TypeVar

import neo4j.graph
import neo4j.time
from neo4j import (
    READ_ACCESS,
    WRITE_ACCESS,
    AsyncDriver,
    AsyncGraphDatabase,
    AsyncManagedTransaction,
    AsyncSession,
    Record,
    unit_of_work,
)
from neo4j.exceptions import (
    ConnectionAcquisitionTimeoutError,
    ConstraintError,
    DatabaseUnavailable,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
)

import cypher
from graph.domain.errors import Neo4jUnavailableError
from graph.domain.records import Table
from graph.keys.personal import PersonalSealer, Sealing, sealer_for
from graph.live.bus import EventBus, InProcessBus

if TYPE_CHECKING:
    from graph.config import Settings

T = TypeVar("T")
P = ParamSpec("P")
Row: TypeAlias = Record  # one result row: `row["column"]`, `row.data()` as a dict

CONNECT_SECONDS = 2.0
ACQUIRE_SECONDS = 3.0
RETRY_SECONDS = 2.0
READ_ATTEMPTS = 3
OUTAGES = (
    ServiceUnavailable,
    SessionExpired,
    ConnectionAcquisitionTimeoutError,
    DatabaseUnavailable,
)


class StatementError(Exception):
    """A statement the database refused (bad Cypher, a missing procedure, out of memory, a
    timeout...): `code` is Neo4j's status code (`Neo.ClientError.…`), empty for a driver-side
    failure."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}" if code else message)
        self.code = code
        self.message = message


class ConstraintViolation(StatementError):
    """A write broke a uniqueness constraint (a concurrent writer stored the same key first)."""


def translated(error: Neo4jError | DriverError) -> Exception:
    """A driver failure as ours: UNAVAILABLE when a retry can fix it (the server unreachable or
    restarting, a session expired, a transient error), else a `StatementError` — running out of
    transaction memory too, though Neo4j calls it transient: the same statement would again."""
    out_of_memory = isinstance(error, Neo4jError) and "OutOfMemory" in (error.code or "")
    if isinstance(error, OUTAGES) or (error.is_retryable() and not out_of_memory):
        return Neo4jUnavailableError("the database is unavailable: retry shortly")
    if isinstance(error, ConstraintError):
        return ConstraintViolation(error.code or "", error.message or str(error))
    if isinstance(error, Neo4jError):
        return StatementError(error.code or "", error.message or str(error))
    return StatementError("", str(error))


@dataclass(frozen=True, slots=True)
class Tx:
    """A managed transaction, as a transaction function of yours sees it: named statements
    only. Raising inside the function rolls the whole transaction back."""

    _tx: AsyncManagedTransaction

    async def records(self, statement: str, /, **params: Any) -> list[Row]:
        result = await self._tx.run(cypher.load(statement), params)
        return [record async for record in result]

    async def rows(self, statement: str, /, **params: Any) -> list[dict[str, Any]]:
        result = await self._tx.run(cypher.load(statement), params)
        return [record.data() async for record in result]

    async def single(self, statement: str, /, **params: Any) -> Row | None:
        """The statement's one row, or None when it returns none."""
        result = await self._tx.run(cypher.load(statement), params)
        return await result.single()

    async def one(self, statement: str, /, **params: Any) -> Row:
        """The statement's one row; a `StatementError` (from the transaction) when it returns
        none or several."""
        result = await self._tx.run(cypher.load(statement), params)
        return await result.single(strict=True)

    async def execute(self, statement: str, /, **params: Any) -> None:
        """Run a statement for its effect (its rows, if any, are discarded)."""
        await (await self._tx.run(cypher.load(statement), params)).consume()


@dataclass
class Database:
    """The store gateway. Close it at the end.

    - `read(name, **params)` / `read_rows`: one read-only statement on a reader (auto-commit,
      retried); `write(name, **params)` / `write_rows`: one statement in its own retried write
      transaction; `write_in_batches` repeats a batch statement until it is done;
    - `read_tx(work, *args)` / `write_tx(work, *args)`: a managed transaction around a function
      `work(tx: Tx, *args)` (several statements, all or nothing; retried whole, so it must be
      side-effect free);
    - `run_schema(text)` / `write_auto_commit(name)`: statements that must run outside a
      transaction (schema commands, `CALL … IN TRANSACTIONS`);
    - `read_untrusted(query, …)`: someone else's Cypher, read-only, planned and checked first;
    - `ping()`: readiness.
    """

    driver: AsyncDriver
    name: str
    live: EventBus = field(default_factory=InProcessBus)  # committed changes, for subscribers
    # per-person encryption (THREADLINE_ENCRYPTION): attribute values are sealed before they
    # are written (`attribute_sealing`); None: written in clear
    sealer: PersonalSealer | None = None

    @property
    def attribute_sealing(self) -> Callable[[str, str, str], str] | None:
        """How an attribute's JSON text is stored — `seal(user_id, key, text)`: sealed for the
        person who owns it unless the key is declared not personal — or None with encryption
        off (writers then need not know whose a value is)."""
        return self.sealer.seal if self.sealer is not None else None

    @property
    def sealing(self) -> Sealing | None:
        """How attribute values and a message's entity keys and mentions are stored (personal
        entities keyed by their hash, values and texts sealed for the session's owner), or None
        with encryption off."""
        if self.sealer is None:
            return None
        sealer = self.sealer
        return Sealing(
            sealer.seal,
            sealer.seal_mentions,
            sealer.seal_identity,
            sealer.seal_thread,
            sealer.keyring.prepare,
        )

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
        return cls(driver, name, live_bus(settings), sealer_for(settings))

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

    async def read(self, statement: str, /, **params: Any) -> list[Row]:
        """A named read-only statement as one auto-commit transaction on a reader.

        One round trip (RUN + PULL): a managed transaction adds BEGIN and COMMIT, about a third
        more CPU and latency for a context read on loopback. Like managed transactions, it
        follows the driver's bookmarks (reads see the caller's earlier writes in a cluster) and
        retries failures the driver marks retryable, with a short backoff."""
        query = cypher.load(statement)
        for attempt in range(READ_ATTEMPTS):
            try:
                async with self._session(READ_ACCESS) as session:
                    result = await session.run(query, params)
                    return [record async for record in result]
            except (Neo4jError, DriverError) as error:
                if attempt == READ_ATTEMPTS - 1 or not error.is_retryable():
                    raise translated(error) from error
            await asyncio.sleep(0.05 * 2**attempt)
        raise AssertionError("unreachable")  # the last attempt returned or raised

    async def read_rows(self, statement: str, /, **params: Any) -> list[dict[str, Any]]:
        """`read` as plain dicts."""
        return [record.data() for record in await self.read(statement, **params)]

    async def write(self, statement: str, /, **params: Any) -> list[Row]:
        """A named statement in its own retried write transaction; its rows."""
        try:
            result = await self.driver.execute_query(
                cypher.load(statement), parameters_=params, database_=self.name, routing_="w"
            )
        except (Neo4jError, DriverError) as error:
            raise translated(error) from error
        return list(result.records)

    async def write_rows(self, statement: str, /, **params: Any) -> list[dict[str, Any]]:
        """`write` as plain dicts."""
        return [record.data() for record in await self.write(statement, **params)]

    async def write_in_batches(
        self, statement: str, /, batch: int, **params: Any
    ) -> tuple[int, set[str]]:
        """Repeat a batch statement (one transaction each, `$limit` = `batch`) until it does
        less than `batch` rows of work; the total of its `deleted` column and the union of its
        `entityKeys` lists."""
        total, keys = 0, set[str]()
        while True:
            [row] = await self.write_rows(statement, limit=batch, **params)
            keys.update(row.get("entityKeys") or [])
            total += int(row["deleted"])
            if row["deleted"] < batch:
                return total, keys

    async def write_tx(
        self, work: Callable[Concatenate[Tx, P], Awaitable[T]], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """`work(tx, *args)` in one managed write transaction (retried whole on transient
        failures), following the driver's bookmarks."""
        return await self._managed(WRITE_ACCESS, work, *args, **kwargs)

    async def read_tx(
        self, work: Callable[Concatenate[Tx, P], Awaitable[T]], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """`work(tx, *args)` in one managed read transaction on a reader."""
        return await self._managed(READ_ACCESS, work, *args, **kwargs)

    async def _managed(
        self,
        mode: str,
        work: Callable[Concatenate[Tx, P], Awaitable[T]],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        async def unit(tx: AsyncManagedTransaction) -> T:
            return await work(Tx(tx), *args, **kwargs)

        try:
            async with self._session(mode) as session:
                if mode == READ_ACCESS:
                    return await session.execute_read(unit)
                return await session.execute_write(unit)
        except (Neo4jError, DriverError) as error:
            raise translated(error) from error

    async def write_auto_commit(self, statement: str, /, **params: Any) -> None:
        """A named statement that manages its own transactions (`CALL … IN TRANSACTIONS`)."""
        await self._auto_commit(cypher.load(statement), params)

    async def run_schema(self, text: str) -> None:
        """One statement of the `cypher/schema/` files (schema commands run outside a
        transaction of ours)."""
        await self._auto_commit(text, {})

    async def _auto_commit(self, query: str, params: Mapping[str, Any]) -> None:
        try:
            async with self._session(WRITE_ACCESS) as session:
                await (await session.run(query, params)).consume()  # type: ignore[arg-type]
        except (Neo4jError, DriverError) as error:
            raise translated(error) from error

    async def read_untrusted(
        self,
        query: str,
        params: dict[str, Any],
        *,
        check_plan: Callable[[str | None, Mapping[str, Any] | None], None],
        max_rows: int,
        timeout_seconds: float,
        auth: tuple[str, str] | None = None,
    ) -> Table:
        """Cypher someone typed, read-only: Neo4j plans it (EXPLAIN) and `check_plan(query
        type, plan)` raises to refuse it; then it runs in a READ
        transaction with a timeout, at most `max_rows` rows kept, values as JSON-ready Python.
        `auth`: the Neo4j user to run it as instead of the service's own."""

        async def rows(tx: AsyncManagedTransaction) -> Table:
            result = await tx.run(query, params)
            table = Table(list(result.keys()))
            async for record in result:
                if len(table.rows) >= max_rows:
                    table.truncated = True
                    break
                table.rows.append([plain(v) for v in record.values()])
            return table

        try:
            async with self._session(READ_ACCESS, auth=auth) as session:
                explained = await session.run(f"EXPLAIN {query}", params)
                summary = await explained.consume()
                check_plan(summary.query_type, summary.plan)
                return await session.execute_read(unit_of_work(timeout=timeout_seconds)(rows))
        except (Neo4jError, DriverError) as error:
            raise translated(error) from error

    def _session(self, access_mode: str, **config: Any) -> AsyncSession:
        """A session on this database that follows the driver's bookmarks."""
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


def plain(value: Any) -> Any:
    """A value the driver returned as JSON-ready Python (temporal values as ISO text, nodes and
    relationships as dicts of their properties)."""
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    for kind, convert in PLAIN.items():
        if isinstance(value, kind):
            return convert(value)
    return value


PLAIN: dict[type | tuple[type, ...], Callable[[Any], Any]] = {
    (neo4j.time.DateTime, neo4j.time.Date, neo4j.time.Time): lambda v: v.iso_format(),
    neo4j.time.Duration: str,
    (datetime, date): lambda v: v.isoformat(),
    neo4j.graph.Node: lambda v: {"labels": sorted(v.labels), **plain(dict(v))},
    neo4j.graph.Relationship: lambda v: {"type": v.type, **plain(dict(v))},
}


def live_bus(settings: Settings) -> EventBus:
    """Redis pub/sub when THREADLINE_LIVE_URL is set (several API processes), else in-process."""
    if settings.live_url:
        from graph.live.redis_bus import RedisBus

        return RedisBus.from_url(settings.live_url, settings.live_channel)
    return InProcessBus()
