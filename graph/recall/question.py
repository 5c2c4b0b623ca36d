"""A recall's question, in two steps. `read_question` is what the text says by itself (its
keywords, the time it names, who it asks about): pure and immediate, enough to start the store's
reads. `enrich_question` adds what the models find — the messages' patterns (its normalized
entities, intents: the API passes the rule-based pipeline, graph.pipeline.enrich.
question_enricher_for) and its embedding — while those reads run."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from graph.domain.recall import (
    Question,
    asked_entity_types,
    asked_speaker,
    asks_for_latest,
    named_speaker,
    question_terms,
)
from graph.domain.sealed import entity_key
from graph.domain.time_phrases import time_phrase
from graph.pipeline.enrich import annotate, embed_question

if TYPE_CHECKING:
    from enrichment.embeddings import Embedder
    from enrichment.pipeline import Enricher


def read_question(text: str, now: datetime, embedder: Embedder | None) -> Question:
    """The question as its text says it: keywords (without question words and the time
    phrase), the time it names, the speaker and kinds of entity it asks for; the embedding
    model it will be compared with."""
    phrase = time_phrase(text, now)
    words = text.casefold()
    if phrase is not None:  # "last May" is when, not what: it is not a keyword
        start, end = phrase[1]
        words = words[:start] + " " + words[end:]
    entity_types, words = asked_entity_types(words)
    return Question(
        text=text,
        model=embedder.name if embedder is not None else None,
        time=phrase[0] if phrase else None,
        terms=tuple(question_terms(words)),
        speaker=asked_speaker(text),
        entity_types=entity_types,
        latest=asks_for_latest(text),
        dense=embedder is not None and embedder.retrieves,
    )


async def enrich_question(
    question: Question, now: datetime, enricher: Enricher | None, embedder: Embedder | None
) -> Question:
    """The question with its entities and intents (the enrichment pipeline) and its embedding,
    computed side by side."""
    (annotation,), embedded = await asyncio.gather(
        annotate(enricher, [question.text], [now]), embed_question(embedder, question.text)
    )
    mentions = annotation.mentions if annotation else []
    return replace(
        question,
        # as stored: a personal entity by its keyed hash when encryption is on
        entities=frozenset(entity_key(m.key) for m in mentions),
        entity_values={entity_key(m.key): m.value for m in mentions},
        intents=frozenset(i.name for i in annotation.intents) if annotation else frozenset(),
        vector=tuple(embedded[1].tolist()) if embedded else None,
    )


def with_named_speaker(
    question: Question, user_names: list[str], agent_names: list[str]
) -> Question:
    """The question with the speaker it names ("What has Melanie painted?": the person, when
    Melanie is their name), unless its words already said whose ("what did I say")."""
    if question.speaker is not None:
        return question
    return replace(question, speaker=named_speaker(question.text, user_names, agent_names))


async def understand(
    text: str, now: datetime, enricher: Enricher | None, embedder: Embedder | None
) -> Question:
    """Both steps, one after the other (benchmarks, tests)."""
    return await enrich_question(read_question(text, now, embedder), now, enricher, embedder)
