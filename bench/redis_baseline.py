"""baseline-redis: the same workload on a minimal Redis session store — a list per session and a
user → session key, the pattern most chat stacks use (e.g. Rasa's Redis tracker store) — to show
what a user would otherwise pick. No enrichment, no cross-channel identity, no entities.

    .venv/bin/python -m bench.redis_baseline [--users 300] [--messages 20] [--duration 8]

Starts its own `redis-server` (Debian package; `make bench` installs it) on a free loopback port,
without persistence. Writes bench/results/redis.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from typing import Any

import redis.asyncio as aioredis

from bench.load import Latencies, closed_loop
from bench.output import write_results
from bench.workload import conversation
from graph.local.redis_server import local_redis


def _text(value: bytes | str | None) -> str:
    return value.decode() if isinstance(value, bytes) else value or ""


async def run(url: str, users: int, length: int, duration: float) -> list[dict[str, Any]]:
    client = aioredis.Redis.from_url(url, decode_responses=False)
    rows: list[dict[str, Any]] = []
    events = [e for u in range(users) for e in conversation(u, length, "redis", 0)]
    began = time.perf_counter()
    for start in range(0, len(events), 100):  # batches of 100, as ingest-batch
        pipe = client.pipeline(transaction=True)
        for event in events[start : start + 100]:
            user = str(event["eventId"]).rsplit("-m", 1)[0]
            pipe.set(f"user:{event['channel']}:{event['externalUserId']}", user)
            pipe.rpush(f"session:{user}", json.dumps(event))
        await pipe.execute()
    elapsed = time.perf_counter() - began
    rows.append(
        {
            "scenario": "baseline-redis ingest-batch",
            "clients": 1,
            "per_second": round(len(events) / elapsed, 1),
        }
    )
    rng = random.Random(1)  # noqa: S311 - load pattern, not a secret
    identities = [(str(e["channel"]), str(e["externalUserId"])) for e in events[::length]]

    async def single(n: int) -> None:
        channel, external = rng.choice(identities)
        user = await client.get(f"user:{channel}:{external}")
        session = f"session:{_text(user)}"
        await client.rpush(session, json.dumps({"n": n, "text": "any update?"}))

    rows.append((await closed_loop(16, duration, single)).row("baseline-redis single", 16))

    async def read(n: int) -> None:
        channel, external = rng.choice(identities)
        user = await client.get(f"user:{channel}:{external}")
        await client.lrange(f"session:{_text(user)}", -20, -1)

    for clients in (1, 8, 32):
        latencies: Latencies = await closed_loop(clients, duration, read)
        rows.append(latencies.row("baseline-redis context", clients))
    await client.aclose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--duration", type=float, default=8.0)
    args = parser.parse_args()
    with local_redis() as url:
        rows = asyncio.run(run(url, args.users, args.messages, args.duration))
    for row in rows:
        extra = "".join(f"  {k} {row[k]}" for k in ("p50_ms", "p95_ms", "p99_ms") if k in row)
        name, clients, rate = row["scenario"], row["clients"], row["per_second"]
        print(f"{name:<30} clients {clients:>3}  per s {rate:>9}{extra}")
    write_results("redis.json", rows, **vars(args))


if __name__ == "__main__":
    main()
