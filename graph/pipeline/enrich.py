"""Enrichment on the write path: run the (pure) pipeline off the event loop, and turn its
annotations into the rows the Cypher files write."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from enrichment.embeddings import to_stored
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


def question_enricher_for(settings: Settings, messages: Enricher | None) -> Enricher | None:
    """What recall understands a question with: the rule-based pipeline of the same patterns —
    the identifiers, dates, amounts and intents a question names normalize exactly as in
    messages. Statistical NER is left to messages: a question's names already match as
    keywords and as the speaker it names (graph.domain.recall.named_speaker), and running the
    model on every question cost ~5 ms of a recall (LoCoMo dev half: R@10 0.806 with it, 0.804
    without)."""
    if messages is None or not messages.statistical:
        return messages
    return enricher_for(settings.model_copy(update={"spacy_model": "rules"}))


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


def _idle_priority() -> None:
    """Run this thread at the lowest CPU priority (Linux: a thread's own nice value), so
    embedding stored messages only takes CPU that requests leave idle."""
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)


# Embeddings run in threads of their own (ONNX Runtime releases the GIL): a question is embedded
# at normal priority and never waits behind stored messages; messages are embedded at idle
# priority, so a backlog of them never slows ingest or reads (graph/pipeline/embed_later.py).
_QUESTION_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="threadline-question")
_MESSAGE_THREAD = ThreadPoolExecutor(
    max_workers=1, thread_name_prefix="threadline-embed", initializer=_idle_priority
)


StoredVector = tuple[str, bytes]  # (model name, `to_stored` bytes) as kept on a message


async def embed(embedder: Embedder | None, texts: list[str]) -> list[StoredVector]:
    """Each message's embedding as stored ([] without an embedder), off the event loop."""
    if embedder is None or not texts:
        return []
    loop = asyncio.get_running_loop()
    try:
        rows = await loop.run_in_executor(_MESSAGE_THREAD, embedder.embed, texts)
    except Exception as error:
        raise EnrichmentFailedError(f"embedding failed: {error}") from error
    return [(embedder.name, row) for row in to_stored(rows)]


async def embed_question(
    embedder: Embedder | None, text: str
) -> tuple[str, npt.NDArray[np.float32]] | None:
    """The question's unit-length embedding and its model (None without an embedder)."""
    if embedder is None:
        return None
    loop = asyncio.get_running_loop()
    try:
        rows = await loop.run_in_executor(_QUESTION_THREAD, embedder.embed_queries, [text])
    except Exception as error:
        raise EnrichmentFailedError(f"embedding failed: {error}") from error
    return embedder.name, rows[0]
