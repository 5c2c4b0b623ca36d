"""Recall benchmark: quality (recall@5/10/20 of known evidence) beside a plain BM25 baseline in
the same run, and `recall` latency through the API as the store grows.

    .venv/bin/python -m bench.recall [--people 40] [--sizes 100000,1000000]
                                     [--duration 10] [--embeddings off|wordllama]

1. Quality. A generated corpus (bench/recall_corpus.py: ~600 turns per person in 30 sessions
   over five channels, eight question types with known evidence) is ingested through the write
   path (rule-based enrichment, identities linked across channels). Each question is answered by
   - `recall` (graph.recall.search, the API's own code, in-process): the full fusion and, as
     ablations, keywords only and keywords plus each signal;
   - BM25 (`bm25s`, Lucene-style BM25, English stop words, no stemming) over the same person's
     messages: the plain baseline;
   - the last 10 messages (what `context` gives).
   recall@k = the share of a question's evidence messages among the first k, averaged.
2. Latency. The API runs as its own process; `recall(userId, query, limit: 10)` for the corpus'
   questions at 1 and 8 concurrent clients (closed loop), then again after bulk-loading other
   people's messages up to each size (the cost must not grow with other users' data).
Writes bench/results/recall.json. Neo4j comes from NEO4J_URI or is provisioned.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import bm25s  # type: ignore[import-untyped]
import orjson

from bench.load import closed_loop
from bench.output import write_results
from bench.recall_corpus import AGENT_FILLER, USER_FILLER, Person, generate
from bench.server import connect, rss_mb, start_server, wait_ready
from enrichment.embedders import load_embedder
from enrichment.embeddings import Embedder
from enrichment.pipeline import EnrichmentConfig, build_enricher
from graph.compliance.credentials import create_key
from graph.config import Settings
from graph.domain.callers import CallerRole
from graph.domain.events import EventInput, Speaker
from graph.domain.recall import Weights
from graph.local.neo4j_server import free_port
from graph.local.provision import Neo4jTarget, provision
from graph.pipeline.ingest import ingest_events
from graph.pipeline.reenrich import embed_messages
from graph.recall.question import understand, with_named_speaker
from graph.recall.request import RecallRequest
from graph.recall.search import answer, gather, scope
from graph.store.context import ContextSelector
from graph.store.database import Database
from graph.store.schema import migrate
from graph.store.sessions import close_session
from graph.store.users import link_identity

KS = (5, 10, 20)
PER_SESSION = 20
RECALL = (
    "query($u: ID!, $q: String!) { recall(userId: $u, query: $q, limit: 10) "
    "{ hits { score signals message { id seq channel role text at } } } }"
)
# Bench fixture, not a query of the service: it lives beside the bench, not in cypher/.
BULK = (Path(__file__).resolve().parent / "recall_bulk_load.cypher").read_text()
OFF = Weights(
    keyword=0, entity=0, entity_hop=0, entity_type=0, intent=0, vector=0, date=0, other_time=1,
    speaker=0, latest=0, neighbour=0, session=0, recency=0,
)  # fmt: skip
VARIANTS: dict[str, Weights] = {
    "keywords only": replace(OFF, keyword=1.0),
    "+ entities": replace(OFF, keyword=1.0, entity=1.0, entity_hop=0.3, entity_type=0.3),
    "+ intents": replace(OFF, keyword=1.0, intent=0.3),
    "+ time": replace(OFF, keyword=1.0, date=0.5, other_time=0.7),
    "+ structure": replace(
        Weights(), entity=0, entity_hop=0, entity_type=0, intent=0, vector=0, date=0, other_time=1
    ),  # neighbour, session, recency, speaker, latest
    "recall (all signals)": Weights(),
}


async def load_people(
    db: Database, people: list[Person], embedder: Embedder | None
) -> tuple[dict[str, str], dict[str, str], float]:
    """Ingest every conversation (one session each, closed after); returns the user id per
    person, the message id per event id, and the ingest rate (messages/s)."""
    enricher = build_enricher(EnrichmentConfig(model="rules"))
    users: dict[str, str] = {}
    messages: dict[str, str] = {}
    count, began = 0, time.perf_counter()
    if not people:
        return users, messages, 0.0
    for person in people:
        for n, conversation in enumerate(person.conversations):
            events = [
                EventInput(
                    t.event_id,
                    t.channel,
                    f"{person.key}-{t.channel}",
                    role=Speaker(t.role),
                    text=t.text,
                    occurred_at=t.at,
                )
                for t in conversation
            ]
            if n == 0:  # the person's first words, then every other channel linked to them
                first = await ingest_events(db, events[:1], enricher)
                users[person.key] = str(first.results[0].user_id)
                for channel in {"web", "mobile", "whatsapp", "sms", "email"} - {events[0].channel}:
                    await link_identity(db, users[person.key], channel, f"{person.key}-{channel}")
            result = await ingest_events(db, events, enricher)
            for event, written in zip(events, result.results, strict=True):
                if written.message_id:
                    messages[event.event_id] = written.message_id
            await close_session(db, result.results[0].session_id, None)
            count += len(events)
    if embedder is not None:  # as the API's worker does after each commit, in context
        await embed_messages(db, embedder, list(messages.values()))
    return users, messages, count / (time.perf_counter() - began)


def _recall_at(found: list[str], evidence: list[str]) -> dict[int, float]:
    return {k: len(set(found[:k]) & set(evidence)) / len(evidence) for k in KS}


class Scores:
    """recall@k per method and question type."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, list[dict[int, float]]]] = defaultdict(
            lambda: defaultdict(list)
        )

    def add(self, method: str, kind: str, found: list[str], evidence: list[str]) -> None:
        self.rows[method][kind].append(_recall_at(found, evidence))

    def table(self) -> list[dict[str, Any]]:
        out = []
        for method, kinds in self.rows.items():
            every = [r for rs in kinds.values() for r in rs]
            row: dict[str, Any] = {"method": method, "questions": len(every)}
            for k in KS:
                row[f"recall@{k}"] = round(100 * sum(r[k] for r in every) / len(every), 1)
            for kind, rs in sorted(kinds.items()):
                row[f"{kind}@10"] = round(100 * sum(r[10] for r in rs) / len(rs), 1)
            out.append(row)
        return out


def _bm25_rankings(person: Person, messages: dict[str, str]) -> dict[str, list[str]]:
    """BM25 over the person's messages: message ids per question, best first."""
    turns = [t for c in person.conversations for t in c if t.event_id in messages]
    corpus = bm25s.tokenize([t.text for t in turns], stopwords="en", show_progress=False)
    index = bm25s.BM25()
    index.index(corpus, show_progress=False)
    found = {}
    for q in person.questions:
        tokens = bm25s.tokenize([q.text], stopwords="en", show_progress=False)
        ids, _ = index.retrieve(tokens, k=min(max(KS), len(turns)), show_progress=False)
        found[q.text] = [messages[turns[i].event_id] for i in ids[0]]
    return found


async def quality(
    db: Database,
    people: list[Person],
    users: dict[str, str],
    messages: dict[str, str],
    embedder: Embedder | None,
) -> list[dict[str, Any]]:
    scores = Scores()
    enricher = build_enricher(EnrichmentConfig(model="rules"))
    variants = dict(VARIANTS)
    if embedder is not None:
        variants["+ vectors"] = replace(OFF, keyword=1.0, vector=0.2)
    for person in people:
        selector = ContextSelector(user_id=users[person.key])
        bm25 = _bm25_rankings(person, messages)
        last = [messages[t.event_id] for c in person.conversations for t in c][-10:]
        for q in person.questions:
            evidence = [messages[e] for e in q.evidence]
            question = await understand(q.text, q.asked_at, enricher, embedder)
            request = RecallRequest(q.text, limit=max(KS))
            in_scope = await scope(db, selector)
            question = with_named_speaker(question, in_scope.user_names, in_scope.agent_names)
            gathered = await gather(db, in_scope.session_ids, request, question)
            for name, weights in variants.items():  # one question, ranked by each variant
                found = await answer(db, gathered, request, question, q.asked_at, weights)
                scores.add(name, q.kind, [h.message.id for h in found.hits], evidence)
            scores.add("BM25 (bm25s)", q.kind, bm25[q.text], evidence)
            scores.add("last 10 messages", q.kind, last, evidence)
    return scores.table()


async def bulk_load(db: Database, prefix: str, sessions_from: int, sessions_to: int) -> float:
    """Other people's sessions of 20 filler messages, until the store holds the next size."""
    rng = random.Random(5)  # noqa: S311 - filler, not a secret
    texts = [
        line.format(oid=f"Z-{rng.randrange(10**5)}", trk="1Z" + "0" * 16, product="kettle")
        for line in USER_FILLER + AGENT_FILLER
    ]
    began = time.perf_counter()
    async with db.driver.session(database=db.name) as session:
        result = await session.run(
            BULK,
            {
                "prefix": prefix,
                "perSession": PER_SESSION,
                "from": sessions_from,
                "to": sessions_to,
                "texts": texts,
            },
        )
        await result.consume()
        refresh = await session.run(
            "CALL db.index.fulltext.awaitEventuallyConsistentIndexRefresh()"
        )
        await refresh.consume()
    return time.perf_counter() - began


async def latency(
    base: str, token: str, asks: list[tuple[str, str]], duration: float
) -> list[dict[str, Any]]:
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    rows = []
    async with aiohttp.ClientSession(base_url=base, headers=headers) as http:

        async def ask(n: int) -> None:
            user, question = asks[n % len(asks)]
            payload = orjson.dumps({"query": RECALL, "variables": {"u": user, "q": question}})
            async with http.post("/graphql", data=payload) as response:
                body = orjson.loads(await response.read())
                if response.status != 200 or body.get("errors"):
                    raise RuntimeError(f"API error: {response.status} {body}")

        await closed_loop(2, min(duration * 2, 20.0), ask)  # warm-up: JIT, plans, caches
        for clients in (1, 8):
            rows.append((await closed_loop(clients, duration, ask)).row("recall", clients))
    return rows


async def count_messages(db: Database) -> int:
    records, _, _ = await db.driver.execute_query(
        "MATCH (m:Message) RETURN count(m) AS n", database_=db.name
    )
    return int(records[0]["n"])


async def measure(
    db: Database, base: str, token: str, asks: list[tuple[str, str]], duration: float
) -> list[dict[str, Any]]:
    stored = await count_messages(db)
    rows = await latency(base, token, asks, duration)
    for row in rows:
        row["stored_messages"] = stored
        print(
            f"{stored:>9} stored  recall x{row['clients']:<2} {row['per_second']:>7}/s"
            f"  p50 {row['p50_ms']:>6} ms  p95 {row['p95_ms']:>6} ms  p99 {row['p99_ms']:>6} ms",
            flush=True,
        )
    return rows


async def run(args: argparse.Namespace, settings: Settings, target: Neo4jTarget) -> dict[str, Any]:
    """Latency at the first people's histories (~10k messages), quality over all of them, then
    latency again as other people's messages are bulk-loaded up to each size."""
    db = connect(target, settings)
    embedder = load_embedder(args.embeddings, settings.model_folder())
    out: dict[str, Any] = {"latency": []}
    people = generate(args.people, seed=args.seed)
    first = people[: args.latency_people] if not args.quality_only else []
    server = None
    try:
        await migrate(db)
        users, messages, rate = await load_people(db, first, embedder)
        await refresh_fulltext(db)
        if first:
            token = (await create_key(db, CallerRole.AGENT, name="bench-recall")).token
            port = free_port()
            server = start_server(target, port, model="rules", embeddings=args.embeddings)
            base = f"http://127.0.0.1:{port}"
            await wait_ready(base)
            asks = [(users[p.key], q.text) for p in first for q in p.questions]
            out["latency"] += await measure(db, base, token, asks, args.duration)
        more_users, more_messages, more_rate = await load_people(db, people[len(first) :], embedder)
        users |= more_users
        messages |= more_messages
        await refresh_fulltext(db)
        out["ingest_messages_per_second"] = round(more_rate or rate, 1)
        out["quality"] = await quality(db, people, users, messages, embedder)
        print_quality(out["quality"])
        if server is None:
            return out
        asks = [(users[p.key], q.text) for p in people for q in p.questions]
        loaded, prefix = 0, f"rb{int(time.time())}"
        for size in args.sizes:
            stored = await count_messages(db)
            if size > stored:
                target_sessions = loaded + (size - stored) // PER_SESSION
                seconds = await bulk_load(db, prefix, loaded, target_sessions)
                loaded = target_sessions
                print(f"loaded to {await count_messages(db)} messages in {seconds:.0f} s")
                out["latency"] += await measure(db, base, token, asks, args.duration)
        out["api_rss_mb"] = rss_mb(server.pid)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        await db.close()
    return out


async def refresh_fulltext(db: Database) -> None:
    await db.driver.execute_query(
        "CALL db.index.fulltext.awaitEventuallyConsistentIndexRefresh()", database_=db.name
    )


def print_quality(rows: list[dict[str, Any]]) -> None:
    kinds = sorted(k for k in rows[0] if k.endswith("@10") and not k.startswith("recall"))
    header = f"{'method':<22}{'R@5':>7}{'R@10':>7}{'R@20':>7}  " + "".join(
        f"{k[:-3][:10]:>11}" for k in kinds
    )
    print(header)
    for row in rows:
        cells = "".join(f"{row.get(k, float('nan')):>11}" for k in kinds)
        print(
            f"{row['method']:<22}{row['recall@5']:>7}{row['recall@10']:>7}{row['recall@20']:>7}  "
            f"{cells}"
        )
    print(f"({rows[0]['questions']} questions; per type: recall@10)", flush=True)


def roomy_settings() -> Settings:
    """Settings whose provisioned Neo4j has room for a store of 1M messages (NEO4J_URI: as is)."""
    settings = Settings()
    if settings.neo4j_uri:
        return settings
    return settings.model_copy(update={"neo4j_heap": "1g", "neo4j_pagecache": "2g"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=40, help="for recall@k")
    parser.add_argument(
        "--latency-people",
        type=int,
        default=16,
        help="loaded first, for the first latency rows (16: ~10k messages)",
    )
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument(
        "--sizes", default="100000,1000000", help="stored messages, after the corpus"
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per latency row")
    parser.add_argument("--embeddings", default="off", help="off | e5-small-v2 | wordllama")
    parser.add_argument("--quality-only", action="store_true", help="no latency rows")
    args = parser.parse_args()
    args.sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())
    settings = roomy_settings()
    with provision(settings) as target:
        out = asyncio.run(run(args, settings, target))
    write_results("recall.json", [out], **vars(args))


if __name__ == "__main__":
    main()
