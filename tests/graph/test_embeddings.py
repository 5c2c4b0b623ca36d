"""Message embeddings (THREADLINE_EMBEDDINGS=wordllama): the model loads from its package with no
network, messages are embedded in context (after the message before them) just after commit and
by `threadline reenrich --embeddings` (resumable: each message once), and a recall reorders its
matches by similarity, comparing the question with stored bytes (one signed byte per dimension)
as it would with the floats."""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from enrichment.embedders import load_embedder
from enrichment.embeddings import EmbeddingError, in_context, stored_similarities
from enrichment.pipeline import Enricher
from graph.config import Settings
from graph.domain.events import EventInput
from graph.pipeline.ingest import ingest_events
from graph.pipeline.reenrich import backfill_embeddings, embed_messages
from graph.recall.question import understand
from graph.recall.request import RecallRequest
from graph.recall.service import recall
from graph.store.context import ContextSelector
from graph.store.database import Database


def test_the_model_loads_from_its_package_and_gives_unit_vectors() -> None:
    embedder = load_embedder("wordllama")
    assert embedder is not None
    rows = embedder.embed(["I want my money back", "refund please", "the weather is nice"])
    assert rows.shape == (3, embedder.dimensions) == (3, 64)
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-4)
    assert rows[0] @ rows[1] > rows[0] @ rows[2]  # money back ~ refund
    assert load_embedder("off") is None
    with pytest.raises(EmbeddingError):
        load_embedder("no-such-model")


def _window() -> datetime:
    """A private time window, so a test only touches its own messages on a shared server."""
    return datetime(2002, 1, 1, tzinfo=UTC) + timedelta(minutes=random.randrange(10**6))


async def _stored(db: Database, session_id: str) -> list[tuple[str, str | None, int]]:
    records, _, _ = await db.driver.execute_query(
        "MATCH (m:Message {sessionId: $s}) RETURN m.text AS text, m.embeddingModel AS model, "
        "size(coalesce(m.embedding, [])) AS size ORDER BY m.seq",
        s=session_id,
        database_=db.name,
    )
    return [(r["text"], r["model"], r["size"]) for r in records]


@pytest.mark.integration
@pytest.mark.anyio
async def test_messages_are_embedded_in_context_and_recall_uses_it(
    db: Database, rules_enricher: Enricher, uid: str
) -> None:
    embedder = load_embedder("wordllama")
    assert embedder is not None
    start = _window()
    texts = [
        f"my refund for the kettle {uid} has not arrived",
        "the refund desk is closed on sundays",
        "can I get my money back for the broken kettle",
    ]
    events = [
        EventInput(f"{uid}-{n}", "web", uid, text=text, occurred_at=start + timedelta(minutes=n))
        for n, text in enumerate(texts)
    ]
    written = await ingest_events(db, events, rules_enricher)
    session_id = written.results[0].session_id
    ids = [str(r.message_id) for r in written.results]
    assert await embed_messages(db, embedder, ids) == 3
    assert await _stored(db, session_id) == [(t, "wordllama-64", 64) for t in texts]
    await db.driver.execute_query(
        "CALL db.index.fulltext.awaitEventuallyConsistentIndexRefresh()", database_=db.name
    )
    query = "refund for the broken kettle"
    question = await understand(query, start + timedelta(days=1), rules_enricher, embedder)
    assert question.vector is not None
    found = await recall(
        db,
        ContextSelector(session_id=session_id),
        RecallRequest(query),
        enricher=rules_enricher,
        embedder=embedder,
        now=start + timedelta(days=1),
    )
    assert any("vector" in hit.signals for hit in found.hits)
    # stored as one signed byte per dimension: the similarity it gives is the float one's
    records, _, _ = await db.driver.execute_query(
        "MATCH (m:Message {sessionId: $s}) RETURN m.text AS text, m.embedding AS stored "
        "ORDER BY m.seq",
        s=session_id,
        database_=db.name,
    )
    assert all(isinstance(r["stored"], bytes) for r in records)
    # each message in context: after the message before it in its session
    in_session = [
        in_context(text, before) for before, text in zip([None, *texts[:-1]], texts, strict=True)
    ]
    exact = embedder.embed(in_session) @ np.asarray(question.vector)
    stored = stored_similarities(
        np.asarray(question.vector, dtype=np.float32), [r["stored"] for r in records]
    )
    assert np.allclose(stored, exact, atol=0.01)


@pytest.mark.integration
@pytest.mark.anyio
async def test_backfill_embeds_each_stored_message_once(
    db: Database, settings: Settings, uid: str
) -> None:
    embedder = load_embedder("wordllama")
    assert embedder is not None
    start = _window()
    events = [
        EventInput(f"{uid}-{n}", "sms", uid, text=f"message {n}", occurred_at=start)
        for n in range(5)
    ]
    written = await ingest_events(db, events)  # stored without embeddings
    session_id = written.results[0].session_id
    assert {model for _, model, _ in await _stored(db, session_id)} == {None}
    window = (start, start + timedelta(minutes=1))
    assert await backfill_embeddings(db, embedder, *window, page_size=2) == 5
    assert {(m, n) for _, m, n in await _stored(db, session_id)} == {("wordllama-64", 64)}
    assert await backfill_embeddings(db, embedder, *window) == 0  # resumable: nothing left
    # the command line does the same (nothing left to do here)
    auth = settings.neo4j_auth() or ("neo4j", "")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "api.cli",
            "reenrich",
            "--embeddings",
            "wordllama",
            "--since",
            window[0].isoformat(),
            "--until",
            window[1].isoformat(),
        ],
        env={
            **os.environ,
            "NEO4J_URI": settings.neo4j_uri or "",
            "NEO4J_USER": auth[0],
            "NEO4J_PASSWORD": auth[1],
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "embedded 0 messages" in done.stderr


@pytest.mark.integration
@pytest.mark.anyio
async def test_through_the_batcher_a_message_is_embedded_within_a_second(
    db: Database, rules_enricher: Enricher, uid: str
) -> None:
    """The API's write path embeds after commit, off the request: a message is stored (and
    recallable by keywords) at once, and has its embedding well within a second."""
    import time

    from graph.pipeline.batcher import IngestBatcher

    batcher = IngestBatcher(db, rules_enricher, embedder=load_embedder("wordllama"))
    written = await batcher.ingest(
        [EventInput(f"{uid}-1", "web", uid, text="the blender lid cracked", occurred_at=_window())]
    )
    session_id = written.results[0].session_id
    began = time.monotonic()
    while True:
        [(_, model, size)] = await _stored(db, session_id)
        if model is not None:
            break
        assert time.monotonic() - began < 1.0, "not embedded within 1 s"
        await asyncio.sleep(0.02)
    assert (model, size) == ("wordllama-64", 64)
    # a replay is not embedded again, and nothing is left queued
    await batcher.ingest(
        [EventInput(f"{uid}-1", "web", uid, text="the blender lid cracked", occurred_at=_window())]
    )
    assert batcher.embeddings is not None
    await batcher.embeddings.flush()
    assert batcher.embeddings.queue == []


@pytest.mark.integration
@pytest.mark.anyio
async def test_what_does_not_fit_in_the_queue_is_embedded_from_the_store(
    db: Database, rules_enricher: Enricher, uid: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ingest faster than the model: the queue holds at most MAX_QUEUED messages, the rest wait
    in the store (only their time span is kept) and are embedded once the queue is empty."""
    from graph.pipeline import embed_later
    from graph.pipeline.batcher import IngestBatcher

    monkeypatch.setattr(embed_later, "MAX_QUEUED", 3)
    batcher = IngestBatcher(db, rules_enricher, embedder=load_embedder("wordllama"))
    worker = batcher.embeddings
    assert worker is not None
    start = _window()
    events = [
        EventInput(
            f"{uid}-{n}", "web", uid, text=f"note {n}", occurred_at=start + timedelta(seconds=n)
        )
        for n in range(10)
    ]
    written = await batcher.ingest(events)
    assert worker.pending <= 3
    assert worker.deferred == 7
    assert worker.left_in_store == (
        start + timedelta(seconds=3),
        start + timedelta(seconds=9, milliseconds=1),
    )
    await worker.flush()
    stored = await _stored(db, written.results[0].session_id)
    assert [(model, size) for _, model, size in stored] == [("wordllama-64", 64)] * 10
    assert worker.embedded == 10
    assert worker.left_in_store is None
