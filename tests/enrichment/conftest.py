from __future__ import annotations

import pytest

from enrichment.pipeline import Enricher, EnrichmentConfig, build_enricher


@pytest.fixture(scope="session")
def rules() -> Enricher:
    return build_enricher(EnrichmentConfig(model="rules"))
