"""Embeddings computed just after commit, off the request path (like Lucene's eventually
consistent fulltext index): the batcher hands over each committed message, a background task
embeds them in batches and stores the vectors. A message is recallable by keywords, entities and
time at once, and by similarity a moment later (tests/graph/test_embeddings.py: within 1 s).

Measured through the API, embedding inside the request cost ~28 % of the ingest-batch rate;
after commit the requests no longer wait for it (docs/PERFORMANCE.md, Recall). Nothing is lost
if the process stops with work queued: `threadline reenrich --embeddings` embeds every message
that has no embedding of the model.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from graph.pipeline.enrich import embed

if TYPE_CHECKING:
    from enrichment.embeddings import Embedder
    from graph.store.database import Database

log = logging.getLogger("threadline.embeddings")

BATCH = 256  # messages per embedding call and per write
MAX_QUEUED = 50_000  # beyond this, messages wait for `reenrich --embeddings` (logged)


class EmbeddingWorker:
    """One per process: `submit` committed messages; they are embedded and stored in order."""

    def __init__(self, db: Database, embedder: Embedder) -> None:
        self.db = db
        self.embedder = embedder
        self.queue: list[tuple[str, str]] = []  # (message id, text)
        self.task: asyncio.Task[None] | None = None
        self.dropped = 0

    def submit(self, messages: list[tuple[str, str]]) -> None:
        room = MAX_QUEUED - len(self.queue)
        if room < len(messages):
            self.dropped += len(messages) - max(room, 0)
            log.warning(
                "embedding queue full: %d messages left for `threadline reenrich --embeddings`",
                self.dropped,
            )
            messages = messages[: max(room, 0)]
        self.queue.extend(messages)
        if self.queue and (self.task is None or self.task.done()):
            self.task = asyncio.create_task(self._drain())

    async def _drain(self) -> None:
        while self.queue:
            batch, self.queue = self.queue[:BATCH], self.queue[BATCH:]
            try:
                vectors = await embed(self.embedder, [text for _, text in batch])
                rows = [
                    {"id": message_id, "embedding": values}
                    for (message_id, _), (_, values) in zip(batch, vectors, strict=True)
                ]
                await self.db.write(
                    "enrichment/set_embeddings", rows=rows, model=self.embedder.name
                )
            except Exception:  # the store is down or the model failed: the backfill redoes it
                log.exception("embedding %d messages failed", len(batch))

    async def flush(self) -> None:
        """Wait until everything submitted so far is stored (tests, shutdown)."""
        while self.task is not None and not self.task.done():
            await asyncio.shield(self.task)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.flush(), timeout=10)
