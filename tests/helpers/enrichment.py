"""Annotating a text with an enricher, for the enrichment tests."""

from __future__ import annotations

from datetime import UTC, datetime

from enrichment.annotations import Annotation
from enrichment.pipeline import Enricher

NOW = datetime(2026, 11, 25, 15, 30, tzinfo=UTC)


def annotate(enricher: Enricher, text: str) -> Annotation:
    [annotation] = enricher.enrich([text], [NOW])
    return annotation


def keys(enricher: Enricher, text: str) -> list[str]:
    return [m.key for m in annotate(enricher, text).mentions]


def intents(enricher: Enricher, text: str) -> set[str]:
    return {i.name for i in annotate(enricher, text).intents}
