"""The one entry point of recall: understand the question while the scope is read, then search."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from graph.recall.question import understand
from graph.recall.search import scope, search

if TYPE_CHECKING:
    from enrichment.embeddings import Embedder
    from enrichment.pipeline import Enricher
    from graph.domain.recall import Weights
    from graph.domain.records import RecallRecord
    from graph.recall.request import RecallRequest
    from graph.store.context import ContextSelector
    from graph.store.database import Database


async def recall(
    db: Database,
    selector: ContextSelector,
    request: RecallRequest,
    *,
    enricher: Enricher | None,
    embedder: Embedder | None,
    now: datetime | None = None,
    weights: Weights | None = None,
) -> RecallRecord:
    """The `request.limit` messages of the selector's history (a user, merged users included, a
    channel identity's user, or one session) that best answer `request.query`. The question is
    understood (enrichment thread, embedding) while the sessions in scope are read."""
    now = now or datetime.now(UTC)
    session_ids, question = await asyncio.gather(
        scope(db, selector), understand(request.query, now, enricher, embedder)
    )
    return await search(db, session_ids, request, question, now, weights)
