"""API benchmarks against a real Neo4j and the real server (a separate process), loopback only.

    .venv/bin/python -m bench.api [--users 300] [--messages 20] [--duration 8] [--warmup 120]
                                  [--workers 1]

The load generator is this process (asyncio + aiohttp, whose client costs ~0.2 ms of CPU per
request here; httpx cost ~1.9 ms, a large share of the 2 cores the server and Neo4j share).

Scenarios (each printed as a table row and written to bench/results/api.json):
  ingest-batch     events/s through POST /graphql, batches of 100, rule-based enrichment on
  ingest-single    one event per request at 16 concurrent clients: req/s, p50/p95/p99
  context-read     context(lastMessages: 20) for random users at 1, 8 and 32 clients (closed loop)
  context-brief    the same read with the handoff brief (`brief { … text }`) at 1 client, right
                   after context-read at 1 client: the brief's cost is the ratio of the two p50s
  context-open     the same reads started at 100, 200 and 300 per second by up to 32 clients
                   (open loop: latency at a given load, measured from each scheduled start)
  baseline-driver  the same context reads issued in-process with the neo4j driver (no HTTP, no
                   GraphQL): the API's overhead is the ratio of the two p50s
  memory           the API process's resident memory after the run (the largest worker's)
Each row also has the CPU milliseconds per request (per 100-event request for ingest-batch) of
the API processes, Neo4j (when it runs on this machine) and this load generator (bench/cpu.py).
With --embeddings MODEL (e.g. e5-small-v2): only ingest-batch, embeddings off and on, alternated
twice (the ratio of the best of each); with the model, how many of the run's messages still
waited for their embedding when the last batch was answered and how long until all were
embedded; the API's resident memory with the model loaded.
With --statistical: only ingest-batch, the server enriching with spaCy's statistical model (its
own figure; the targets assume rule-based enrichment).
Neo4j comes from NEO4J_URI or is provisioned like the tests do (graph.local.provision).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import sys
import time
from collections.abc import Awaitable, Iterator
from typing import Any

import aiohttp
import orjson
import psutil

from bench.cpu import CpuMeter, listening_process
from bench.load import Call, closed_loop, open_loop
from bench.output import write_results
from bench.server import admin_client, api_pids, connect, rss_mb, start_server
from bench.workload import conversation
from graph.config import Settings
from graph.local.neo4j_server import free_port
from graph.local.provision import Neo4jTarget, provision
from graph.local.redis_server import local_redis
from graph.pipeline.enrich import enricher_for
from graph.store.context import ContextSelector, get_context

OPEN_LOOP_RATES = (100, 200, 300)  # context reads offered per second, by up to 32 clients
INGEST = (
    "mutation($events: [EventInput!]!) { ingestEvents(events: $events) "
    "{ accepted results { sessionId seq } } }"
)
CONTEXT = (
    "query($c: String!, $e: String!) { context(channel: $c, externalUserId: $e, lastMessages: 20) "
    "{ session { id seq channels } messages { seq channel role text at sentiment } "
    "entities { key mentions } sentiment } }"
)
CONTEXT_BRIEF = CONTEXT.removesuffix("} }") + (
    "brief { issue { intent message { seq } } openQuestions { seq text } entities { key } "
    "stepsTaken { seq } keyTurns { seq } channelPath trend slope text(maxChars: 1000) } } }"
)


async def post(
    http: aiohttp.ClientSession, query: str, variables: dict[str, Any]
) -> dict[str, Any]:
    payload = orjson.dumps({"query": query, "variables": variables})
    async with http.post("/graphql", data=payload) as response:
        body: dict[str, Any] = orjson.loads(await response.read())
        if response.status != 200 or body.get("errors"):
            raise RuntimeError(f"API error: {response.status} {body}")
    return body["data"]  # type: ignore[no-any-return]


async def ingest_batch(
    http: aiohttp.ClientSession,
    users: int,
    length: int,
    prefix: str,
    attributes_every: int = 0,
    threads: bool = False,
) -> dict[str, Any]:
    """Preload the store through the API in batches of 100 (4 concurrent posters, each sending
    its next batch as soon as the last one is answered) and time it."""
    start_ms = int(time.time() * 1000) - 86_400_000
    talks = {
        u: conversation(u, length, prefix, start_ms + u, attributes_every, threads)
        for u in range(users)
    }
    first = [e for u in range(users) for e in talks[u] if "sessionId" not in e]
    second = [e for u in range(users) for e in talks[u] if "sessionId" in e]
    sessions: dict[str, str] = {}
    began = time.perf_counter()

    async def send(events: list[dict[str, Any]]) -> None:
        data = await post(http, INGEST, {"events": events})
        for event, result in zip(events, data["ingestEvents"]["results"], strict=True):
            sessions[str(event["eventId"]).rsplit("-m", 1)[0]] = result["sessionId"]

    async def poster(batches: Iterator[list[dict[str, Any]]]) -> None:
        for batch in batches:  # shared: each poster sends the next batch once its last is answered
            await send(batch)

    for phase in (first, second):
        for event in phase:
            if "sessionId" in event:
                event["sessionId"] = sessions[str(event["eventId"]).rsplit("-m", 1)[0]]
        batches = iter([phase[i : i + 100] for i in range(0, len(phase), 100)])
        await asyncio.gather(*(poster(batches) for _ in range(4)))
    elapsed = time.perf_counter() - began
    total = len(first) + len(second)
    return {
        "scenario": "ingest-batch",
        "clients": 4,
        "requests": -(-total // 100),
        "events": total,
        "per_second": round(total / elapsed, 1),
    }


def identities_of(users: int, length: int, prefix: str) -> list[tuple[str, str]]:
    """The (channel, externalUserId) each generated user starts on."""
    return [
        (str(e["channel"]), str(e["externalUserId"]))
        for u in range(users)
        for e in conversation(u, length, prefix, 0)[:1]
    ]


def single_event_poster(
    http: aiohttp.ClientSession, identities: list[tuple[str, str]], prefix: str, rng: random.Random
) -> Call:
    """One event per request, from a random known user (the ingest-single scenario)."""

    async def single(n: int) -> None:
        channel, external = rng.choice(identities)
        event = {
            "eventId": f"{prefix}-single-{n}",
            "channel": channel,
            "externalUserId": external,
            "text": "any update on my order?",
        }
        await post(http, INGEST, {"events": [event]})

    return single


def context_reader(
    http: aiohttp.ClientSession,
    identities: list[tuple[str, str]],
    rng: random.Random,
    query: str = CONTEXT,
) -> Call:
    """context(lastMessages: 20) of a random known user (the context-read scenario); with
    CONTEXT_BRIEF, with its brief."""

    async def read(n: int) -> None:
        channel, external = rng.choice(identities)
        await post(http, query, {"c": channel, "e": external})

    return read


async def warm_up(http: aiohttp.ClientSession, prefix: str, seconds: float) -> None:
    """Run every measured scenario on throw-away users for about `seconds`, unmeasured: a young
    JVM needs minutes of the same work (each code path, at the same concurrency) to compile it."""
    deadline = time.perf_counter() + seconds
    rng = random.Random(2)  # noqa: S311 - load pattern, not a secret
    round_ = 0
    while time.perf_counter() < deadline:
        warm = f"{prefix}warm{round_}"
        await ingest_batch(http, 150, 20, warm)  # ~3,000 events: as long as the other two
        identities = identities_of(150, 20, warm)
        await closed_loop(16, 3, single_event_poster(http, identities, warm, rng))
        await closed_loop(32, 3, context_reader(http, identities, rng))
        await closed_loop(1, 2, context_reader(http, identities, rng, CONTEXT_BRIEF))
        round_ += 1


async def ingest_with_embeddings(
    args: argparse.Namespace, settings: Settings, target: Neo4jTarget
) -> list[dict[str, Any]]:
    """ingest-batch with rule-based enrichment, embeddings off then on (two servers, one after
    the other, each warmed up), and each server's resident memory after it."""
    rows = []
    # alternated, twice: the first server also warms Neo4j up for the ones after it
    for embeddings in ("off", args.embeddings, "off", args.embeddings):
        port = free_port()
        server = start_server(target, port, "rules", embeddings=embeddings)
        prefix = f"emb{embeddings}{int(time.time())}"
        try:
            async with await admin_client(target, settings, port) as http:
                deadline, round_ = time.perf_counter() + args.warmup, 0
                while time.perf_counter() < deadline:
                    await ingest_batch(http, 50, 10, f"{prefix}warm{round_}")
                    round_ += 1
                row = await ingest_batch(http, args.users, args.messages, prefix)
            row |= {"scenario": f"ingest-batch-embeddings-{embeddings}"}
            if embeddings != "off":
                row |= await embedding_lag(target, settings, prefix)
            row["api_rss_mb"] = rss_mb(server.pid)
            rows.append(row)
        finally:
            server.terminate()
            server.wait(timeout=30)
    off = max(r["per_second"] for r in rows[0::2])
    on = max(r["per_second"] for r in rows[1::2])
    for row in rows[1::2]:
        row["vs_off"] = round(on / off, 3)  # best of two against best of two
    return rows


def print_ingest(rows: list[dict[str, Any]]) -> None:
    """The rows of `ingest_with_embeddings`, one line each, then the on/off ratio."""
    for row in rows:
        lag = (
            f"  {row['embedding_backlog_at_end']} of {row['embedding_backlog_of']} not yet "
            f"embedded when ingest ended, all within {row['embedded_within_s']} s"
            if "embedding_backlog_of" in row
            else ""
        )
        print(
            f"{row['scenario']:<34} {row['per_second']:>8} events/s  "
            f"API RSS {row['api_rss_mb']} MB{lag}",
            flush=True,
        )
    print(f"embeddings on / off (best of two each): {rows[1]['vs_off']}", flush=True)


async def embedding_lag(
    target: Neo4jTarget, settings: Settings, prefix: str, limit: float = 600
) -> dict[str, Any]:
    """How many of the run's messages were still waiting for their embedding when the last
    batch was answered, and how long the API took to embed them all after ingest stopped."""
    db = connect(target, settings)
    query = (
        "MATCH (m:Message) WHERE m.eventId STARTS WITH $prefix AND m.text IS NOT NULL "
        "RETURN count(m) AS total, count(m.embedding) AS embedded"
    )

    async def counts() -> tuple[int, int]:
        records, _, _ = await db.driver.execute_query(query, prefix=prefix, database_=db.name)
        return records[0]["total"], records[0]["embedded"]

    began = time.perf_counter()
    try:
        total, embedded = await counts()
        waiting = total - embedded
        while embedded < total and time.perf_counter() - began < limit:
            await asyncio.sleep(0.5)
            total, embedded = await counts()
    finally:
        await db.close()
    return {
        "embedding_backlog_at_end": waiting,
        "embedding_backlog_of": total,
        "embedded_within_s": round(time.perf_counter() - began, 1) if embedded == total else None,
    }


async def statistical_ingest(
    http: aiohttp.ClientSession, args: argparse.Namespace, prefix: str
) -> dict[str, Any]:
    """ingest-batch with the server enriching by spaCy's statistical model, after a warm-up."""
    deadline, round_ = time.perf_counter() + args.warmup, 0
    while time.perf_counter() < deadline:
        await ingest_batch(http, 50, 10, f"{prefix}warm{round_}")
        round_ += 1
    row = await ingest_batch(http, args.users // 3, args.messages, prefix)
    return row | {"scenario": "ingest-batch-statistical"}


async def run(
    args: argparse.Namespace, settings: Settings, target: Neo4jTarget, live_url: str | None
) -> list[dict[str, Any]]:
    port = free_port()
    server = start_server(
        target, port, "auto" if args.statistical else "rules", args.workers, live_url
    )
    rows: list[dict[str, Any]] = []
    prefix = f"bench{int(time.time())}"
    try:
        async with await admin_client(target, settings, port) as http:
            if args.statistical:  # its own figure: batch ingest with spaCy's statistical NER
                return [await statistical_ingest(http, args, prefix)]
            if args.warmup:  # a freshly started JVM runs Cypher far slower until it has compiled it
                await warm_up(http, prefix, args.warmup)
            meter = CpuMeter(psutil.Process(server.pid), listening_process(target.uri))

            async def metered(measure: Awaitable[dict[str, Any]]) -> None:
                before = meter.sample()
                row = await measure
                rows.append(row | meter.per_request(before, row["requests"]))

            async def closed(clients: int, call: Call, name: str) -> dict[str, Any]:
                return (await closed_loop(clients, args.duration, call)).row(name, clients)

            async def opened(rate: int, call: Call) -> dict[str, Any]:
                measured = await open_loop(32, rate, args.duration, call)
                return measured.row("context-open", 32) | {"offered_per_second": rate}

            await metered(ingest_batch(http, args.users, args.messages, prefix))
            rng = random.Random(1)  # noqa: S311 - load pattern, not a secret
            identities = identities_of(args.users, args.messages, prefix)
            single = single_event_poster(http, identities, prefix, rng)
            await metered(closed(16, single, "ingest-single"))
            read = context_reader(http, identities, rng)
            with_brief = context_reader(http, identities, rng, CONTEXT_BRIEF)
            for clients in (1, 8, 32):
                await metered(closed(clients, read, "context-read"))
                if clients == 1:
                    await metered(closed(1, with_brief, "context-brief"))
            for rate in OPEN_LOOP_RATES:  # latency at a given load rather than at saturation
                await metered(opened(rate, read))
        db = connect(target, settings)
        try:

            async def direct(n: int) -> None:
                channel, external = rng.choice(identities)
                await get_context(
                    db, ContextSelector(channel=channel, external_user_id=external), 20
                )

            for clients in (1, 32):
                await metered(closed(clients, direct, "baseline-driver"))
        finally:
            await db.close()
        rss = [rss_mb(pid) for pid in api_pids(server.pid)]
        rows.append({"scenario": "memory", "rss_mb": max(rss), "processes": len(rss)})
    finally:
        server.terminate()
        server.wait(timeout=30)
    return rows


def _cpu(row: dict[str, Any]) -> str:
    return " ".join(
        f"{row[f'cpu_ms_{name}']:.2f}" if f"cpu_ms_{name}" in row else "-"
        for name in ("api", "neo4j", "client")
    )


def report(rows: list[dict[str, Any]]) -> None:
    print(
        f"{'scenario':<24} {'clients':>7} {'requests':>8} {'per s':>9} {'p50 ms':>7} "
        f"{'p95 ms':>7} {'p99 ms':>7}  CPU ms/request: api neo4j client"
    )
    for row in rows:
        if row["scenario"] == "memory":
            print(
                f"{'memory':<24} API process RSS {row['rss_mb']} MB (largest of {row['processes']})"
            )
            continue
        name = row["scenario"] + (
            f"@{row['offered_per_second']}" if "offered_per_second" in row else ""
        )
        print(
            f"{name:<24} {row['clients']:>7} {row['requests']:>8} "
            f"{row['per_second']:>9} {row.get('p50_ms', ''):>7} {row.get('p95_ms', ''):>7} "
            f"{row.get('p99_ms', ''):>7}  {_cpu(row)}"
        )
    api = next((r for r in rows if r["scenario"] == "context-read" and r["clients"] == 1), None)
    base = next((r for r in rows if r["scenario"] == "baseline-driver" and r["clients"] == 1), None)
    if api and base:
        print(
            f"API overhead (context p50 at 1 client / driver p50): "
            f"{api['p50_ms'] / base['p50_ms']:.2f}x"
        )
    brief = next((r for r in rows if r["scenario"] == "context-brief"), None)
    if api and brief:
        print(
            f"Brief cost (context {{ brief }} p50 / context p50, 1 client): "
            f"{brief['p50_ms'] / api['p50_ms']:.2f}x (target <= 1.5x)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--messages", type=int, default=20, help="per user")
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per scenario")
    parser.add_argument(
        "--warmup", type=float, default=120.0, help="unmeasured seconds first (0: a cold server)"
    )
    parser.add_argument(
        "--statistical",
        action="store_true",
        help="only ingest-batch, enriched by the statistical model (en_core_web_sm); results in "
        "api-statistical.json",
    )
    parser.add_argument(
        "--embeddings",
        default=None,
        metavar="MODEL",
        help="only ingest-batch, with embeddings off and then on (MODEL, e.g. e5-small-v2), the "
        "embedding lag, and the API's memory with the model loaded; results in "
        "api-embeddings.json",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="API worker processes (serve --workers; more than 1 runs a local Redis for live "
        "events, as a multi-process deployment needs)",
    )
    args = parser.parse_args()
    settings = Settings()
    if args.statistical and not getattr(
        enricher_for(settings.model_copy(update={"spacy_model": "auto"})), "statistical", False
    ):
        sys.exit("--statistical needs a spaCy model installed (pip install -e '.[ner]')")
    if args.embeddings:
        with provision(settings) as target:
            rows = asyncio.run(ingest_with_embeddings(args, settings, target))
        print_ingest(rows)
        write_results("api-embeddings.json", rows, **vars(args))
        return
    with provision(settings) as target, contextlib.ExitStack() as stack:
        live_url = stack.enter_context(local_redis()) if args.workers > 1 else None
        rows = asyncio.run(run(args, settings, target, live_url))
    report(rows)
    name = "api-statistical.json" if args.statistical else "api.json"
    if args.workers > 1:
        name = name.replace(".json", f"-{args.workers}-workers.json")
    write_results(name, rows, **vars(args))


if __name__ == "__main__":
    main()
