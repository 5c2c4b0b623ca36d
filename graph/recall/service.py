"""The one entry point of recall. What the question's text says is read at once and starts the
store's reads (the sessions in scope, then their history and keyword matches); the question's
enrichment and embedding are computed meanwhile; then the ranking and the hits."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from graph.recall.question import enrich_question, read_question, with_named_speaker
from graph.recall.search import answer, gather, scope

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
    channel identity's user, or one session) that best answer `request.query`."""
    now = now or datetime.now(UTC)
    read = read_question(request.query, now, embedder)
    enriching = asyncio.ensure_future(enrich_question(read, now, enricher, embedder))
    try:
        in_scope = await scope(db, selector)
        gathered = await gather(db, in_scope.session_ids, request, read)
        question = await enriching
    finally:
        if not enriching.done():  # the store failed first: nobody waits for the question
            enriching.cancel()
    question = with_named_speaker(question, in_scope.user_names, in_scope.agent_names)
    return await answer(db, gathered, request, question, now, weights)
