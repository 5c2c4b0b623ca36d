"""Running the named Cypher of `cypher/` and getting plain rows back."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import cypher

if TYPE_CHECKING:
    from neo4j import AsyncManagedTransaction

    from graph.database import Database


async def rows(db: Database, name: str, **params: Any) -> list[dict[str, Any]]:
    """A named query in its own (auto-retried) transaction."""
    records, _, _ = await db.driver.execute_query(
        cypher.load(name), parameters_=params, database_=db.name
    )
    return [r.data() for r in records]


async def tx_rows(tx: AsyncManagedTransaction, name: str, **params: Any) -> list[dict[str, Any]]:
    """A named query inside the caller's transaction."""
    result = await tx.run(cypher.load(name), **params)
    return [record.data() async for record in result]


async def in_batches(db: Database, name: str, batch: int, **params: Any) -> tuple[int, set[str]]:
    """Repeat a batch statement (one transaction each) until it does less than `batch` rows of
    work; returns the total of its `deleted` column and the union of its `entityKeys` lists."""
    total, keys = 0, set[str]()
    while True:
        [row] = await rows(db, name, limit=batch, **params)
        keys.update(row.get("entityKeys") or [])
        total += int(row["deleted"])
        if row["deleted"] < batch:
            return total, keys
