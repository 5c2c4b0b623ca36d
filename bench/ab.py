"""The API's own cost against a baseline commit, A/B in one run: the same reads and writes
through this tree's server and the baseline's, alternated, against one Neo4j.

    .venv/bin/python -m bench.ab [--baseline b2501c1] [--rounds 3] [--duration 6] [--warmup 8]
                                 [--users 200]

The baseline commit's files are exported (`git archive`) into a temporary folder and served
with this environment's packages, so only the code differs. Each round starts each server in
turn (baseline first), warms it up, then measures:
  context-1    context(lastMessages: 20) at 1 keep-alive client, each API read followed by the
               store's own read of the same context in-process (`get_context`: what the API
               runs) and by the minimal raw read of the same 20 messages with the driver
               (bench/minimal_context.cypher): p50 of each, the ratios, and the API process's
               CPU per read against the raw read's p50
  context-32   the same API read at 32 clients: reads/s and API CPU per read
  recall-1     recall(query) over the user's history at 1 client: p50
  ingest-batch events/s in batches of 100 (4 posters; --users new people, 20 events each)
and the API's resident memory after the round. Medians over the rounds are printed as a table
(bench/results/ab.json has every round).
Neo4j comes from NEO4J_URI or is provisioned like the tests do (graph.local.provision).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import psutil

from bench.api import CONTEXT, context_reader, identities_of, ingest_batch, post
from bench.cpu import CpuMeter, listening_process
from bench.load import closed_loop
from bench.output import write_results
from bench.server import admin_client, connect, rss_mb, start_server
from graph.config import Settings
from graph.local.neo4j_server import free_port
from graph.local.provision import Neo4jTarget, provision
from graph.store.context import ContextSelector, get_context, identity_key_of

ROOT = Path(__file__).resolve().parent.parent
RECALL = (
    "query($c: String!, $e: String!) { recall(channel: $c, externalUserId: $e, "
    'query: "refund for my order", limit: 10) { hits { message { seq text } score } } }'
)
MESSAGES = 20  # per preloaded user
MINIMAL = (Path(__file__).resolve().parent / "minimal_context.cypher").read_text()


def export(commit: str, into: Path) -> Path:
    """The commit's files in `into` (no .git: nothing there can change this repository)."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", commit],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def _p50(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 3)


async def interleaved(
    http: aiohttp.ClientSession,
    target: Neo4jTarget,
    settings: Settings,
    identities: list[tuple[str, str]],
    meter: CpuMeter,
    duration: float,
) -> dict[str, Any]:
    """One client, one person at a time: the API's context read, then the store's own read of
    the same context (`get_context`, what the API calls), then the minimal raw read of the same
    messages with the driver (MINIMAL), back to back."""
    db = connect(target, settings)
    api: list[float] = []
    store: list[float] = []
    raw: list[float] = []
    rng = random.Random(3)  # noqa: S311 - load pattern, not a secret
    # the API's CPU over the whole loop (it idles while the other two reads run): sampling it
    # around each request would put the sampler's own work between the reads
    before = meter.sample()
    try:
        stop = time.perf_counter() + duration
        while time.perf_counter() < stop:
            channel, external = rng.choice(identities)
            began = time.perf_counter()
            await post(http, CONTEXT, {"c": channel, "e": external})
            api.append(time.perf_counter() - began)
            selector = ContextSelector(channel=channel, external_user_id=external)
            began = time.perf_counter()
            await get_context(db, selector, 20)
            store.append(time.perf_counter() - began)
            began = time.perf_counter()
            await db.driver.execute_query(
                MINIMAL, identityKey=identity_key_of(selector), database_=db.name
            )
            raw.append(time.perf_counter() - began)
    finally:
        await db.close()
    api_cpu = meter.per_request(before, len(api))["cpu_ms_api"] / 1000
    return {
        "context_p50_ms": _p50(api),
        "store_read_p50_ms": _p50(store),
        "raw_p50_ms": _p50(raw),
        "context_vs_store_read": round(statistics.median(api) / statistics.median(store), 3),
        "context_vs_raw": round(statistics.median(api) / statistics.median(raw), 3),
        "api_cpu_ms_per_read": round(api_cpu * 1000, 3),
        "api_cpu_vs_raw_p50": round(api_cpu / statistics.median(raw), 3),
    }


async def one_server(
    args: argparse.Namespace,
    settings: Settings,
    target: Neo4jTarget,
    tree: Path | None,
    identities: list[tuple[str, str]],
    prefix: str,
) -> dict[str, Any]:
    port = free_port()
    server = start_server(target, port, tree=tree)
    try:
        async with await admin_client(target, settings, port) as http:
            rng = random.Random(1)  # noqa: S311 - load pattern, not a secret
            read = context_reader(http, identities, rng)
            await closed_loop(32, args.warmup, read)  # warm: this process and its plans
            await closed_loop(1, args.warmup / 2, read)
            meter = CpuMeter(psutil.Process(server.pid), listening_process(target.uri))
            row = await interleaved(http, target, settings, identities, meter, args.duration)
            before = meter.sample()
            many = (await closed_loop(32, args.duration, read)).row("context", 32)
            spent = meter.per_request(before, many["requests"])
            row |= {
                "context32_per_s": many["per_second"],
                "context32_api_cpu_ms": spent["cpu_ms_api"],
            }

            async def recall(n: int) -> None:
                channel, external = rng.choice(identities)
                await post(http, RECALL, {"c": channel, "e": external})

            await closed_loop(1, 1.0, recall)
            row["recall_p50_ms"] = (await closed_loop(1, args.duration, recall)).row("r", 1)[
                "p50_ms"
            ]
            batch = await ingest_batch(http, args.users, MESSAGES, f"{prefix}i")
            row["ingest_events_per_s"] = batch["per_second"]
        row["api_rss_mb"] = rss_mb(server.pid)
        return row
    finally:
        server.terminate()
        server.wait(timeout=30)


async def run(
    args: argparse.Namespace, settings: Settings, target: Neo4jTarget
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    prefix = f"ab{int(time.time())}"
    with tempfile.TemporaryDirectory(prefix="threadline-ab-") as folder:
        baseline = export(args.baseline, Path(folder))
        port = free_port()
        loader = start_server(target, port)
        try:
            async with await admin_client(target, settings, port) as http:
                await ingest_batch(http, args.users, MESSAGES, prefix)
        finally:
            loader.terminate()
            loader.wait(timeout=30)
        identities = identities_of(args.users, MESSAGES, prefix)
        for round_ in range(args.rounds):
            for label, tree in ((args.baseline, baseline), ("this tree", None)):
                row = await one_server(
                    args, settings, target, tree, identities, f"{prefix}r{round_}{tree is None}"
                )
                rows.append({"server": label, "round": round_} | row)
                print(rows[-1], flush=True)
    return rows


COLUMNS = (
    ("context p50 ms (1 client)", "context_p50_ms"),
    ("store's context read p50 ms (same loop)", "store_read_p50_ms"),
    ("minimal raw read p50 ms (same loop)", "raw_p50_ms"),
    ("context / store's read p50", "context_vs_store_read"),
    ("context / raw read p50", "context_vs_raw"),
    ("API CPU ms per read", "api_cpu_ms_per_read"),
    ("API CPU / raw read p50", "api_cpu_vs_raw_p50"),
    ("reads/s at 32 clients", "context32_per_s"),
    ("API CPU ms per read at 32", "context32_api_cpu_ms"),
    ("recall p50 ms", "recall_p50_ms"),
    ("ingest events/s", "ingest_events_per_s"),
    ("API RSS MB", "api_rss_mb"),
)


def report(rows: list[dict[str, Any]], baseline: str) -> None:
    medians = {
        server: {
            key: statistics.median(r[key] for r in rows if r["server"] == server)
            for _, key in COLUMNS
        }
        for server in (baseline, "this tree")
    }
    rounds = max(r["round"] for r in rows) + 1
    print(f"\n| median of {rounds} rounds | {baseline} | this tree | this / {baseline} |")
    print("|---|---|---|---|")
    for title, key in COLUMNS:
        old, new = medians[baseline][key], medians["this tree"][key]
        print(f"| {title} | {old:g} | {new:g} | {new / old:.2f}x |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="b2501c1", help="the commit to compare with")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--users", type=int, default=200, help="preloaded, 20 messages each")
    parser.add_argument("--duration", type=float, default=6.0, help="seconds per measurement")
    parser.add_argument("--warmup", type=float, default=8.0, help="seconds per server first")
    args = parser.parse_args()
    settings = Settings()
    with provision(settings) as target:
        rows = asyncio.run(run(args, settings, target))
    report(rows, args.baseline)
    write_results("ab.json", rows, **vars(args))


if __name__ == "__main__":
    main()
