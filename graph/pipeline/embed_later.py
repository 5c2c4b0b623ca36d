"""Embeddings computed just after commit, off the request path (like Lucene's eventually
consistent fulltext index): the batcher hands over each committed message, a background task
embeds them in batches, at idle CPU priority (graph/pipeline/enrich.py), and stores the vectors.
A message is embedded in context — after the end of the message before it in its session
(`enrichment.embeddings.in_context`) — from what the store holds, so a message erased in the
meantime is skipped. It is recallable by keywords, entities and time at once, and by similarity a
moment later (tests/graph/test_embeddings.py: within 1 s on an idle server).

The queue is bounded (`MAX_QUEUED` message ids in memory). When ingest outruns the model (about
130 messages/s per core, docs/scaling.md), what does not fit is not kept: the worker remembers
only the time span of what it left out and, once the queue is empty, embeds that span from the
store (`backfill_embeddings`: the messages of the span with no embedding of the model). Memory
stays bounded whatever the rate; the lag grows only while ingest exceeds the embedding rate, and
shrinks when it falls. If the process stops with work pending, `threadline reenrich
--embeddings` embeds every message that has no embedding of the model.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from graph.pipeline.drain import Draining
from graph.pipeline.reenrich import backfill_embeddings, embed_messages

if TYPE_CHECKING:
    from enrichment.embeddings import Embedder
    from graph.store.database import Database

log = logging.getLogger("threadline.embeddings")

BATCH = 64  # messages per read, embedding run and write (~0.5 s of one core)
MAX_QUEUED = 20_000  # beyond this, messages wait in the store (the span below)


@dataclass(frozen=True)
class Committed:
    """A committed message to embed, and when it was said (the span a catch-up reads)."""

    message_id: str
    at: datetime


class EmbeddingWorker(Draining):
    """One per process: `submit` committed messages; they are embedded and stored in order."""

    def __init__(self, db: Database, embedder: Embedder) -> None:
        super().__init__()
        self.db = db
        self.embedder = embedder
        self.queue: list[Committed] = []
        self.left_in_store: tuple[datetime, datetime] | None = None  # span to embed from the store
        self.embedded = 0
        self.deferred = 0  # messages that did not fit in the queue (embedded from the store)

    @property
    def pending(self) -> int:
        """Messages queued in memory (the span left in the store not counted)."""
        return len(self.queue)

    def submit(self, messages: list[Committed]) -> None:
        room = max(MAX_QUEUED - len(self.queue), 0)
        if room < len(messages):
            self._defer(messages[room:])
            messages = messages[:room]
        self.queue.extend(messages)
        if self.queue or self.left_in_store:
            self._wake()

    def _defer(self, messages: list[Committed]) -> None:
        if self.left_in_store is None:
            log.warning("embedding queue full: later messages are embedded from the store")
        low = min(m.at for m in messages)
        high = max(m.at for m in messages) + timedelta(milliseconds=1)
        if self.left_in_store is not None:
            low, high = min(low, self.left_in_store[0]), max(high, self.left_in_store[1])
        self.left_in_store = (low, high)
        self.deferred += len(messages)

    async def _drain(self) -> None:
        while self.queue or self.left_in_store:
            if self.queue:
                batch, self.queue = self.queue[:BATCH], self.queue[BATCH:]
                await self._embed([m.message_id for m in batch])
            elif self.left_in_store is not None:
                span, self.left_in_store = self.left_in_store, None
                await self._catch_up(*span)

    async def _embed(self, ids: list[str]) -> None:
        try:
            self.embedded += await embed_messages(self.db, self.embedder, ids)
        except Exception:  # the store is down or the model failed: the backfill redoes it
            log.exception("embedding %d messages failed", len(ids))

    async def _catch_up(self, since: datetime, until: datetime) -> None:
        try:
            self.embedded += await backfill_embeddings(
                self.db, self.embedder, since, until, page_size=BATCH
            )
        except Exception:
            log.exception("embedding the messages of %s..%s from the store failed", since, until)
