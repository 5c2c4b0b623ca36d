"""Recall latency as one person's history grows: 600, 10k and 50k turns in a store of 1M
messages, through the API with embeddings on.

    .venv/bin/python -m bench.recall_scale [--histories 600,10000,50000] [--store 1000000]
                                           [--duration 10]

Three people are bulk-loaded with histories of those sizes (sessions of 20 turns cycling through
the synthetic support corpus of bench/recall_corpus.py, each turn with its rule-based entities
and its e5-small-v2 embedding computed in context, as the API stores them), then other people's
filler sessions (bench/recall_bulk_load.cypher) until the store holds `--store` messages, then
every session's recall blocks (graph/store/recall_blocks.py, as the embedding worker keeps them). A
real server (`threadline serve`, its own process, embeddings on) answers the corpus's questions
about each person at 1 client (closed loop, after a warm-up): p50/p95/p99 per history size, and
the server's resident memory. A history longer than recall's window (MAX_HISTORY, the newest
messages) is ranked over that window. Neo4j: heap 1 GB, page cache 2 GB. Writes
bench/results/recall-scale.json.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from bench.load import closed_loop
from bench.output import write_results
from bench.recall import bulk_load, count_messages, refresh_fulltext, roomy_settings
from bench.recall_corpus import generate
from bench.server import admin_client, connect, rss_mb, start_server
from enrichment.embedders import load_embedder
from enrichment.embeddings import in_context, to_stored
from enrichment.pipeline import EnrichmentConfig, build_enricher
from graph.config import Settings
from graph.local.neo4j_server import free_port
from graph.local.provision import Neo4jTarget, provision
from graph.recall.history import MAX_HISTORY
from graph.store.database import Database
from graph.store.recall_blocks import build_blocks
from graph.store.schema import migrate

PER_SESSION = 20
MODEL = "e5-small-v2"
PERSON = (Path(__file__).resolve().parent / "recall_person_load.cypher").read_text()
RECALL = (
    "query($c: String!, $e: String!, $q: String!) { recall(channel: $c, externalUserId: $e, "
    "query: $q, limit: 10) { hits { score signals message { id seq channel role text at } } } }"
)


def corpus(settings: Settings) -> tuple[list[str], list[bytes], list[list[str]], list[str]]:
    """Turn texts of two synthetic people, their entity keys, their embeddings in context (each
    after the turn before it), and the questions asked about them."""
    people = generate(2, turns=600)
    turns = [t for p in people for c in p.conversations for t in c]
    texts = [t.text for t in turns]
    enricher = build_enricher(EnrichmentConfig(model="rules"))
    said = [t.at for t in turns]
    keys = [sorted({m.key for m in a.mentions}) for a in enricher.enrich(texts, said)]
    embedder = load_embedder(MODEL, settings.model_folder())
    if embedder is None:
        raise SystemExit(f"{MODEL} did not load")
    passages = [
        in_context(turn.text, conversation[n - 1].text if n else None)
        for p in people
        for conversation in p.conversations
        for n, turn in enumerate(conversation)
    ]
    vectors = to_stored(embedder.embed(passages))
    questions = [q.text for p in people for q in p.questions]
    return texts, vectors, keys, questions


async def load_person(
    db: Database, prefix: str, turns: int, pool: tuple[list[str], list[bytes], list[list[str]]]
) -> float:
    texts, vectors, keys = pool
    began = time.perf_counter()
    async with db.driver.session(database=db.name) as session:
        result = await session.run(
            PERSON,
            {
                "prefix": prefix,
                "sessions": turns // PER_SESSION,
                "perSession": PER_SESSION,
                "texts": texts,
                "embeddings": vectors,
                "entityKeys": keys,
                "model": MODEL,
            },
        )
        await result.consume()
    return time.perf_counter() - began


async def latency(
    http: aiohttp.ClientSession, prefix: str, questions: list[str], duration: float
) -> dict[str, Any]:

    async def ask(n: int) -> None:
        variables = {"c": "web", "e": prefix, "q": questions[n % len(questions)]}
        payload = orjson.dumps({"query": RECALL, "variables": variables})
        async with http.post("/graphql", data=payload) as response:
            body = orjson.loads(await response.read())
            if response.status != 200 or body.get("errors"):
                raise RuntimeError(f"API error: {response.status} {body}")

    await closed_loop(1, min(duration, 10.0), ask)  # warm-up: plans, caches
    return (await closed_loop(1, duration, ask)).row("recall", 1)


async def run(args: argparse.Namespace, settings: Settings, target: Neo4jTarget) -> dict[str, Any]:
    texts, vectors, keys, questions = corpus(settings)
    db = connect(target, settings)
    prefix = f"rs{int(time.time())}"
    out: dict[str, Any] = {"histories": [], "max_history": MAX_HISTORY}
    try:
        await migrate(db)
        for turns in args.histories:
            seconds = await load_person(db, f"{prefix}-{turns}", turns, (texts, vectors, keys))
            print(f"loaded a person with {turns} turns in {seconds:.1f} s", flush=True)
        stored = await count_messages(db)
        if stored < args.store:
            sessions = -(-(args.store - stored) // PER_SESSION)
            seconds = await bulk_load(db, f"{prefix}-f", 0, sessions)
            print(f"loaded {sessions * PER_SESSION} filler messages in {seconds:.1f} s", flush=True)
        began = time.perf_counter()
        blocks = await build_blocks(db, MODEL)  # what the embedding worker keeps up to date
        print(f"built {blocks} recall blocks in {time.perf_counter() - began:.1f} s", flush=True)
        await refresh_fulltext(db)
        out["stored_messages"] = await count_messages(db)
        port = free_port()
        server = start_server(target, port, "rules", embeddings=MODEL)
        try:
            async with await admin_client(target, settings, port) as http:
                for turns in args.histories:
                    row = await latency(http, f"{prefix}-{turns}", questions, args.duration)
                    row |= {"history_turns": turns, "stored_messages": out["stored_messages"]}
                    out["histories"].append(row)
                    print(
                        f"history {turns:>6} turns, {out['stored_messages']} stored: "
                        f"p50 {row['p50_ms']} ms  p95 {row['p95_ms']} ms  "
                        f"p99 {row['p99_ms']} ms",
                        flush=True,
                    )
            out["api_rss_mb"] = rss_mb(server.pid)
            print(f"API RSS {out['api_rss_mb']} MB", flush=True)
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        await db.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--histories", default="600,10000,50000", help="turns per person")
    parser.add_argument("--store", type=int, default=1_000_000, help="stored messages in all")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per history size")
    args = parser.parse_args()
    args.histories = sorted(int(s) for s in args.histories.split(",") if s.strip())
    settings = roomy_settings()
    with provision(settings) as target:
        out = asyncio.run(run(args, settings, target))
    write_results("recall-scale.json", [out], **vars(args))


if __name__ == "__main__":
    main()
