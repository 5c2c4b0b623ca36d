"""Recall blocks (graph/store/recall_blocks.py): a session's messages packed for recall, a cache
that must never change what recall sees. The history read from blocks equals the history read
message by message (columns, embeddings, filters); the pruned ranking equals the ranking of
every message; whatever changes a covered message drops the blocks; erasure leaves none."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from enrichment.embedders import load_embedder
from enrichment.pipeline import Enricher
from enrichment.terms import term_hash, terms
from graph.compliance.gdpr import erase_user
from graph.domain.events import EventInput
from graph.domain.recall import fuse
from graph.domain.recall import keyword_scores as reference_keyword_scores
from graph.pipeline.ingest import ingest_events
from graph.pipeline.reenrich import embed_messages, reenrich
from graph.recall import history as history_module
from graph.recall.block_cache import BlockCache
from graph.recall.history import AssembledCache, History, assemble, read_history
from graph.recall.question import read_question, understand
from graph.recall.request import RecallRequest
from graph.recall.search import evidence_for, gather, keyword_scores, rank
from graph.store.database import Database, Tx
from graph.store.recall_blocks import (
    BLOCK_SIZE,
    StaleBlockFormat,
    build_blocks,
    coverable,
    drop_blocks,
    pack,
    refresh_blocks,
    stale_blocks,
    unpack,
    write_blocks,
)

MODEL = "wordllama-64"


def test_a_block_packs_its_columns_terms_and_embeddings() -> None:
    messages = [
        ["m1", 1, 1000, "web", "USER", ["ORDER_ID:A1"], [], "Refunds, refund!", bytes([1, 2, 3])],
        ["m2", 2, 2000, "sms", "AGENT", None, ["refund"], None, None],
        ["m3", 3, 3000, "web", "USER", [], None, "the kettle's lid", bytes([4, 5, 6])],
    ]
    block = unpack(pack("m", messages))
    assert block.model == "m"
    assert block.columns["ids"] == ["m1", "m2", "m3"]
    assert block.columns["keys"] == [("ORDER_ID:A1",), (), ()]
    assert block.columns["intents"] == [(), ("refund",), ()]
    assert block.embedded == [0, 2]
    assert block.vectors.tolist() == [[1, 2, 3], [4, 5, 6]]
    # each message's distinct terms (enrichment/terms.py), by position
    assert block.term_rows.tolist() == [0, 2, 2]
    assert block.term_hashes.tolist() == [term_hash("refund"), term_hash("kettl"), term_hash("lid")]
    with pytest.raises(ValueError, match="not a TRB2 recall block"):
        unpack(b"XXXX" + bytes(12))
    with pytest.raises(StaleBlockFormat):  # an earlier release's blocks are read again
        unpack(b"TRB1" + bytes(12))


def test_the_history_scores_keywords_as_bm25_over_its_own_messages() -> None:
    """The question's terms matched over the history's term hashes give the reference sum of
    graph/domain/recall.py (keyword_scores over which messages hold each term), with filters."""
    texts = [
        "I want a refund for the kettle",
        "Your refund was sent",
        "The kettle arrived broken, refunds please",
        "Thanks!",
        "",
    ]
    later: list[list[object]] = [
        [f"m{n}", n + 1, 1000 * n, "web", "USER" if n % 2 == 0 else "AGENT", [], [], None, text]
        for n, text in enumerate(texts)
    ]
    question = read_question("what about the refunded kettles?", datetime.now(UTC), None)
    assert question.terms == ("refund", "kettl")
    for request in (RecallRequest("x"), RecallRequest("x", roles=["USER"])):
        history = assemble([["s1", "0:0", [], later]], request, None)
        held = {
            term: {
                history.ids[i]
                for i in range(len(history))
                if term in terms(texts[int(history.ids[i][1:])])
            }
            for term in question.terms
        }
        expected = reference_keyword_scores(held, len(history))
        assert keyword_scores(history, question) == expected
    assert set(expected) == {"m0", "m2"}
    assert expected["m0"] == expected["m2"]


def test_a_block_stops_at_the_first_message_waiting_for_its_embedding() -> None:
    waiting = ["m2", 2, 0, "web", "USER", [], [], "text", None]
    done = ["m1", 1, 0, "web", "USER", [], [], "text", b"\x01"]
    anonymized = ["m3", 3, 0, "web", "USER", [], [], False, None]
    assert coverable([done, waiting, done], "model") == [done]
    assert coverable([done, anonymized, waiting], "model") == [done, anonymized]
    assert coverable([done, waiting], None) == [done, waiting]  # embeddings off: nothing waits


def _start() -> datetime:
    return datetime.now(UTC) - timedelta(hours=2)


WORDS = ["refund", "kettle", "delivery", "invoice", "password", "memphis", "order", "parcel"]


async def _session(db: Database, enricher: Enricher, uid: str, count: int) -> tuple[str, str]:
    """`count` messages of one person in one session, the first ones mentioning orders."""
    start = _start()
    rng = random.Random(uid)
    events = [
        EventInput(
            f"{uid}-{n}",
            "web",
            uid,
            text=f"{rng.choice(WORDS)} {rng.choice(WORDS)} about order A-{1000 + n % 7} {n}",
            occurred_at=start + timedelta(seconds=n),
        )
        for n in range(count)
    ]
    user_id = ""
    for first in range(0, count, 100):
        written = await ingest_events(db, events[first : first + 100], enricher)
        user_id = str(written.results[0].user_id)
    records, _, _ = await db.driver.execute_query(  # the longest session (a long batch can split)
        "MATCH (m:Message) WHERE m.eventId STARTS WITH $uid AND m.seq > 0 "
        "RETURN m.sessionId AS id, count(*) AS n ORDER BY n DESC LIMIT 1",
        uid=f"{uid}-",
        database_=db.name,
    )
    return str(records[0]["id"]), user_id


def _same_columns(a: History, b: History) -> None:
    for column in ("ids", "sessions", "seqs", "ats", "channels", "roles", "keys", "intents"):
        assert getattr(a, column) == getattr(b, column), column
    assert _terms_by_id(a) == _terms_by_id(b)


def _terms_by_id(history: History) -> dict[str, set[int]]:
    found: dict[str, set[int]] = {}
    for row, h in zip(history.term_rows.tolist(), history.term_hashes.tolist(), strict=True):
        found.setdefault(history.ids[row], set()).add(h)
    return found


async def _recall_state(db: Database, session_id: str) -> tuple[int, int]:
    records, _, _ = await db.driver.execute_query(
        "MATCH (s:Session {id: $s}) RETURN coalesce(s.recallUpTo, 0) AS upTo, "
        "COUNT { MATCH (b:RecallBlock) WHERE b.sessionId = $s } AS blocks",
        s=session_id,
        database_=db.name,
    )
    return records[0]["upTo"], records[0]["blocks"]


def _same(a: History, b: History) -> None:
    _same_columns(a, b)
    assert [a.ids[i] for i in a.vector_rows] == [b.ids[i] for i in b.vector_rows]
    assert a.vectors is not None
    assert b.vectors is not None
    assert np.array_equal(a.vectors, b.vectors)


@pytest.mark.integration
@pytest.mark.anyio
async def test_blocks_give_recall_the_same_history_and_ranking_as_the_messages(
    db: Database, rules_enricher: Enricher, uid: str
) -> None:
    embedder = load_embedder("wordllama")
    assert embedder is not None
    assert embedder.name == MODEL
    session_id, _ = await _session(db, rules_enricher, uid, 3 * BLOCK_SIZE + 40)
    ids = await _message_ids(db, session_id)
    count = len(ids)
    assert count > 2 * BLOCK_SIZE
    assert await embed_messages(db, embedder, ids) == count  # the blocks follow the embeddings
    assert await _recall_state(db, session_id) == (count, -(-count // BLOCK_SIZE))

    whole = await read_history(db, [session_id], RecallRequest("refund"), MODEL)
    middle = datetime.fromtimestamp(sorted(whole.ats)[100] / 1000, tz=UTC)
    requests = [
        RecallRequest("refund for the kettle"),
        RecallRequest("order A-1003", channels=["web"], since=middle),
        RecallRequest("parcel delivery", roles=["USER"], until=middle),
    ]
    from_blocks = [await read_history(db, [session_id], r, MODEL) for r in requests]
    await drop_blocks(db, [session_id])
    assert await _recall_state(db, session_id) == (0, 0)
    one_by_one = [await read_history(db, [session_id], r, MODEL) for r in requests]
    for a, b in zip(from_blocks, one_by_one, strict=True):
        _same(a, b)
    assert [len(h) for h in from_blocks] == [count, count - 100, 100]

    # the ranking of the messages with a signal (and their neighbours) is the ranking of all
    now = datetime.now(UTC)
    for text in ["refund for the kettle", "what about order A-1004", "memphis password reset"]:
        question = await understand(text, now, rules_enricher, embedder)
        gathered = await gather(db, [session_id], RecallRequest(text), question)
        everything = fuse(gathered.history.candidates(), evidence_for(gathered, question), now)
        pruned = rank(gathered, question, now)
        assert [(r.id, r.score, r.signals) for r in pruned] == [
            (r.id, r.score, r.signals) for r in everything
        ]
        assert pruned


@pytest.mark.integration
@pytest.mark.anyio
async def test_blocks_of_an_earlier_format_are_read_again_and_rebuilt(
    db: Database, rules_enricher: Enricher, uid: str
) -> None:
    """After an upgrade, a session's blocks in the previous format (TRB1: no terms) never hide
    its messages: recall reads them one by one, and the blocks are rebuilt meanwhile."""
    session_id, _ = await _session(db, rules_enricher, uid, BLOCK_SIZE + 10)
    await refresh_blocks(db, [session_id], None)
    request = RecallRequest("refund")
    current = await read_history(db, [session_id], request, None, cache=None, assembled=None)
    await db.driver.execute_query(
        "MATCH (b:RecallBlock) WHERE b.sessionId = $s SET b.data = $old",
        s=session_id,
        old=b"TRB1" + bytes(8),
        database_=db.name,
    )
    again = await read_history(db, [session_id], request, None, cache=None, assembled=None)
    assert again.ids == current.ids
    assert _terms_by_id(again) == _terms_by_id(current)
    await asyncio.gather(*history_module._rebuilding)
    records, _, _ = await db.driver.execute_query(
        "MATCH (b:RecallBlock) WHERE b.sessionId = $s RETURN b.data AS data",
        s=session_id,
        database_=db.name,
    )
    assert records
    assert all(r["data"][:4] == b"TRB2" for r in records)
    _same_columns(
        await read_history(db, [session_id], request, None, cache=None, assembled=None), current
    )


async def _message_ids(db: Database, session_id: str) -> list[str]:
    records, _, _ = await db.driver.execute_query(
        "MATCH (m:Message) WHERE m.sessionId = $s AND m.seq > 0 RETURN m.id AS id ORDER BY m.seq",
        s=session_id,
        database_=db.name,
    )
    return [r["id"] for r in records]


@pytest.mark.integration
@pytest.mark.anyio
async def test_new_messages_are_read_after_the_blocks_until_embedded(
    db: Database, rules_enricher: Enricher, uid: str
) -> None:
    embedder = load_embedder("wordllama")
    assert embedder is not None
    session_id, _ = await _session(db, rules_enricher, uid, 30)
    await embed_messages(db, embedder, await _message_ids(db, session_id))
    assert await _recall_state(db, session_id) == (30, 1)
    more = [EventInput(f"{uid}-more-{n}", "web", uid, text=f"later parcel {n}") for n in range(5)]
    await ingest_events(db, more, rules_enricher)
    history = await read_history(db, [session_id], RecallRequest("parcel"), MODEL)
    assert len(history) == 35  # 30 from the block, 5 one by one
    assert len(history.vector_rows) == 30  # the new ones are not embedded yet
    assert history.seqs == sorted(history.seqs)
    # a block is not rebuilt while the next message still waits for its embedding
    assert await refresh_blocks(db, [session_id], MODEL) == 0
    await embed_messages(db, embedder, await _message_ids(db, session_id))
    assert await _recall_state(db, session_id) == (35, 1)


@pytest.mark.integration
@pytest.mark.anyio
async def test_reenrichment_drops_and_rebuilds_the_blocks_and_erasure_leaves_none(
    db: Database, rules_enricher: Enricher, uid: str
) -> None:
    embedder = load_embedder("wordllama")
    assert embedder is not None
    session_id, user_id = await _session(db, rules_enricher, uid, 20)
    await embed_messages(db, embedder, await _message_ids(db, session_id))
    assert await _recall_state(db, session_id) == (20, 1)
    records, _, _ = await db.driver.execute_query(
        "MATCH (m:Message) WHERE m.sessionId = $s AND m.seq > 0 "
        "RETURN min(m.at) AS a, max(m.at) AS b",
        s=session_id,
        database_=db.name,
    )
    since, until = records[0]["a"].to_native(), records[0]["b"].to_native() + timedelta(seconds=1)
    await reenrich(db, rules_enricher, since, until)
    assert await _recall_state(db, session_id) == (0, 0)
    assert await build_blocks(db, MODEL) >= 1  # what `threadline reenrich` runs at its end
    assert await _recall_state(db, session_id) == (20, 1)
    # embedded again (another model, a backfill): a covered message drops the blocks
    await embed_messages(db, embedder, (await _message_ids(db, session_id))[:1])
    assert await _recall_state(db, session_id) == (20, 1)  # dropped, then rebuilt at once
    await erase_user(db, user_id, actor="test")
    records, _, _ = await db.driver.execute_query(
        "MATCH (b:RecallBlock) WHERE b.sessionId = $s RETURN count(b) AS n",
        s=session_id,
        database_=db.name,
    )
    assert records[0]["n"] == 0


def _one_session(size: int) -> History:
    """A history of one session, a message a millisecond."""
    return History(
        ids=[f"m{n:05}" for n in range(size)],
        sessions=["s"] * size,
        seqs=list(range(1, size + 1)),
        ats=[1_700_000_000_000 + n for n in range(size)],
    )


def test_in_a_long_history_the_best_keyword_matches_are_candidates_by_keywords_alone() -> None:
    """All keyword matches in a short history; in a long one the best `KEYWORD_CANDIDATES` by
    BM25, ties at the edge to the most similar to the question, then the newest."""
    from graph.recall.search import KEYWORD_CANDIDATES, _best_keyword_rows

    size = 3 * KEYWORD_CANDIDATES
    history = _one_session(size)
    unknown = np.full(size, -np.inf, dtype=np.float32)
    few_rows, few_values = np.arange(10), np.ones(10)
    assert _best_keyword_rows(history, few_rows, few_values, unknown) == list(range(10))
    rows = np.arange(size)
    values = np.array([(n % 7) / 7 for n in range(size)])
    best = set(_best_keyword_rows(history, rows, values, unknown))
    assert len(best) == KEYWORD_CANDIDATES
    floor = min(values[i] for i in best)
    assert all(values[i] <= floor for i in set(range(size)) - best)  # none better left out
    tied = [n for n in range(size) if values[n] == floor]
    kept = sorted(set(tied) & best)
    assert kept == tied[-len(kept) :]  # without embeddings: the newest of the tied
    similar = np.array([(n % 5) / 5 for n in range(size)], dtype=np.float32)
    by_similarity = set(_best_keyword_rows(history, rows, values, similar))
    assert min(similar[i] for i in by_similarity & set(tied)) >= max(
        similar[i] for i in set(tied) - by_similarity
    )


def test_in_a_long_history_the_best_weak_matches_are_candidates() -> None:
    """Rows with only the kind, intent or time asked about: all of them in a short history; in
    a long one the best `WEAK_CANDIDATES` — more such signals first, then the most similar to
    the question, then the newest."""
    from graph.recall.search import WEAK_CANDIDATES, _best_weak_rows

    size = 3 * WEAK_CANDIDATES
    history = _one_session(size)
    history.vector_rows = list(range(size))
    unknown = np.full(size, -np.inf, dtype=np.float32)
    few = {n: 1 for n in range(10)}
    assert sorted(_best_weak_rows(history, few, {3}, unknown)) == [0, 1, 2, 4, 5, 6, 7, 8, 9]
    weak = {n: 2 if n % 100 == 0 else 1 for n in range(size)}
    similar = np.array([(n % 37) / 37 for n in range(size)], dtype=np.float32)
    best = set(_best_weak_rows(history, weak, set(), similar))
    assert len(best) == WEAK_CANDIDATES
    assert {n for n in range(size) if weak[n] == 2} <= best  # both signals: kept
    floor = min(float(similar[n]) for n in best if weak[n] == 1)
    assert all(float(similar[n]) <= floor for n in set(range(size)) - best)
    newest = set(_best_weak_rows(history, weak, set(), unknown))
    assert max(range(size)) in newest  # without embeddings: the newest
    assert min(n for n in range(size) if weak[n] == 1) not in newest


@pytest.mark.integration
@pytest.mark.anyio
async def test_a_change_made_while_blocks_are_packed_wins(
    db: Database, rules_enricher: Enricher, uid: str
) -> None:
    """The builder holds no lock while it packs: a re-enrichment, erasure or retention that
    commits meanwhile bumps the session's recall version, and the packed blocks are not
    written (they would hold what the change replaced)."""
    embedder = load_embedder("wordllama")
    assert embedder is not None
    session_id, _ = await _session(db, rules_enricher, uid, 20)
    await embed_messages(db, embedder, await _message_ids(db, session_id))
    await drop_blocks(db, [session_id])

    async def interleaved(tx: Tx) -> int:
        rows = await stale_blocks(tx, [session_id], MODEL)
        assert rows  # packed from the messages as they were read
        await drop_blocks(db, [session_id])  # another transaction: the messages changed
        return await write_blocks(tx, rows)

    await db.write_tx(interleaved)
    assert await _recall_state(db, session_id) == (0, 0)  # nothing written
    await refresh_blocks(db, [session_id], MODEL)  # the next build reads the change
    assert await _recall_state(db, session_id) == (20, 1)


@pytest.mark.integration
@pytest.mark.anyio
async def test_with_embeddings_off_a_session_gets_its_blocks_every_32_messages(
    db: Database, rules_enricher: Enricher, uid: str
) -> None:
    from graph.pipeline.batcher import IngestBatcher
    from graph.pipeline.blocks_later import EVERY

    batcher = IngestBatcher(db, rules_enricher, embedder=None)
    assert batcher.blocks is not None
    session_id = ""
    for n in range(EVERY + 5):  # said now: one open session
        written = await batcher.ingest([EventInput(f"{uid}-{n}", "web", uid, text=f"turn {n}")])
        session_id = written.results[0].session_id
        await batcher.blocks.flush()  # each build done before the next message (deterministic)
        if n == EVERY - 2:
            assert await _recall_state(db, session_id) == (0, 0)  # not yet: 31 messages
    up_to, blocks = await _recall_state(db, session_id)
    assert (up_to, blocks) == (EVERY, 1)  # the 32 messages then; the 5 after are read one by one
    history = await read_history(db, [session_id], RecallRequest("turn"), None)
    assert len(history) == EVERY + 5
    assert history.vectors is None


@pytest.mark.integration
@pytest.mark.anyio
async def test_the_blocks_a_process_holds_are_not_read_again_until_they_change(
    db: Database, rules_enricher: Enricher, uid: str
) -> None:
    embedder = load_embedder("wordllama")
    assert embedder is not None
    session_id, _ = await _session(db, rules_enricher, uid, BLOCK_SIZE + 30)
    await embed_messages(db, embedder, await _message_ids(db, session_id))
    cache, assembled = BlockCache(), AssembledCache()
    request = RecallRequest("refund")
    uncached = await read_history(db, [session_id], request, MODEL, cache=None, assembled=None)
    first = await read_history(db, [session_id], request, MODEL, cache=cache, assembled=assembled)
    assert cache.size > 0
    assert assembled.size > 0
    known = cache.known([session_id])
    [record] = await db.read(
        "recall/history", sessionIds=[session_id], model=MODEL, known=known, reread=[]
    )
    [[_, version, blocks, later]] = record["sessions"]
    assert (blocks, later) == ([], [])  # Neo4j sends nothing the process holds
    assert known == {session_id: version}
    second = await read_history(db, [session_id], request, MODEL, cache=cache, assembled=assembled)
    assert second is first  # nothing changed: the history as put together last time
    _same(first, uncached)

    # a covered message changes (as a re-enrichment does): the blocks are dropped, rebuilt, read
    await drop_blocks(db, [session_id])
    await db.driver.execute_query(
        "MATCH (m:Message) WHERE m.sessionId = $s AND m.seq = 1 SET m.entityKeys = ['SKU:NEW-1']",
        s=session_id,
        database_=db.name,
    )
    assert await build_blocks(db, MODEL) >= 1
    changed = await read_history(db, [session_id], request, MODEL, cache=cache, assembled=assembled)
    assert changed.keys[0] == ("SKU:NEW-1",)
    fresh = await read_history(db, [session_id], request, MODEL, cache=None, assembled=None)
    _same(changed, fresh)


def test_messages_after_the_blocks_are_spliced_in_after_their_sessions_blocks() -> None:
    """The history put together from blocks once, with each session's newer messages spliced in
    after its own blocks, equals the history put together from scratch: columns, each row's
    terms and embedding (sessions with blocks and newer messages, blocks only, newer only)."""
    rng = random.Random(7)

    def message(session: str, seq: int) -> list[object]:
        text = " ".join(rng.choice(WORDS) for _ in range(4))
        vector = bytes(rng.randrange(256) for _ in range(4)) if seq % 3 else None
        return [f"{session}-{seq}", seq, 1000 * seq, "web", "USER", [], [], text, vector]

    def later(m: list[object]) -> list[object]:  # recall/history's shape: embedding, then text
        return [*m[:7], m[8], m[7]]

    sessions = []
    for name, in_blocks, after in [("a", 5, 3), ("b", 4, 0), ("c", 0, 2), ("d", 6, 1), ("e", 0, 0)]:
        rows = [message(name, seq) for seq in range(1, in_blocks + after + 1)]
        blocks = [pack(MODEL, rows[:in_blocks])] if in_blocks else []
        # the first newer row repeats the last block row (a block written between reads)
        tail = rows[max(in_blocks - 1, 0) :] if after else []
        sessions.append([name, f"0:{in_blocks}", blocks, [later(m) for m in tail]])
    request = RecallRequest("x")
    scratch = assemble(sessions, request, MODEL)
    spliced = asyncio.run(_spliced(sessions, request))
    for column in ("ids", "sessions", "seqs", "ats", "channels", "roles", "keys", "intents"):
        assert getattr(spliced, column) == getattr(scratch, column), column
    assert len(scratch) == 5 + 3 + 4 + 2 + 6 + 1
    assert _terms_by_id(spliced) == _terms_by_id(scratch)
    assert spliced.vectors is not None
    assert scratch.vectors is not None
    assert _vectors_by_id(spliced) == _vectors_by_id(scratch)


async def _spliced(sessions: list[list[Any]], request: RecallRequest) -> History:
    class Once:
        async def read(self, name: str, **params: object) -> list[dict[str, object]]:
            return [{"sessions": sessions}]

    ids = [s[0] for s in sessions]
    assembled = AssembledCache()
    first = await read_history(Once(), ids, request, MODEL, cache=None, assembled=assembled)  # type: ignore[arg-type]
    assert assembled.size > 0
    again = await read_history(Once(), ids, request, MODEL, cache=None, assembled=assembled)  # type: ignore[arg-type]
    assert _terms_by_id(again) == _terms_by_id(first)
    return again


def _vectors_by_id(history: History) -> dict[str, list[int]]:
    assert history.vectors is not None
    return {
        history.ids[row]: history.vectors[n].tolist() for n, row in enumerate(history.vector_rows)
    }


def test_the_block_cache_is_bounded_by_size_and_age() -> None:
    block = unpack(pack(MODEL, [["m1", 1, 0, "web", "USER", [], [], "t", b"\x01\x02"]]))
    now = [0.0]
    cache = BlockCache(max_bytes=100, max_age=60.0, clock=lambda: now[0])
    cache.put("s1", "1:1", (block,), 40)
    cache.put("s2", "1:1", (block,), 40)
    assert cache.get("s1", "1:1") == (block,)  # s1 is now the most recently used
    cache.put("s3", "1:1", (block,), 40)  # over 100 bytes: the least recently used goes
    assert cache.get("s2", "1:1") is None
    assert cache.known(["s1", "s2", "s3"]) == {"s1": "1:1", "s3": "1:1"}
    assert cache.size == 80
    assert cache.get("s1", "2:1") is None  # another version is another content
    cache.put("big", "1:1", (block,), 101)  # larger than the whole cache: not kept
    assert cache.known(["big"]) == {}
    now[0] = 61.0
    assert cache.known(["s1", "s3"]) == {}  # too old: read again
    assert cache.get("s1", "1:1") is None
    assert cache.size == 80  # still held until a sweep
    cache.put("s4", "1:1", (block,), 10)  # a put sweeps (at most every max_age / 10)
    assert cache.size == 10  # the old ones left memory, not only use
    now[0] = 62.0
    cache.put("s5", "1:1", (block,), 10)
    assert cache.size == 20
