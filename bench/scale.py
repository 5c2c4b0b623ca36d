"""Context reads as the store grows: p50/p99 at 10k, 100k and 1M stored messages.

    .venv/bin/python -m bench.scale [--sizes 10000,100000,1000000] [--reads 400]

The store is bulk-loaded with Cypher (sessions of 20 messages, `CALL {} IN TRANSACTIONS`), with the
same properties and indexes the API writes, then `graph.store.context.get_context` reads the
context of
random sessions through the driver (the API's own read path, without HTTP). Writes
bench/results/scale.json. Neo4j comes from NEO4J_URI or is provisioned (graph.local.provision).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from pathlib import Path
from typing import Any

from bench.output import write_results
from graph.config import Settings
from graph.local.provision import provision
from graph.store.context import ContextSelector, get_context
from graph.store.database import Database
from graph.store.schema import migrate

PER_SESSION = 20

# Bench fixture, not a query of the service: it lives beside the bench, not in cypher/.
LOAD = (Path(__file__).resolve().parent / "bulk_load.cypher").read_text()


async def load(db: Database, prefix: str, sessions_from: int, sessions_to: int) -> float:
    start = time.perf_counter()
    async with db.driver.session(database=db.name) as session:
        result = await session.run(
            LOAD,
            {"prefix": prefix, "perSession": PER_SESSION, "from": sessions_from, "to": sessions_to},
        )
        await result.consume()
    return time.perf_counter() - start


async def read_latencies(db: Database, prefix: str, sessions: int, reads: int) -> dict[str, Any]:
    rng = random.Random(3)  # noqa: S311 - load pattern, not a secret
    for _ in range(300):  # warm-up: JIT-compiled plans, warm page cache
        await get_context(
            db, ContextSelector(session_id=f"{prefix}-s{rng.randrange(sessions)}"), 20
        )
    samples = []
    for _ in range(reads):
        selector = ContextSelector(
            channel="web", external_user_id=f"{prefix}-c{rng.randrange(sessions)}"
        )
        began = time.perf_counter()
        await get_context(db, selector, 20)
        samples.append(time.perf_counter() - began)
    samples.sort()
    return {
        "messages": sessions * PER_SESSION,
        "p50_ms": round(samples[len(samples) // 2] * 1000, 2),
        "p99_ms": round(samples[int(len(samples) * 0.99)] * 1000, 2),
    }


async def run(
    uri: str, auth: tuple[str, str] | None, sizes: list[int], reads: int
) -> list[dict[str, Any]]:
    settings = Settings()
    db = Database.connect(uri, auth, "neo4j", settings)
    prefix = f"scale{int(time.time())}"
    rows = []
    try:
        await migrate(db)
        loaded = 0
        for size in sizes:
            target = size // PER_SESSION
            seconds = await load(db, prefix, loaded, target)
            loaded = target
            row = await read_latencies(db, prefix, loaded, reads)
            row["load_seconds"] = round(seconds, 1)
            rows.append(row)
            print(
                f"{row['messages']:>9} messages  context p50 {row['p50_ms']:>6} ms  "
                f"p99 {row['p99_ms']:>6} ms  (loaded in {row['load_seconds']} s)",
                flush=True,
            )
    finally:
        await db.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--reads", type=int, default=400)
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    settings = Settings().model_copy(update={"neo4j_heap": "1g", "neo4j_pagecache": "1g"})
    with provision(settings) as target:
        rows = asyncio.run(run(target.uri, target.auth, sizes, args.reads))
    if len(rows) > 1:
        ratio = rows[-1]["p99_ms"] / rows[0]["p99_ms"]
        print(f"p99 at {rows[-1]['messages']:,} / p99 at {rows[0]['messages']:,}: {ratio:.2f}x")
    write_results("scale.json", rows, **vars(args))


if __name__ == "__main__":
    main()
