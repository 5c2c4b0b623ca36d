"""Recall's reads and ranking: the messages of the sessions in scope that answer a question,
found by keywords, entities, time and (optionally) embeddings, fused (graph/domain/recall.py).
Each read starts from an index seek: the sessions in scope; then, at once, the history and its
fulltext matches; then the hits with their neighbouring turns. `graph.recall.service` is the
entry point."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from enrichment.embeddings import stored_similarities
from graph.domain.recall import (
    Candidate,
    Evidence,
    Question,
    Ranked,
    Weights,
    fuse,
    keyword_scores,
    word_queries,
)
from graph.domain.records import (
    ContextEntityRecord,
    MessageRecord,
    RecallHitRecord,
    RecallRecord,
)
from graph.recall.request import RecallRequest
from graph.store.context import ContextSelector, identity_key_of, nothing_selected

if TYPE_CHECKING:
    from graph.store.database import Database

MAX_HISTORY = 20_000  # newest messages of one history a recall ranks
PER_WORD = 5_000  # messages counted per question word (a rarer word weighs more)
ENTITY_LIMIT = 20


@dataclass(frozen=True)
class _Row:
    candidate: Candidate
    channel: str
    embedding: bytes | None  # by the question's model (embeddings on)


def _filters(request: RecallRequest) -> dict[str, Any]:
    return {
        "channels": request.channels,
        "roles": request.roles,
        "since": request.since,
        "until": request.until,
    }


async def scope(db: Database, selector: ContextSelector) -> list[str]:
    """The session ids in scope; NOT_FOUND when the selector names nothing."""
    identity_key = identity_key_of(selector)
    records = await db.read(
        "recall/scope",
        sessionId=selector.session_id,
        userId=selector.user_id,
        identityKey=identity_key,
        ownedOnly=selector.owned_only,
    )
    if not records:
        raise nothing_selected(selector, identity_key)
    return list(records[0]["sessionIds"])


async def _history(
    db: Database, session_ids: list[str], request: RecallRequest, question: Question
) -> list[_Row]:
    if not session_ids:
        return []
    [record] = await db.read(
        "recall/history",
        sessionIds=session_ids,
        maxMessages=MAX_HISTORY,
        model=question.model,
        **_filters(request),
    )
    return [
        _Row(
            Candidate(m[0], m[1], m[2], m[3], tuple(m[6] or ()), m[5], tuple(m[7] or ())),
            m[4],
            m[8] if isinstance(m[8], bytes) else None,
        )
        for m in record["messages"]
    ]


async def _word_matches(
    db: Database, question: Question, session_ids: list[str], request: RecallRequest
) -> dict[str, set[str]]:
    """Which messages of the history hold each of the question's words."""
    terms = word_queries(list(question.terms), session_ids)
    if not terms:
        return {}
    records = await db.read(
        "recall/term_matches",
        terms=terms,
        sessionIds=session_ids,
        perWord=PER_WORD,
        **_filters(request),
    )
    matches: dict[str, set[str]] = defaultdict(set)
    for r in records:
        matches[r["word"]].update(r["ids"])
    return dict(matches)


def _similarities(rows: list[_Row], question: Question) -> dict[str, float]:
    """The question's cosine similarity to each message embedded by its model, in one matrix
    product over the stored bytes."""
    if question.vector is None:
        return {}
    size = len(question.vector)
    stored = [(r.candidate.id, r.embedding) for r in rows if r.embedding is not None]
    stored = [(i, e) for i, e in stored if len(e) == size]
    values = stored_similarities(
        np.asarray(question.vector, dtype=np.float32), [e for _, e in stored]
    )
    return {i: value for (i, _), value in zip(stored, values.tolist(), strict=True)}


@dataclass(frozen=True)
class Gathered:
    """What the ranking reads for one question: the history in scope and its keyword scores."""

    rows: list[_Row]
    keyword: dict[str, float]


async def gather(
    db: Database, session_ids: list[str], request: RecallRequest, question: Question
) -> Gathered:
    """The history in scope and its fulltext matches, read at once (a few milliseconds each).
    Only what the text says is needed (`read_question`: keywords, the embedding model)."""
    rows, matches = await asyncio.gather(
        _history(db, session_ids, request, question),
        _word_matches(db, question, session_ids, request),
    )
    return Gathered(rows, keyword_scores(matches, len(rows)))


def evidence_for(gathered: Gathered, question: Question) -> Evidence:
    """Every signal the fusion weighs, for this question over this history."""
    return Evidence(
        gathered.keyword,
        question.entities,
        _similarities(gathered.rows, question),
        question.time,
        question.speaker,
        question.entity_types,
        question.latest,
        question.intents,
        question.dense,
    )


def rank(
    gathered: Gathered, question: Question, now: datetime, weights: Weights | None = None
) -> list[Ranked]:
    """Every matching message of the history, best first (graph/domain/recall.py: fuse)."""
    candidates = [r.candidate for r in gathered.rows]
    return fuse(candidates, evidence_for(gathered, question), now, weights)


async def answer(
    db: Database,
    gathered: Gathered,
    request: RecallRequest,
    question: Question,
    now: datetime,
    weights: Weights | None = None,
) -> RecallRecord:
    """The `request.limit` best messages of what was gathered, with their neighbours."""
    ranked = rank(gathered, question, now, weights)[: request.limit]
    hits = await _hits(db, ranked, request.neighbors)
    return RecallRecord(hits, _entities(gathered.rows, question.entities, hits))


async def _hits(db: Database, ranked: list[Ranked], neighbors: int) -> list[RecallHitRecord]:
    if not ranked:
        return []
    records = await db.read("recall/hits", ids=[r.id for r in ranked], neighbors=neighbors)
    found = {r["rank"]: r for r in records}  # a message erased since it was ranked is left out
    return [
        RecallHitRecord(
            MessageRecord.from_map(found[rank]["message"]),
            r.score,
            r.signals,
            [MessageRecord.from_map(n) for n in found[rank]["neighbors"]],
        )
        for rank, r in enumerate(ranked)
        if rank in found
    ]


def _entities(
    rows: list[_Row], asked: frozenset[str], hits: list[RecallHitRecord]
) -> list[ContextEntityRecord]:
    """The question's entities found in the history, then those the hits mention, each with
    where and when the history mentions it."""
    wanted: list[str] = [k for k in sorted(asked)]
    for hit in hits:
        wanted += [m.key for m in hit.message.entities]
    order = list(dict.fromkeys(wanted))
    seen: dict[str, list[_Row]] = defaultdict(list)
    keys = set(order)
    for row in rows:
        for key in row.candidate.entity_keys:
            if key in keys:
                seen[key].append(row)
    found = []
    for key in order:
        mentions = sorted(seen.get(key, []), key=lambda r: r.candidate.at_ms)
        if not mentions:
            continue
        kind, _, value = key.partition(":")
        found.append(
            ContextEntityRecord(
                key,
                kind,
                value,
                mentions[0].candidate.at,
                mentions[-1].candidate.at,
                len(mentions),
                list(dict.fromkeys(r.channel for r in mentions)),
            )
        )
    return found[:ENTITY_LIMIT]
