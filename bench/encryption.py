"""What sealing personal data costs (THREADLINE_ENCRYPTION), A/B in one run: the same writes
and reads through a server with encryption off and one with it on (a local master key made for
the run), alternated, against one Neo4j.

    .venv/bin/python -m bench.encryption [--rounds 3] [--users 200] [--duration 6] [--warmup 4]

Each round starts each server in turn (off first) and measures
  ingest-batch  events/s in batches of 100 (4 posters; --users new people, 20 events each on
                two channels, each on its platform thread, every 4th event setting three
                session attributes: identities, threads and attribute values are what
                encryption seals; the texts hold emails, phone numbers and names, personal
                entities sealed as the server enriches them)
  context-1     context(lastMessages: 20) with the session's attributes, the person's entities
                and identities at 1 client, over people that server stored (sealed ones for
                the server with encryption on): p50
Medians over the rounds, and on / off, are printed (bench/results/encryption.json has every
round). Target (issue #32): on is at most 10 % slower. Neo4j comes from NEO4J_URI or is
provisioned like the tests do.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from neo4j import AsyncGraphDatabase

from bench.api import identities_of, ingest_batch, post
from bench.load import closed_loop
from bench.output import write_results
from bench.server import admin_client, start_server
from graph.config import Settings
from graph.local.neo4j_server import free_port
from graph.local.provision import Neo4jTarget, provision

MESSAGES = 20
ATTRIBUTES_EVERY = 4
CONTEXT = (
    "query($c: String!, $e: String!) { context(channel: $c, externalUserId: $e, lastMessages: 20) "
    "{ session { id seq channels } messages { seq channel role text at } attributes "
    "entities { key value } user { identities { channel externalId } } } }"
)


STORE_MODE = (Path(__file__).resolve().parent / "store_mode.cypher").read_text()


async def declare_store_mode(target: Neo4jTarget, sealed: bool) -> None:
    """The store recorded as the next server serves it (serve refuses a mismatch)."""
    async with AsyncGraphDatabase.driver(target.uri, auth=target.auth) as driver:
        await driver.execute_query(STORE_MODE, sealed=sealed, database_=target.database)


async def one_server(
    args: argparse.Namespace,
    settings: Settings,
    target: Neo4jTarget,
    env: dict[str, str],
    prefix: str,
) -> dict[str, Any]:
    await declare_store_mode(target, env["THREADLINE_ENCRYPTION"] == "true")
    port = free_port()
    server = start_server(target, port, extra_env=env)
    try:
        async with await admin_client(target, settings, port) as http:
            batch = await ingest_batch(
                http, args.users, MESSAGES, prefix, ATTRIBUTES_EVERY, threads=True
            )
            identities = identities_of(args.users, MESSAGES, prefix)
            rng = random.Random(1)  # noqa: S311 - load pattern, not a secret

            async def read(n: int) -> None:
                channel, external = rng.choice(identities)
                data = await post(http, CONTEXT, {"c": channel, "e": external})
                read_back = data["context"]
                if "email" not in read_back["attributes"] or external not in [
                    i["externalId"] for i in read_back["user"]["identities"]
                ]:
                    raise RuntimeError(f"no attributes or identity read back: {data}")

            await closed_loop(1, args.warmup, read)
            context = (await closed_loop(1, args.duration, read)).row("context", 1)
        return {"ingest_events_per_s": batch["per_second"], "context_p50_ms": context["p50_ms"]}
    finally:
        server.terminate()
        server.wait(timeout=30)


async def run(
    args: argparse.Namespace, settings: Settings, target: Neo4jTarget, keys: Path
) -> list[dict[str, Any]]:
    subprocess.run(  # the local master key of the "on" server
        [sys.executable, "-m", "api.cli", "master-key", "init"],
        env={"THREADLINE_CACHE_DIR": str(keys), "PATH": ""},
        check=True,
        capture_output=True,
    )
    servers = {
        "off": {"THREADLINE_ENCRYPTION": "false"},
        "on": {"THREADLINE_ENCRYPTION": "true", "THREADLINE_CACHE_DIR": str(keys)},
    }
    prefix = f"enc{int(time.time())}"
    rows = []
    try:
        for round_ in range(args.rounds):
            for label, env in servers.items():
                row = await one_server(args, settings, target, env, f"{prefix}{label}{round_}")
                rows.append({"encryption": label, "round": round_} | row)
                print(rows[-1], flush=True)
    finally:
        await declare_store_mode(target, sealed=False)  # the store as it was: written in clear
    return rows


def report(rows: list[dict[str, Any]]) -> dict[str, float]:
    median = {
        (label, column): statistics.median(r[column] for r in rows if r["encryption"] == label)
        for label in ("off", "on")
        for column in ("ingest_events_per_s", "context_p50_ms")
    }
    ingest = median["on", "ingest_events_per_s"] / median["off", "ingest_events_per_s"]
    context = median["on", "context_p50_ms"] / median["off", "context_p50_ms"]
    print(f"{'':28}{'off':>10}{'on':>10}{'on / off':>10}")
    print(
        f"{'ingest events/s':28}{median['off', 'ingest_events_per_s']:>10.0f}"
        f"{median['on', 'ingest_events_per_s']:>10.0f}{ingest:>10.2f}"
    )
    print(
        f"{'context p50 ms (1 client)':28}{median['off', 'context_p50_ms']:>10.2f}"
        f"{median['on', 'context_p50_ms']:>10.2f}{context:>10.2f}"
    )
    return {"ingest_on_vs_off": round(ingest, 3), "context_p50_on_vs_off": round(context, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--duration", type=float, default=6.0)
    parser.add_argument("--warmup", type=float, default=4.0)
    args = parser.parse_args()
    settings = Settings()
    with provision(settings) as target, tempfile.TemporaryDirectory() as keys:
        rows = asyncio.run(run(args, settings, target, Path(keys)))
    summary = report(rows)
    write_results("encryption.json", rows, summary=summary, **vars(args))


if __name__ == "__main__":
    main()
