"""Group commit for ingestion: requests that arrive while a write is in flight go together in the
next transaction.

Each single-event request otherwise pays a whole transaction (round trips and a log fsync); under
load most of that is waiting. The batcher adds no delay when idle — a lone request is written at
once — and under load turns N concurrent requests into one batch. Each request still gets exactly
its own results, in its own order, and its own errors:
- validation and enrichment run per request before batching (`prepare_events`), so a bad request
  fails alone, and the next requests are enriched while the current transaction is in flight;
- if a combined batch fails for any reason (one request names an unknown session, or holds
  something the database refuses), each request is retried on its own, so only the faulty one
  fails: a request never fails because of what another client sent;
- a database outage fails the whole group at once with UNAVAILABLE (retrying each would only
  wait longer), and a request whose write is still running after `SLOW_WRITE_SECONDS` while the
  database does not answer a probe is told UNAVAILABLE too: a retried event is stored once, so
  the caller may safely send it again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graph.config import DEFAULT_WRITE_RULES, WriteRules
from graph.domain.errors import Neo4jUnavailableError
from graph.domain.events import DEFAULT_INGEST_LIMITS, EventInput, IngestLimits, IngestResult
from graph.pipeline.blocks_later import BlocksWorker
from graph.pipeline.embed_later import Committed, EmbeddingWorker
from graph.pipeline.ingest import store_events
from graph.pipeline.prepare import PreparedEvents, prepare_events

if TYPE_CHECKING:
    from enrichment.embeddings import Embedder
    from enrichment.pipeline import Enricher
    from graph.store.database import Database


# A request whose write is still running after SLOW_WRITE_SECONDS asks the database whether it
# answers at all (within PROBE_SECONDS); if not, the caller is told UNAVAILABLE — within 5 s of
# its request, however long a stopping server holds the connection (a busy batch of 500 events
# commits in well under a second).
SLOW_WRITE_SECONDS = 4.0
PROBE_SECONDS = 0.5


@dataclass
class _Pending:
    events: PreparedEvents
    done: asyncio.Future[IngestResult] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


def _resolve(item: _Pending, result: IngestResult | BaseException) -> None:
    if item.done.done():  # the caller went away (cancelled): nothing to tell
        return
    if isinstance(result, BaseException):
        item.done.set_exception(result)
    else:
        item.done.set_result(result)


def _forget(done: asyncio.Future[Any]) -> None:
    """The outcome of a write its caller stopped waiting for (told UNAVAILABLE): retrieved so
    it is not reported as lost; a retry of its events is deduplicated either way."""
    if not done.cancelled():
        done.exception()


def _split(result: IngestResult, sizes: list[int]) -> list[IngestResult]:
    parts, start = [], 0
    for size in sizes:
        chunk = result.results[start : start + size]
        duplicates = sum(r.duplicate for r in chunk)
        parts.append(IngestResult(len(chunk) - duplicates, duplicates, chunk))
        start += size
    return parts


@dataclass(frozen=True)
class Commit:
    """One committed write transaction, as an observer (metrics) sees it."""

    events: PreparedEvents
    result: IngestResult  # in the order of `events`; replays are marked `duplicate`
    requests: int  # requests combined into it
    seconds: float


CommitObserver = Callable[[Commit], None]  # told of every committed write transaction


class IngestBatcher:
    """One per process (and event loop); `ingest` is a drop-in for `ingest_events`."""

    def __init__(
        self,
        db: Database,
        enricher: Enricher | None,
        on_commit: CommitObserver | None = None,
        limits: IngestLimits = DEFAULT_INGEST_LIMITS,
        rules: WriteRules = DEFAULT_WRITE_RULES,
        embedder: Embedder | None = None,
    ) -> None:
        self.db = db
        self.enricher = enricher
        self.embedder = embedder
        self.on_commit = on_commit
        self.limits = limits
        self.rules = rules
        self.queue: list[_Pending] = []
        self.worker: asyncio.Task[None] | None = None
        # embeddings are computed just after commit, off the request path (embed_later.py)
        self.embeddings = EmbeddingWorker(db, embedder) if embedder is not None else None
        # with embeddings off, recall blocks are built by their own worker (blocks_later.py)
        self.blocks = BlocksWorker(db) if embedder is None else None

    async def ingest(self, events: list[EventInput]) -> IngestResult:
        started = time.monotonic()
        prepared = await prepare_events(
            self.db,
            list(events),
            self.enricher,
            self.limits,
            self.rules.attribute_policies,
        )
        pending = _Pending(prepared)
        self.queue.append(pending)
        if self.worker is None or self.worker.done():
            self.worker = asyncio.create_task(self._drain())
        # Not a cancelling timeout: the write goes on (cancelling the driver mid-transaction
        # waits for a dying server to close the connection). A write still running by then is
        # slow (a cold server plans its statements first) or stuck on a database that is down:
        # a quick probe tells which, and only the second is answered UNAVAILABLE.
        remaining = SLOW_WRITE_SECONDS - (time.monotonic() - started)
        await asyncio.wait({pending.done}, timeout=max(remaining, 0))
        if not pending.done.done() and not await self._database_answers():
            pending.done.add_done_callback(_forget)
            raise Neo4jUnavailableError(
                "the database does not answer: retry shortly (a retried event is stored once)"
            )
        return await pending.done

    async def _database_answers(self) -> bool:
        probe = asyncio.ensure_future(self.db.write("admin/ping"))
        await asyncio.wait({probe}, timeout=PROBE_SECONDS)
        if not probe.done():
            probe.add_done_callback(_forget)
            return False
        return probe.exception() is None

    def _take(self) -> list[_Pending]:
        """As many waiting requests as fit in one batch (at least one)."""
        taken: list[_Pending] = []
        size = 0
        limit = self.limits.max_batch
        while self.queue and (not taken or size + len(self.queue[0].events) <= limit):
            item = self.queue.pop(0)
            taken.append(item)
            size += len(item.events)
        return taken

    async def _drain(self) -> None:
        while self.queue:
            group = self._take()
            try:
                await self._write(group)
            except BaseException as error:  # never leave a caller waiting
                for item in group:
                    _resolve(item, error)
                if not isinstance(error, Exception):
                    raise

    async def _write(self, group: list[_Pending]) -> None:
        combined = PreparedEvents.combine([item.events for item in group])
        try:
            result = await self._store(combined, len(group))
        except Exception as error:
            if len(group) == 1 or isinstance(error, Neo4jUnavailableError):
                raise
            await self._one_by_one(group)
            return
        for item, part in zip(group, _split(result, [len(i.events) for i in group]), strict=True):
            _resolve(item, part)

    async def _store(self, events: PreparedEvents, requests: int) -> IngestResult:
        started = time.perf_counter()
        result = await store_events(self.db, events, self.rules)
        if self.on_commit is not None:
            self.on_commit(Commit(events, result, requests, time.perf_counter() - started))
        if self.blocks is not None:
            self.blocks.committed(
                [
                    written.session_id
                    for written in result.results
                    if written.message_id is not None and not written.duplicate
                ]
            )
        if self.embeddings is not None:
            self.embeddings.submit(
                [
                    Committed(written.message_id, event.at)
                    for event, written in zip(events.events, result.results, strict=True)
                    if written.message_id is not None
                    and not written.duplicate
                    and event.source.text
                ]
            )
        return result

    async def _one_by_one(self, group: list[_Pending]) -> None:
        for item in group:
            try:
                _resolve(item, await self._store(item.events, 1))
            except Exception as error:  # this request's own failure, and only its own
                _resolve(item, error)
