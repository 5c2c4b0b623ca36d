"""Recall's reads and ranking: the messages of the sessions in scope that answer a question,
found by keywords, entities, time and (optionally) embeddings, fused (graph/domain/recall.py).
Each read starts from an index seek: the sessions in scope; then their history (its keyword
terms with it: the question's words are matched here, graph/recall/history.py); then the hits
with their neighbouring turns. `graph.recall.service` is the entry point."""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from enrichment.embeddings import matrix_similarities
from enrichment.terms import term_hash
from graph.domain.recall import (
    NAME_ATTRIBUTES,
    Evidence,
    Question,
    Ranked,
    Weights,
    co_mentioned,
    fuse,
    keyword_seeds,
    mention_counts,
    nearest_turns,
    word_weight,
)
from graph.domain.records import (
    ContextEntityRecord,
    MessageRecord,
    RecallHitRecord,
    RecallRecord,
    json_value,
)
from graph.domain.sealed import is_hashed
from graph.recall.history import History, read_history
from graph.recall.request import RecallRequest
from graph.store.context import ContextSelector, identity_key_of, nothing_selected

if TYPE_CHECKING:
    from graph.store.database import Database

ENTITY_LIMIT = 20
KEYWORD_CANDIDATES = 1_000  # keyword matches ranked by their keywords alone (the best by BM25)
WEAK_CANDIDATES = 1_000  # rows with only the kind, intent or time asked about (the best of them)


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


def keyword_scores(history: History, question: Question) -> dict[str, float]:
    """BM25 of each message holding one of the question's terms, over the person's history
    alone (graph/domain/recall.py: keyword_scores is the same sum over id sets)."""
    return _by_id(history, *keyword_rows(history, question))


def _by_id(
    history: History, rows: npt.NDArray[np.int64], values: npt.NDArray[np.float64]
) -> dict[str, float]:
    ids = history.ids
    return dict(zip([ids[i] for i in rows.tolist()], values.tolist(), strict=True))


def keyword_rows(
    history: History, question: Question
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """The rows holding one of the question's terms (in order) and their BM25: one pass over
    the history's term hashes, then each term's rows."""
    wanted = [term_hash(t) for t in question.terms]
    if not wanted or not len(history.term_hashes):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    hit = np.isin(history.term_hashes, wanted)
    hashes, rows = history.term_hashes[hit], history.term_rows[hit]
    scores = np.zeros(len(history), dtype=np.float64)
    for h in dict.fromkeys(wanted):
        holding = rows[hashes == h]  # a message's hashes are distinct: one row each
        if len(holding):
            scores[holding] += word_weight(len(holding), len(history))
    found = np.flatnonzero(scores)
    return found, scores[found]


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
    question_vector = np.asarray(question.vector, dtype=np.float32)
    return matrix_similarities(question_vector, vectors, history.vector_norms)


@dataclass(frozen=True)
class Gathered:
    """What the ranking reads for one question: the history in scope and its keyword scores
    (by message id; and the rows holding a term, in order, with their scores)."""

    history: History
    keyword: dict[str, float]
    keyword_rows: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    keyword_values: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))


async def gather(
    db: Database, session_ids: list[str], request: RecallRequest, question: Question
) -> Gathered:
    """The history in scope and its keyword scores. Only what the text says is needed
    (`read_question`: keywords, the embedding model)."""
    history = await read_history(db, session_ids, request, question.model)
    rows, values = keyword_rows(history, question)
    return Gathered(history, _by_id(history, rows, values), rows, values)


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
    rows, evidence = _worth_ranking(gathered, question, weights)
    return fuse([history.candidate(i) for i in rows], evidence, now, weights)


def _worth_ranking(
    gathered: Gathered, question: Question, weights: Weights
) -> tuple[list[int], Evidence]:
    """The rows that can score (a keyword, an entity, hop or kind asked for, an intent, a
    similarity among the nearest, the time asked about) with their neighbours, and the evidence
    with the whole history's statistics."""
    history, keyword = gathered.history, gathered.keyword
    similarities: dict[str, float] = {}
    values = _similarity_values(history, question)
    similarity = np.full(len(history), -np.inf, dtype=np.float32)  # -inf: not embedded
    if values is not None:
        similarity[history.vector_rows] = values
    middle_top, nearest, row_of = _nearest(history, values, question, weights)
    ids = history.ids
    chosen: set[int] = set(
        _best_keyword_rows(history, gathered.keyword_rows, gathered.keyword_values, similarity)
    )
    if nearest:
        chosen.update(row_of[message_id] for message_id, _ in nearest[: weights.dense_candidates])
    keys, keyed = history.keys, history.keyed_rows
    asked = question.entities
    if asked:
        chosen.update(i for i in keyed if not asked.isdisjoint(keys[i]))
    best = max(keyword.values(), default=0.0)
    hops = set(co_mentioned([history.candidate(i) for i in chosen], asked))
    if best > 0:
        strong = [history.candidate(i) for i in chosen if ids[i] in keyword]
        hops.update(keyword_seeds(strong, keyword, best))
    wanted = asked | hops
    kinds = question.entity_types
    days = _days(question)
    if wanted:
        chosen.update(i for i in keyed if not wanted.isdisjoint(keys[i]))
    weak = _weak_rows(history, question, kinds, days)
    chosen.update(_best_weak_rows(history, weak, chosen, similarity))
    mentions = mention_counts((keys[i] for i in keyed), wanted)
    chosen.update(history.neighbours_of(list(chosen)))
    rows = sorted(chosen)
    if values is not None and rows:  # the candidates' similarities, without a map of every row
        close = similarity[rows].tolist()
        similarities = {
            ids[i]: value for i, value in zip(rows, close, strict=True) if value != -np.inf
        }
    evidence = Evidence(
        {ids[i]: keyword[ids[i]] for i in rows if ids[i] in keyword},
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


def _best_keyword_rows(
    history: History,
    rows: npt.NDArray[np.int64],
    values: npt.NDArray[np.float64],
    similarity: npt.NDArray[np.float32],
) -> list[int]:
    """The keyword matches that are candidates by their keywords alone: all of them, or in a long
    history the `KEYWORD_CANDIDATES` best by BM25 (ties: the most similar to the question, then
    the newest, then by id). A common word matches thousands of a 50,000-turn history; a message
    below the first 1,000 by its keywords — ten times the most a recall returns — would need its
    similarity, its session and its neighbours to lift it past 1,000 better matches into a
    recall's first 100 (`MAX_LIMIT`), and one among the nearest turns, or with an entity, intent
    or the time asked about, is a candidate for that anyway."""
    if len(rows) <= KEYWORD_CANDIDATES:
        every: list[int] = rows.tolist()
        return every
    edge = float(-np.partition(-values, KEYWORD_CANDIDATES - 1)[KEYWORD_CANDIDATES - 1])
    above: list[int] = rows[values > edge].tolist()
    tied: list[int] = rows[values == edge].tolist()  # as many of these as there is room for
    close, ats, ids = similarity.tolist(), history.ats, history.ids
    room = KEYWORD_CANDIDATES - len(above)
    return above + heapq.nlargest(room, tied, key=lambda i: (close[i], ats[i], ids[i]))


def _weak_rows(
    history: History, question: Question, kinds: frozenset[str], days: tuple[str, str] | None
) -> dict[int, int]:
    """The rows with a weak signal of their own — the kind of entity, the intent or the time
    asked about (a date mentioned in it, or sent then) — and how many of those they have."""
    weak: dict[int, int] = defaultdict(int)
    if kinds or days:
        keys = history.keys
        for i in history.keyed_rows:
            if _asks_for(keys[i], kinds, days):
                weak[i] += 1
    if question.intents:
        intents = history.intents
        for i in history.intent_rows:
            if not question.intents.isdisjoint(intents[i]):
                weak[i] += 1
    if question.time is not None:
        start, end = (int(t.timestamp() * 1000) for t in question.time)
        ats = history.at_array
        for i in np.flatnonzero((ats >= start) & (ats < end)).tolist():
            weak[i] += 1
    return weak


def _best_weak_rows(
    history: History,
    weak: dict[int, int],
    chosen: set[int],
    similarity: npt.NDArray[np.float32],
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
    close, ats, ids = similarity.tolist(), history.ats, history.ids
    return heapq.nlargest(WEAK_CANDIDATES, rows, key=lambda i: (weak[i], close[i], ats[i], ids[i]))


def _nearest(
    history: History,
    values: npt.NDArray[np.float32] | None,
    question: Question,
    weights: Weights,
) -> tuple[tuple[float, float] | None, list[tuple[str, float]] | None, dict[str, int]]:
    """The median and top similarity, and the turns nearest to the question (the dense
    signal's candidates and the first left out; ties by id) with their rows, over the whole
    history."""
    if values is None or not len(values):
        return None, None, {}
    middle = len(values) // 2
    middle_top = (float(np.partition(values, middle)[middle]), float(values.max()))
    if not (question.dense and weights.dense > 0):
        return middle_top, [], {}
    count = min(weights.dense_candidates + 1, len(values))
    edge = float(-np.partition(-values, count - 1)[count - 1])  # the count-th largest
    close = np.flatnonzero(values >= edge).tolist()  # ties at the edge too
    row_of = {history.ids[history.vector_rows[n]]: history.vector_rows[n] for n in close}
    pairs = ((message_id, float(values[n])) for n, message_id in zip(close, row_of, strict=True))
    return middle_top, nearest_turns(pairs, weights.dense_candidates + 1), row_of


def _days(question: Question) -> tuple[str, str] | None:
    if question.time is None:
        return None
    start, end = question.time
    return start.date().isoformat(), end.date().isoformat()


def _asks_for(keys: Sequence[str], kinds: frozenset[str], days: tuple[str, str] | None) -> bool:
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
    return RecallRecord(hits, _entities(gathered.history, question, hits))


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
    history: History, question: Question, hits: list[RecallHitRecord]
) -> list[ContextEntityRecord]:
    """The question's entities found in the history, then those the hits mention, each with
    where and when the history mentions it (a personal entity's value as the question or a hit
    names it: its key is a hash)."""
    wanted: list[str] = [k for k in sorted(question.entities)]
    values = dict(question.entity_values)
    for hit in hits:
        wanted += [m.key for m in hit.message.entities]
        values |= {m.key: m.value for m in hit.message.entities if is_hashed(m.key)}
    order = list(dict.fromkeys(wanted))
    seen: dict[str, list[int]] = defaultdict(list)
    keys = set(order)
    for i in history.keyed_rows:
        message_keys = history.keys[i]
        if not keys.isdisjoint(message_keys):
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
                values.get(key, "") if is_hashed(key) else value,
                _instant(history.ats[mentions[0]]),
                _instant(history.ats[mentions[-1]]),
                len(mentions),
                list(dict.fromkeys(history.channels[i] for i in mentions)),
            )
        )
    return found[:ENTITY_LIMIT]


def _instant(at_ms: int) -> datetime:
    return datetime.fromtimestamp(at_ms / 1000, tz=UTC)
