"""Recall's reads and ranking: the messages of the sessions in scope that answer a question,
found by keywords, entities, time and (optionally) embeddings, fused (graph/domain/recall.py).
Each read starts from an index seek: the sessions in scope; then, at once, the history and its
fulltext matches; then the hits with their neighbouring turns. `graph.recall.service` is the
entry point."""

from __future__ import annotations

import asyncio
import heapq
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from enrichment.embeddings import matrix_similarities
from graph.domain.recall import (
    NAME_ATTRIBUTES,
    Evidence,
    Question,
    Ranked,
    Weights,
    co_mentioned,
    fuse,
    keyword_scores,
    keyword_seeds,
    mention_counts,
    nearest_turns,
    word_queries,
)
from graph.domain.records import (
    ContextEntityRecord,
    MessageRecord,
    RecallHitRecord,
    RecallRecord,
    json_value,
)
from graph.recall.history import History, read_history
from graph.recall.request import RecallRequest
from graph.store.context import ContextSelector, identity_key_of, nothing_selected

if TYPE_CHECKING:
    from graph.store.database import Database

PER_WORD = 5_000  # messages counted per question word (a rarer word weighs more)
ENTITY_LIMIT = 20
KEYWORD_CANDIDATES = 2_000  # keyword matches ranked by their keywords alone (the best by BM25)
WEAK_CANDIDATES = 2_000  # rows with only the kind, intent or time asked about (the best of them)


def _filters(request: RecallRequest) -> dict[str, Any]:
    return {
        "channels": request.channels,
        "roles": request.roles,
        "since": request.since,
        "until": request.until,
    }


@dataclass(frozen=True)
class Scope:
    """The sessions a recall searches, and the names of who speaks in them."""

    session_ids: list[str]
    user_names: list[str] = field(default_factory=list)  # the person's (NAME_ATTRIBUTES)
    agent_names: list[str] = field(default_factory=list)  # the agents who handled the sessions


async def scope(db: Database, selector: ContextSelector) -> Scope:
    """The sessions in scope and their speakers' names; NOT_FOUND when the selector names
    nothing."""
    identity_key = identity_key_of(selector)
    records = await db.read(
        "recall/scope",
        sessionId=selector.session_id,
        userId=selector.user_id,
        identityKey=identity_key,
        ownedOnly=selector.owned_only,
        nameKeys=list(NAME_ATTRIBUTES),
    )
    if not records:
        raise nothing_selected(selector, identity_key)
    record = records[0]
    return Scope(
        list(record["sessionIds"]),
        [name for value in record["userNames"] if isinstance(name := _json_text(value), str)],
        list(record["agentNames"]),
    )


def _json_text(value: str) -> object:
    """An attribute's value as stored (JSON text, opened when sealed); None for anything
    unreadable."""
    try:
        return json_value(value)
    except ValueError:
        return None


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


def _similarities(history: History, question: Question) -> dict[str, float]:
    """The question's cosine similarity to each message embedded by its model, in one matrix
    product over the stored bytes."""
    values = _similarity_values(history, question)
    if values is None:
        return {}
    return dict(zip([history.ids[i] for i in history.vector_rows], values.tolist(), strict=True))


def _similarity_values(history: History, question: Question) -> npt.NDArray[np.float32] | None:
    vectors = history.vectors
    if question.vector is None or vectors is None or vectors.shape[1] != len(question.vector):
        return None
    return matrix_similarities(np.asarray(question.vector, dtype=np.float32), vectors)


@dataclass(frozen=True)
class Gathered:
    """What the ranking reads for one question: the history in scope and its keyword scores."""

    history: History
    keyword: dict[str, float]


async def gather(
    db: Database, session_ids: list[str], request: RecallRequest, question: Question
) -> Gathered:
    """The history in scope and its fulltext matches, read at once (a few milliseconds each).
    Only what the text says is needed (`read_question`: keywords, the embedding model)."""
    history, matches = await asyncio.gather(
        read_history(db, session_ids, request, question.model),
        _word_matches(db, question, session_ids, request),
    )
    return Gathered(history, keyword_scores(matches, len(history)))


def evidence_for(gathered: Gathered, question: Question) -> Evidence:
    """Every signal the fusion weighs, for this question over the whole history (with
    `gathered.history.candidates()`: what benchmarks rank with other weights)."""
    return Evidence(
        gathered.keyword,
        question.entities,
        _similarities(gathered.history, question),
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
    """Every matching message of the history, best first (graph/domain/recall.py: fuse). Only
    the messages with a signal of their own, and the turns next to them, become candidates; what
    the ranking needs from the rest (the history's size, how many messages mention an entity,
    the similarities' median and nearest turns) is worked out over the columns."""
    weights = weights or Weights()
    history = gathered.history
    rows, evidence = _worth_ranking(history, gathered.keyword, question, weights)
    return fuse([history.candidate(i) for i in rows], evidence, now, weights)


def _worth_ranking(
    history: History, keyword: dict[str, float], question: Question, weights: Weights
) -> tuple[list[int], Evidence]:
    """The rows that can score (a keyword, an entity, hop or kind asked for, an intent, a
    similarity among the nearest, the time asked about) with their neighbours, and the evidence
    with the whole history's statistics."""
    chosen: set[int] = set()
    similarities: dict[str, float] = {}
    values = _similarity_values(history, question)
    middle_top, nearest = _nearest(history, values, question, weights)
    ids = history.ids
    found: set[str] = set(_best_keyword_matches(keyword)) if keyword else set()
    if nearest:
        found.update(message_id for message_id, _ in nearest[: weights.dense_candidates])
    if found:  # one pass over the history for both
        chosen.update(i for i, message_id in enumerate(ids) if message_id in found)
    keys = history.keys
    asked = question.entities
    if asked:
        chosen.update(i for i, k in enumerate(keys) if k and not asked.isdisjoint(k))
    best = max(keyword.values(), default=0.0)
    hops = set(co_mentioned([history.candidate(i) for i in chosen], asked))
    if best > 0:
        strong = [history.candidate(i) for i in chosen if ids[i] in keyword]
        hops.update(keyword_seeds(strong, keyword, best))
    wanted = asked | hops
    kinds = question.entity_types
    days = _days(question)
    if wanted:
        chosen.update(i for i, k in enumerate(keys) if k and not wanted.isdisjoint(k))
    weak = _weak_rows(history, question, kinds, days)
    chosen.update(_best_weak_rows(history, weak, chosen, values))
    mentions = mention_counts(keys, wanted)
    for i in list(chosen):
        chosen.update(history.neighbours(i))
    rows = sorted(chosen)
    if values is not None and rows:  # the candidates' similarities, without a map of every row
        position = np.full(len(history), -1, dtype=np.int64)
        position[history.vector_rows] = np.arange(len(values))
        close = values.tolist()
        similarities = {
            ids[i]: close[p] for i, p in zip(rows, position[rows].tolist(), strict=True) if p >= 0
        }
    evidence = Evidence(
        keyword,
        asked,
        similarities,
        question.time,
        question.speaker,
        kinds,
        question.latest,
        question.intents,
        question.dense,
        history_size=len(history),
        mentions=mentions,
        similarity_range=middle_top,
        nearest=nearest,
    )
    return rows, evidence


def _best_keyword_matches(keyword: dict[str, float]) -> set[str] | dict[str, float]:
    """The keyword matches that are candidates by their keywords alone: all of them, or in a long
    history the `KEYWORD_CANDIDATES` best (ties: by id). A common word matches thousands of a
    50,000-turn history; a message below the first 2,000 by its keywords would need its
    similarity, its session and its neighbours to lift it past 2,000 better matches into a
    recall's first 100 (at most `MAX_LIMIT`), and one among the nearest turns, or with an entity,
    intent or the time asked about, is a candidate for that anyway."""
    if len(keyword) <= KEYWORD_CANDIDATES:
        return keyword
    return set(heapq.nlargest(KEYWORD_CANDIDATES, keyword, key=lambda i: (keyword[i], i)))


def _weak_rows(
    history: History, question: Question, kinds: frozenset[str], days: tuple[str, str] | None
) -> dict[int, int]:
    """The rows with a weak signal of their own — the kind of entity, the intent or the time
    asked about (a date mentioned in it, or sent then) — and how many of those they have."""
    weak: dict[int, int] = defaultdict(int)
    if kinds or days:
        for i, k in enumerate(history.keys):
            if k and _asks_for(k, kinds, days):
                weak[i] += 1
    if question.intents:
        for i, x in enumerate(history.intents):
            if x and not question.intents.isdisjoint(x):
                weak[i] += 1
    if question.time is not None:
        start, end = (int(t.timestamp() * 1000) for t in question.time)
        for i, at in enumerate(history.ats):
            if start <= at < end:
                weak[i] += 1
    return weak


def _best_weak_rows(
    history: History,
    weak: dict[int, int],
    chosen: set[int],
    values: npt.NDArray[np.float32] | None,
) -> list[int]:
    """The rows that are candidates for a weak signal alone (the kind of entity, the intent or
    the time asked about): all of them, or in a long history the `WEAK_CANDIDATES` best — those
    with more of them first, then the most similar
    to the question, then the newest (ties: by id). A question naming a month or a common intent
    matches thousands of a 50,000-turn history; an intent's 0.3 or a date's ≤ 0.5 is what a
    message below the first 2,000 of them has, and one with a keyword, an entity or among the
    nearest turns is a candidate for that anyway (as `_best_keyword_matches` argues)."""
    rows = [i for i in weak if i not in chosen]
    if len(rows) <= WEAK_CANDIDATES:
        return rows
    similarity = np.full(len(history), -np.inf, dtype=np.float32)
    if values is not None:
        similarity[history.vector_rows] = values
    close, ats, ids = similarity.tolist(), history.ats, history.ids
    return heapq.nlargest(WEAK_CANDIDATES, rows, key=lambda i: (weak[i], close[i], ats[i], ids[i]))


def _nearest(
    history: History,
    values: npt.NDArray[np.float32] | None,
    question: Question,
    weights: Weights,
) -> tuple[tuple[float, float] | None, list[tuple[str, float]] | None]:
    """The median and top similarity, and the turns nearest to the question (the dense
    signal's candidates and the first left out), over the whole history."""
    if values is None or not len(values):
        return None, None
    middle = len(values) // 2
    middle_top = (float(np.partition(values, middle)[middle]), float(values.max()))
    if not (question.dense and weights.dense > 0):
        return middle_top, []
    count = min(weights.dense_candidates + 1, len(values))
    edge = float(-np.partition(-values, count - 1)[count - 1])  # the count-th largest
    close = np.flatnonzero(values >= edge).tolist()  # ties at the edge too
    pairs = ((history.ids[history.vector_rows[n]], float(values[n])) for n in close)
    return middle_top, nearest_turns(pairs, weights.dense_candidates + 1)


def _days(question: Question) -> tuple[str, str] | None:
    if question.time is None:
        return None
    start, end = question.time
    return start.date().isoformat(), end.date().isoformat()


def _asks_for(keys: list[str], kinds: frozenset[str], days: tuple[str, str] | None) -> bool:
    """A message mentions the kind of entity, or a date inside the time, the question asks
    about."""
    for key in keys:
        kind, _, value = key.partition(":")
        if kind in kinds or (days and kind == "DATE" and days[0] <= value < days[1]):
            return True
    return False


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
    return RecallRecord(hits, _entities(gathered.history, question.entities, hits))


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
    history: History, asked: frozenset[str], hits: list[RecallHitRecord]
) -> list[ContextEntityRecord]:
    """The question's entities found in the history, then those the hits mention, each with
    where and when the history mentions it."""
    wanted: list[str] = [k for k in sorted(asked)]
    for hit in hits:
        wanted += [m.key for m in hit.message.entities]
    order = list(dict.fromkeys(wanted))
    seen: dict[str, list[int]] = defaultdict(list)
    keys = set(order)
    for i, message_keys in enumerate(history.keys):
        if message_keys and not keys.isdisjoint(message_keys):
            for key in message_keys:
                if key in keys:
                    seen[key].append(i)
    found = []
    for key in order:
        mentions = sorted(seen.get(key, []), key=lambda i: (history.ats[i], history.ids[i]))
        if not mentions:
            continue
        kind, _, value = key.partition(":")
        found.append(
            ContextEntityRecord(
                key,
                kind,
                value,
                _instant(history.ats[mentions[0]]),
                _instant(history.ats[mentions[-1]]),
                len(mentions),
                list(dict.fromkeys(history.channels[i] for i in mentions)),
            )
        )
    return found[:ENTITY_LIMIT]


def _instant(at_ms: int) -> datetime:
    return datetime.fromtimestamp(at_ms / 1000, tz=UTC)
