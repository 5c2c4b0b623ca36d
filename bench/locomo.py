"""Recall on real long conversations: LoCoMo (snap-research/LoCoMo, CC BY-NC 4.0), dev half.

    THREADLINE_LOCOMO=/path/to/locomo10.json .venv/bin/python -m bench.locomo \\
        [--embeddings e5-small-v2|bge-small-en-v1.5|off] [--ablations] [--twice] [--api]
        [--ingest] [--all] [--tune]

LoCoMo holds ten long conversations between two people (300-700 turns over months) with
questions whose evidence turns are annotated. We develop and tune on five of them only
(`DEV`); the other five are the held-out check and this module never loads them: conversations
are filtered by id before anything else reads them. The data is not in the repository (its
licence is non-commercial): get it with

    git clone https://github.com/snap-research/LoCoMo
    export THREADLINE_LOCOMO=$PWD/LoCoMo/data/locomo10.json

Each conversation is one person. Each of its sessions is a visit on a rotating channel (web,
whatsapp, email, sms, mobile) at the session's date; each turn an event ("Speaker: text"), USER
for the first speaker, AGENT for the other; the channels are linked to one user. The first
speaker's name is the user's `name` attribute, the other is a registered human agent of that
name who handles every session (what a deployment knows of who speaks). Messages are
enriched as the API does by default (`--enrichment auto`: spaCy's statistical NER when
installed; questions with the rule-based pipeline, as the API reads them) and embedded as its
worker does after commit (in context). Questions of categories 1-4 (5 has no evidence) are
asked through `recall` (graph.recall.service, in process, asked the day after the last
session) and through BM25 (`bm25s`) over the same turns;
recall@k = the share of a question's evidence turns among the first k, averaged per category.
`--twice` ingests the dev half again under other ids first and reports how far each person's
R@10 moved (isolation: other people's messages must not change one person's ranking).
`--api` asks every question again through a real server (`threadline serve`, embeddings off
and on): p50/p95 and the server's memory. `--ingest` measures ingest through the API with
embeddings off vs on, the embedding lag and memory (bench/api.py --embeddings: its synthetic
conversations, rule-based enrichment). `--all`: both, and the ablations.
Writes bench/results/locomo.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import bm25s  # type: ignore[import-untyped]
import orjson

from bench.api import ingest_with_embeddings, print_ingest
from bench.output import write_results
from bench.recall import refresh_fulltext
from bench.server import admin_client, connect, rss_mb, start_server
from enrichment.embedders import load_embedder
from enrichment.embeddings import Embedder
from enrichment.pipeline import Enricher
from graph.config import Settings
from graph.domain.events import EventInput, Speaker
from graph.domain.recall import Candidate, Evidence, Weights, fuse
from graph.local.neo4j_server import free_port
from graph.local.provision import Neo4jTarget, provision
from graph.pipeline.enrich import enricher_for, question_enricher_for
from graph.pipeline.ingest import ingest_events
from graph.pipeline.reenrich import embed_messages
from graph.recall.question import understand, with_named_speaker
from graph.recall.request import RecallRequest
from graph.recall.search import evidence_for, gather, scope
from graph.store.attributes import AttributeWrite, Owner, set_attributes
from graph.store.context import ContextSelector
from graph.store.database import Database
from graph.store.handoffs import handoff, upsert_agent
from graph.store.schema import migrate
from graph.store.sessions import close_session
from graph.store.users import link_identity

DEV = ("conv-26", "conv-30", "conv-41", "conv-42", "conv-43")  # never add the held-out five
ENV = "THREADLINE_LOCOMO"
CHANNELS = ("web", "whatsapp", "email", "sms", "mobile")
CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop"}
KS = (5, 10, 20)


@dataclass(frozen=True)
class Turn:
    dia_id: str
    speaker: str
    text: str
    at: datetime
    channel: str


@dataclass(frozen=True)
class Question:
    text: str
    category: str
    evidence: tuple[str, ...]  # dia ids


@dataclass(frozen=True)
class Conversation:
    sample_id: str
    first_speaker: str
    sessions: list[list[Turn]]
    questions: list[Question]

    @property
    def second_speaker(self) -> str:
        return next(
            t.speaker for turns in self.sessions for t in turns if t.speaker != self.first_speaker
        )

    @property
    def asked_at(self) -> datetime:
        return self.sessions[-1][-1].at + timedelta(days=1)


def load_dev(path: Path) -> list[Conversation]:
    """The dev conversations of locomo10.json; the held-out ones are dropped unread."""
    raw = json.loads(path.read_text())
    found = [c for c in raw if c["sample_id"] in DEV]
    if sorted(c["sample_id"] for c in found) != sorted(DEV):
        raise SystemExit(f"{path}: the dev conversations {', '.join(DEV)} are not all there")
    return [_conversation(c) for c in sorted(found, key=lambda c: DEV.index(c["sample_id"]))]


def _conversation(raw: dict[str, Any]) -> Conversation:
    body = raw["conversation"]
    sessions: list[list[Turn]] = []
    n = 1
    while f"session_{n}" in body:
        began = datetime.strptime(body[f"session_{n}_date_time"], "%I:%M %p on %d %B, %Y")
        channel = CHANNELS[(n - 1) % len(CHANNELS)]
        turns = [
            Turn(
                t["dia_id"],
                t["speaker"],
                f"{t['speaker']}: {t['text']}",
                began.replace(tzinfo=UTC) + timedelta(seconds=30 * i),
                channel,
            )
            for i, t in enumerate(body[f"session_{n}"])
        ]
        if turns:
            sessions.append(turns)
        n += 1
    questions = [
        Question(
            q["question"],
            CATEGORIES[q["category"]],
            tuple(e.strip() for item in q["evidence"] for e in item.replace(",", ";").split(";")),
        )
        for q in raw["qa"]
        if q["category"] in CATEGORIES and q.get("evidence")
    ]
    return Conversation(raw["sample_id"], body["speaker_a"], sessions, questions)


async def ingest(
    db: Database,
    conversation: Conversation,
    tag: str,
    enricher: Enricher,
    embedder: Embedder | None,
) -> tuple[str, dict[str, str]]:
    """Every session through the write path; the user id and message id per dia id."""
    person = f"{tag}-{conversation.sample_id}"
    messages: dict[str, str] = {}
    user_id = ""
    agent_id = f"{person}-agent"
    await upsert_agent(db, agent_id, "HUMAN", conversation.second_speaker)
    for n, session in enumerate(conversation.sessions):
        events = [
            EventInput(
                f"{person}-{t.dia_id}",
                t.channel,
                f"{person}-{t.channel}",
                role=Speaker.USER if t.speaker == conversation.first_speaker else Speaker.AGENT,
                text=t.text,
                occurred_at=t.at,
            )
            for t in session
        ]
        if n == 0:
            first = await ingest_events(db, events[:1], enricher)
            user_id = str(first.results[0].user_id)
            name = AttributeWrite({"name": conversation.first_speaker})
            await set_attributes(db, Owner.USER, user_id, name)
            for channel in set(CHANNELS) - {events[0].channel}:
                await link_identity(db, user_id, channel, f"{person}-{channel}")
        written = await ingest_events(db, events, enricher)
        for turn, result in zip(session, written.results, strict=True):
            if result.message_id:
                messages[turn.dia_id] = result.message_id
        session_id = written.results[0].session_id
        await handoff(db, session_id, agent_id, None, at=session[0].at)
        await close_session(db, session_id, None)
    if embedder is not None:  # as the API's worker does after each commit, in context
        await embed_messages(db, embedder, list(messages.values()))
    return user_id, messages


class Scores:
    """recall@k per method, category and person."""

    def __init__(self) -> None:
        self.rows: dict[str, list[tuple[str, str, dict[int, float]]]] = defaultdict(list)

    def add(
        self, method: str, person: str, category: str, found: list[str], wanted: set[str]
    ) -> None:
        hit = {k: len(set(found[:k]) & wanted) / len(wanted) for k in KS}
        self.rows[method].append((person, category, hit))

    def table(self) -> list[dict[str, Any]]:
        out = []
        for method, rows in self.rows.items():
            row: dict[str, Any] = {"method": method, "questions": len(rows)}
            for k in KS:
                row[f"R@{k}"] = round(sum(r[2][k] for r in rows) / len(rows), 3)
            for category in CATEGORIES.values():
                some = [r[2][10] for r in rows if r[1] == category]
                row[f"{category}@10"] = round(sum(some) / len(some), 3) if some else None
            out.append(row)
        return out

    def per_person(self, method: str) -> dict[str, float]:
        by: dict[str, list[float]] = defaultdict(list)
        for person, _, hit in self.rows[method]:
            by[person].append(hit[10])
        return {p: sum(v) / len(v) for p, v in by.items()}


def bm25_rankings(conversation: Conversation, messages: dict[str, str]) -> list[list[str]]:
    turns = [t for s in conversation.sessions for t in s if t.dia_id in messages]
    index = bm25s.BM25()
    index.index(
        bm25s.tokenize([t.text for t in turns], stopwords="en", show_progress=False),
        show_progress=False,
    )
    ranked = []
    for q in conversation.questions:
        tokens = bm25s.tokenize([q.text], stopwords="en", show_progress=False)
        ids, _ = index.retrieve(tokens, k=min(max(KS), len(turns)), show_progress=False)
        ranked.append([messages[turns[i].dia_id] for i in ids[0]])
    return ranked


ABLATIONS: dict[str, Weights] = {
    "no embeddings": replace(Weights(), vector=0.0, dense=0.0),
    "no session": replace(Weights(), session=0.0),
    "no time": replace(Weights(), date=0.0, other_time=1.0),
    "no neighbours": replace(Weights(), neighbour=0.0),
    "keywords only": Weights(
        entity=0,
        entity_hop=0,
        vector=0,
        dense=0,
        entity_type=0,
        intent=0,
        date=0,
        other_time=1,
        speaker=0,
        latest=0,
        neighbour=0,
        session=0,
        recency=0,
    ),
}


@dataclass
class Asked:
    """One question, its signals gathered once: re-ranked under any weights without the store."""

    person: str
    user_id: str
    text: str
    category: str
    candidates: list[Candidate]
    evidence: Evidence
    now: datetime
    wanted: set[str]
    bm25: list[str]

    def ranked(self, weights: Weights | None) -> list[str]:
        return [r.id for r in fuse(self.candidates, self.evidence, self.now, weights)[: max(KS)]]


async def gather_all(
    db: Database,
    conversations: list[Conversation],
    tag: str,
    enricher: Enricher,
    embedder: Embedder | None,
    questions: Enricher | None = None,
) -> list[Asked]:
    """Ingest each conversation (messages through `enricher`), then gather every question's
    signals from the store (the question read by `questions`, as the API does: rule-based)."""
    asked: list[Asked] = []
    for conversation in conversations:
        user_id, messages = await ingest(db, conversation, tag, enricher, embedder)
        await refresh_fulltext(db)
        in_scope = await scope(db, ContextSelector(user_id=user_id))
        rankings = bm25_rankings(conversation, messages)
        for q, bm25 in zip(conversation.questions, rankings, strict=True):
            wanted = {messages[e] for e in q.evidence if e in messages}
            if not wanted:
                continue
            now = conversation.asked_at
            question = with_named_speaker(
                await understand(q.text, now, questions or enricher, embedder),
                in_scope.user_names,
                in_scope.agent_names,
            )
            request = RecallRequest(q.text, limit=max(KS))
            gathered = await gather(db, in_scope.session_ids, request, question)
            candidates = gathered.history.candidates()
            evidence = evidence_for(gathered, question)
            asked.append(
                Asked(
                    conversation.sample_id,
                    user_id,
                    q.text,
                    q.category,
                    candidates,
                    evidence,
                    now,
                    wanted,
                    bm25,
                )
            )
    return asked


RECALL = (
    "query($u: ID!, $q: String!) { recall(userId: $u, query: $q, limit: 10) "
    "{ hits { score signals message { id seq channel role text at } } } }"
)


async def api_latency(
    target: Neo4jTarget, settings: Settings, embeddings: str, asked: list[Asked]
) -> dict[str, Any]:
    """Every dev question through `recall` on a real server (`threadline serve`, its own
    process) over the histories stored above, one keep-alive client, after one unmeasured pass:
    p50/p95 in milliseconds, and the server's resident memory after."""
    port = free_port()
    server = start_server(target, port, settings.spacy_model, embeddings=embeddings)
    try:
        async with await admin_client(target, settings, port) as http:

            async def ask(a: Asked) -> float:
                payload = orjson.dumps(
                    {"query": RECALL, "variables": {"u": a.user_id, "q": a.text}}
                )
                began = time.perf_counter()
                async with http.post("/graphql", data=payload) as response:
                    body = orjson.loads(await response.read())
                elapsed = time.perf_counter() - began
                if response.status != 200 or body.get("errors"):
                    raise RuntimeError(f"recall failed: {response.status} {body}")
                return elapsed

            for a in asked:  # warm-up: plans compiled, pages cached
                await ask(a)
            samples = sorted([await ask(a) for a in asked])
        turns = sorted(len(a.candidates) for a in asked)
        return {
            "embeddings": embeddings,
            "questions": len(samples),
            "history_turns": f"{turns[0]}-{turns[-1]}",
            "p50_ms": round(samples[len(samples) // 2] * 1000, 1),
            "p95_ms": round(samples[int(len(samples) * 0.95)] * 1000, 1),
            "api_rss_mb": rss_mb(server.pid),
        }
    finally:
        server.terminate()
        server.wait(timeout=30)


def score(asked: list[Asked], variants: dict[str, Weights | None]) -> Scores:
    scores = Scores()
    for a in asked:
        for name, weights in variants.items():
            scores.add(name, a.person, a.category, a.ranked(weights), a.wanted)
        scores.add("BM25 (bm25s)", a.person, a.category, a.bm25, a.wanted)
    return scores


def tune(asked: list[Asked], grid: dict[str, list[float]]) -> list[tuple[float, float, str]]:
    """Every combination of `grid`'s weights (the rest as Weights() has them): R@10, R@5."""
    names = list(grid)
    combos: list[dict[str, float]] = [{}]
    for name in names:
        combos = [c | {name: v} for c in combos for v in grid[name]]
    results = []
    for combo in combos:
        weights = replace(Weights(), **combo)  # type: ignore[arg-type]
        table = score(asked, {"x": weights}).table()[0]
        results.append((table["R@10"], table["R@5"], json.dumps(combo)))
    return sorted(results, reverse=True)


GRID: dict[str, list[float]] = {
    "dense": [0.0, 0.5, 1.0, 1.5],
    "dense_candidates": [50, 100],
    "session": [0.1, 0.3, 0.5],
    "reply": [1.0, 1.3],
}


def tag() -> str:
    return f"lo{uuid.uuid4().hex[:6]}"


def print_table(rows: list[dict[str, Any]]) -> None:
    names = [f"{c}@10" for c in CATEGORIES.values()]
    print(
        f"{'method':<16}{'R@5':>7}{'R@10':>7}{'R@20':>7}" + "".join(f"{n[:-3]:>13}" for n in names)
    )
    for row in rows:
        cells = "".join(f"{row[n] if row[n] is not None else float('nan'):>13}" for n in names)
        print(f"{row['method']:<16}{row['R@5']:>7}{row['R@10']:>7}{row['R@20']:>7}{cells}")
    print(f"({rows[0]['questions']} questions of {', '.join(DEV)}; per category: R@10)")


async def run(
    args: argparse.Namespace, settings: Settings, target: Neo4jTarget, path: Path
) -> dict[str, Any]:
    conversations = load_dev(path)
    db = connect(target, settings)
    enricher = enricher_for(settings)
    if enricher is None:
        raise SystemExit("--enrichment off: recall needs the enrichment pipeline")
    embedder = load_embedder(args.embeddings, settings.model_folder())
    questions = question_enricher_for(settings, enricher)
    out: dict[str, Any] = {"embeddings": args.embeddings, "enrichment": settings.spacy_model}
    try:
        await migrate(db)
        began = time.perf_counter()
        variants: dict[str, Weights | None] = {"recall": None}
        if args.ablations:
            variants |= ABLATIONS
        if args.twice:  # other people first: the measured ones must not notice them
            before = score(
                await gather_all(db, conversations, tag(), enricher, embedder, questions), variants
            )
        asked = await gather_all(db, conversations, tag(), enricher, embedder, questions)
        scores = score(asked, variants)
        if args.tune:
            out["tuning"] = tune(asked, GRID)
            for row in out["tuning"][:15]:
                print(*row)
        out["seconds"] = round(time.perf_counter() - began, 1)
        out["quality"] = scores.table()
        out["per_person_R@10"] = scores.per_person("recall")
        print_table(out["quality"])
        if args.twice:
            moved = {
                p: round(r - before.per_person("recall")[p], 4)
                for p, r in scores.per_person("recall").items()
            }
            out["per_person_R@10_moved"] = moved
            print("R@10 moved per person, measured second vs first:", moved)
        if args.api:
            out["api"] = [
                await api_latency(target, settings, setting, asked)
                for setting in dict.fromkeys(("off", args.embeddings))
            ]
            for row in out["api"]:
                print(
                    f"recall through the API, embeddings {row['embeddings']}: "
                    f"p50 {row['p50_ms']} ms, p95 {row['p95_ms']} ms "
                    f"({row['questions']} questions, histories of {row['history_turns']} turns), "
                    f"API RSS {row['api_rss_mb']} MB"
                )
        if args.ingest:
            ingest_args = argparse.Namespace(
                embeddings=args.embeddings, warmup=30.0, users=300, messages=20
            )
            out["ingest"] = await ingest_with_embeddings(ingest_args, settings, target)
            print_ingest(out["ingest"])
    finally:
        await db.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--embeddings",
        default=Settings.model_fields["embeddings"].default,
        help="e5-small-v2 | bge-small-en-v1.5 | off",
    )
    parser.add_argument("--ablations", action="store_true", help="recall without each signal")
    parser.add_argument("--twice", action="store_true", help="ingest the dev half once before")
    parser.add_argument("--tune", action="store_true", help="R@10 over a grid of weights")
    parser.add_argument(
        "--api",
        action="store_true",
        help="every question through a real server too: p50/p95, RSS (embeddings off and on)",
    )
    parser.add_argument(
        "--ingest",
        action="store_true",
        help="ingest events/s through the API with embeddings off vs on, the embedding lag, RSS "
        "(bench/api.py --embeddings)",
    )
    parser.add_argument("--all", action="store_true", help="--ablations --api --ingest")
    parser.add_argument(
        "--enrichment",
        default=Settings.model_fields["spacy_model"].default,
        help="THREADLINE_SPACY_MODEL of the stores and servers measured (auto: statistical NER "
        "when installed, as the API by default)",
    )
    args = parser.parse_args()
    if args.all:
        args.ablations = args.api = args.ingest = True
    location = os.environ.get(ENV)
    if not location or not Path(location).is_file():
        print(
            f"{ENV} must name LoCoMo's data/locomo10.json; see `python -m bench.locomo --help`:\n"
            + __doc__.split("get it with")[1].split("Each conversation")[0],
            file=sys.stderr,
        )
        raise SystemExit(2)
    settings = Settings().model_copy(update={"spacy_model": args.enrichment})
    with provision(settings) as target:
        out = asyncio.run(run(args, settings, target, Path(location)))
    write_results("locomo.json", [out], **vars(args))


if __name__ == "__main__":
    main()
