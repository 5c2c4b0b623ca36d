"""A sentence-embedding model (THREADLINE_EMBEDDINGS=e5-small-v2) on the API's write path and in
recall: a message is embedded just after commit, a paraphrase that shares no word with it finds
it (the dense signal), and a server asked for a model that is not installed refuses to start
with one line naming `make install`."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from enrichment.embedders import load_embedder
from enrichment.pipeline import Enricher
from graph.config import Settings
from graph.domain.events import EventInput
from graph.pipeline.batcher import IngestBatcher
from graph.recall.request import RecallRequest
from graph.recall.service import recall
from graph.store.context import ContextSelector
from graph.store.database import Database
from tests.helpers.cli import run_threadline

START = datetime(2003, 3, 1, tzinfo=UTC)
TURNS = [
    "Hello, I need help with my account",
    "Sure, what seems to be the problem?",
    "My parcel still has not arrived and it has been two weeks",
    "I am sorry to hear that, let me look into it",
    "Also I would like to change my password",
]


async def embedded(db: Database, session_id: str) -> list[tuple[str | None, int]]:
    records = await db.read("read/session_messages_embedded", sessionId=session_id)
    return [(r["model"], r["size"]) for r in records]


@pytest.mark.integration
@pytest.mark.anyio
async def test_a_paraphrase_finds_the_turn_it_shares_no_word_with(
    db: Database, rules_enricher: Enricher, uid: str
) -> None:
    embedder = load_embedder("e5-small-v2", Settings().model_folder())
    batcher = IngestBatcher(db, rules_enricher, embedder=embedder)
    written = await batcher.ingest(
        [
            EventInput(
                f"{uid}-{n}", "web", uid, text=text, occurred_at=START + timedelta(minutes=n)
            )
            for n, text in enumerate(TURNS)
        ]
    )
    session_id = written.results[0].session_id
    assert batcher.embeddings is not None
    began = time.monotonic()
    while any(model is None for model, _ in await embedded(db, session_id)):
        assert time.monotonic() - began < 10, "not embedded within 10 s"
        await asyncio.sleep(0.05)
    assert set(await embedded(db, session_id)) == {("e5-small-v2", 384)}

    question = "when will my delivery come"  # no word in common with the parcel turn
    selector = ContextSelector(session_id=session_id)
    now = START + timedelta(days=1)
    found = await recall(
        db,
        selector,
        RecallRequest(question, limit=3),
        enricher=rules_enricher,
        embedder=embedder,
        now=now,
    )
    assert found.hits[0].message.text == TURNS[2]
    assert "dense" in found.hits[0].signals
    without = await recall(
        db,
        selector,
        RecallRequest(question, limit=3),
        enricher=rules_enricher,
        embedder=None,
        now=now,
    )
    assert TURNS[2] not in [h.message.text for h in without.hits]


def test_a_server_asked_for_a_missing_model_says_how_to_install_it(tmp_path: Path) -> None:
    done = run_threadline(
        "serve",
        "--dev",
        env={
            "NEO4J_URI": "bolt://127.0.0.1:1",
            "THREADLINE_EMBEDDINGS": "e5-small-v2",
            "THREADLINE_MODELS_DIR": str(tmp_path),
        },
        timeout=120,
    )
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()[-1:]
    assert line.startswith("error: the e5-small-v2 embedding model is not installed")
    assert "make install" in line
    assert "Traceback" not in done.stderr
