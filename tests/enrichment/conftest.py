from __future__ import annotations

from datetime import UTC, datetime

import pytest

from enrichment.annotations import Annotation
from enrichment.pipeline import Enricher, EnrichmentConfig, build_enricher

NOW = datetime(2026, 11, 25, 15, 30, tzinfo=UTC)


@pytest.fixture(scope="session")
def rules() -> Enricher:
    return build_enricher(EnrichmentConfig(model="rules"))


def annotate(enricher: Enricher, text: str) -> Annotation:
    [annotation] = enricher.enrich([text], [NOW])
    return annotation


def keys(enricher: Enricher, text: str) -> list[str]:
    return [m.key for m in annotate(enricher, text).mentions]


def intents(enricher: Enricher, text: str) -> set[str]:
    return {i.name for i in annotate(enricher, text).intents}
