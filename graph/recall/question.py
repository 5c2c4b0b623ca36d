"""A recall's question through the same enrichment as every message: its normalized entities,
its embedding (embeddings on) and the time it names."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import TYPE_CHECKING

from graph.domain.recall import (
    Question,
    asked_entity_types,
    asked_speaker,
    asks_for_latest,
    lucene_terms,
)
from graph.domain.time_phrases import time_phrase
from graph.pipeline.enrich import annotate, embed_question

if TYPE_CHECKING:
    from enrichment.embeddings import Embedder
    from enrichment.pipeline import Enricher


async def understand(
    text: str, now: datetime, enricher: Enricher | None, embedder: Embedder | None
) -> Question:
    (annotation,), embedded = await asyncio.gather(
        annotate(enricher, [text], [now]), embed_question(embedder, text)
    )
    phrase = time_phrase(text, now)
    words = text.casefold()
    if phrase is not None:  # "last May" is when, not what: it is not a keyword
        start, end = phrase[1]
        words = words[:start] + " " + words[end:]
    entity_types, words = asked_entity_types(words)
    return Question(
        text=text,
        entities=frozenset(m.key for m in annotation.mentions) if annotation else frozenset(),
        vector=tuple(embedded[1].tolist()) if embedded else None,
        model=embedded[0] if embedded else None,
        time=phrase[0] if phrase else None,
        terms=tuple(lucene_terms(words)),
        speaker=asked_speaker(text),
        entity_types=entity_types,
        latest=asks_for_latest(text),
        intents=frozenset(i.name for i in annotation.intents) if annotation else frozenset(),
        dense=embedded is not None and embedder is not None and embedder.retrieves,
    )
