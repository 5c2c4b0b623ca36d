"""What `threadline serve` tunes in its process, and the chunked similarity the recall uses."""

from __future__ import annotations

import gc

import numpy as np

from api.cli.support import GC_YOUNG_THRESHOLD, tune_garbage_collector
from enrichment.embeddings import SIMILARITY_CHUNK, matrix_similarities


def test_the_server_collects_young_garbage_less_often() -> None:
    before = gc.get_threshold()
    try:
        tune_garbage_collector()
        assert gc.get_threshold()[0] == GC_YOUNG_THRESHOLD
        assert gc.get_freeze_count() > 0  # what was loaded at start is out of the collector's view
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_similarities_in_chunks_equal_one_product() -> None:
    rng = np.random.default_rng(7)
    matrix = rng.integers(-127, 128, size=(2 * SIMILARITY_CHUNK + 5, 48), dtype=np.int8)
    matrix[3] = 0  # an all-zero row has similarity 0, not NaN
    question = rng.standard_normal(48).astype(np.float32)
    question /= np.linalg.norm(question)
    values = matrix.astype(np.float64)
    norms = np.linalg.norm(values, axis=1)
    norms[norms == 0] = 1.0
    expected = (values @ question) / norms
    got = matrix_similarities(question, matrix)
    assert got.shape == (len(matrix),)
    assert np.allclose(got, expected, atol=1e-5)
    assert got[3] == 0.0
