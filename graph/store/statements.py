"""Running the named Cypher of `cypher/` and getting plain rows back."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from neo4j import READ_ACCESS
from neo4j.exceptions import DriverError, Neo4jError

import cypher

if TYPE_CHECKING:
    from neo4j import AsyncManagedTransaction, Record

    from graph.store.database import Database

READ_ATTEMPTS = 3


async def read_records(db: Database, name: str, **params: Any) -> list[Record]:
    """A named read-only query as one auto-commit transaction on a reader.

    One round trip (RUN + PULL): a managed transaction adds BEGIN and COMMIT, about a third more
    CPU and latency for a context read on loopback. Like managed transactions, it follows the
    driver's bookmarks (reads see the caller's earlier writes in a cluster) and retries failures
    the driver marks retryable (a leader switch, a reader restarting), with a short backoff.
    """
    query = cypher.load(name)
    for attempt in range(READ_ATTEMPTS):
        try:
            async with db.session(READ_ACCESS) as session:
                result = await session.run(query, params)
                return [record async for record in result]
        except (Neo4jError, DriverError) as error:
            if attempt == READ_ATTEMPTS - 1 or not error.is_retryable():
                raise
            await asyncio.sleep(0.05 * 2**attempt)
    raise AssertionError("unreachable")  # the last attempt returned or raised


async def tx_rows(tx: AsyncManagedTransaction, name: str, **params: Any) -> list[dict[str, Any]]:
    """A named query inside the caller's transaction."""
    result = await tx.run(cypher.load(name), **params)
    return [record.data() async for record in result]


async def in_batches(db: Database, name: str, batch: int, **params: Any) -> tuple[int, set[str]]:
    """Repeat a batch statement (one transaction each) until it does less than `batch` rows of
    work; returns the total of its `deleted` column and the union of its `entityKeys` lists."""
    total, keys = 0, set[str]()
    while True:
        [row] = await db.rows(name, limit=batch, **params)
        keys.update(row.get("entityKeys") or [])
        total += int(row["deleted"])
        if row["deleted"] < batch:
            return total, keys
