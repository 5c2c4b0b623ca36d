"""Enrichment on the write path: run the (pure) pipeline off the event loop, and turn its
annotations into the rows the Cypher files write."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from enrichment.pipeline import EnrichmentConfig, EnrichmentError, build_enricher
from graph.domain.errors import EnrichmentFailedError
from graph.domain.records import to_millis

if TYPE_CHECKING:
    from datetime import datetime

    from enrichment.annotations import Annotation
    from enrichment.embeddings import Embedder
    from enrichment.pipeline import Enricher
    from graph.config import Settings
    from graph.store.database import Tx


def enricher_for(settings: Settings) -> Enricher | None:
    """The enrichment pipeline the settings ask for (`THREADLINE_SPACY_MODEL=off`: none)."""
    if settings.spacy_model == "off":
        return None
    return build_enricher(
        EnrichmentConfig(
            model=settings.spacy_model,
            extra_patterns=settings.enrichment_patterns,
            phone_region=settings.phone_region,
            dayfirst=settings.date_dayfirst,
        )
    )


# One thread runs every enrichment of the process: a pipeline (spaCy vocabulary, caches, its
# periodic rebuild) is never used by two threads at once, and requests waiting to be written can
# be enriched while the previous batch's transaction is in flight (graph/pipeline/batcher.py).
_ENRICHMENT_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="threadline-enrich")


async def annotate(
    enricher: Enricher | None, texts: list[str], times: list[datetime]
) -> list[Annotation | None]:
    """One annotation per text (None without an enricher); the CPU work runs in the process's
    enrichment thread, one batch at a time."""
    if enricher is None or not texts:
        return [None] * len(texts)
    loop = asyncio.get_running_loop()
    try:
        annotations = await loop.run_in_executor(_ENRICHMENT_THREAD, enricher.enrich, texts, times)
    except EnrichmentError as error:
        raise EnrichmentFailedError(str(error)) from error
    return list(annotations)


def message_fields(annotation: Annotation | None) -> dict[str, Any]:
    """The message-level properties (null/empty when enrichment is off)."""
    if annotation is None:
        return {
            "sentiment": None,
            "sentimentLabel": None,
            "intents": [],
            "entityKeys": [],
            "enrichmentVersion": None,
        }
    return {
        "sentiment": annotation.sentiment,
        "sentimentLabel": annotation.sentiment_label,
        "intents": [intent.name for intent in annotation.intents],
        # the keys of its MENTIONS, on the message too: a recall reads a whole history's at once
        "entityKeys": sorted({mention.key for mention in annotation.mentions}),
        "enrichmentVersion": annotation.version,
    }


def relationship_rows(
    message_id: str, annotation: Annotation | None, at: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(MENTIONS rows, EXPRESSES rows) of one message."""
    if annotation is None:
        return [], []
    mentions = [
        {
            "messageId": message_id,
            "key": m.key,
            "type": m.type,
            "value": m.value,
            "start": m.start,
            "end": m.end,
            "text": m.text,
            "at": to_millis(at),
        }
        for m in annotation.mentions
    ]
    intents = [
        {"messageId": message_id, "name": i.name, "confidence": i.confidence}
        for i in annotation.intents
    ]
    return mentions, intents


async def write_relationships(
    tx: Tx, mentions: list[dict[str, Any]], intents: list[dict[str, Any]]
) -> None:
    """MENTIONS and EXPRESSES, in key order so concurrent batches lock shared nodes alike."""
    if mentions:
        rows = sorted(mentions, key=lambda row: row["key"])
        await tx.execute("ingest/create_mentions", mentions=rows)
    if intents:
        rows = sorted(intents, key=lambda row: row["name"])
        await tx.execute("ingest/create_intents", intents=rows)


# Embeddings run in a thread of their own: a question's embedding never waits for a batch's
# enrichment, and a batch's enrichment and embeddings run side by side.
_EMBEDDING_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="threadline-embed")


Vector = tuple[str, list[float]]  # (model name, unit-length values) as stored on a message


async def embed(
    embedder: Embedder | None, texts: list[str], *, questions: bool = False
) -> list[Vector]:
    """One unit-length embedding per text — messages, or `questions` — ([] without an
    embedder), off the event loop."""
    if embedder is None or not texts:
        return []
    loop = asyncio.get_running_loop()
    work = embedder.embed_queries if questions else embedder.embed
    try:
        rows = await loop.run_in_executor(_EMBEDDING_THREAD, work, texts)
    except Exception as error:
        raise EnrichmentFailedError(f"embedding failed: {error}") from error
    return [(embedder.name, row) for row in rows.astype(float).round(6).tolist()]
