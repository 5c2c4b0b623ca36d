from __future__ import annotations

import pytest

from graph.domain.sentiment_trend import recency_weighted


def test_no_scores_means_no_sentiment() -> None:
    assert recency_weighted([]) is None


def test_single_score_is_itself() -> None:
    assert recency_weighted([-0.5]) == -0.5


def test_newest_message_weighs_most() -> None:
    calmer = recency_weighted([0.4, -0.8, -0.8])  # newest first: the user calmed down
    angrier = recency_weighted([-0.8, -0.8, 0.4])
    assert calmer is not None
    assert angrier is not None
    assert calmer > angrier


def test_formula_matches_the_documented_weights() -> None:
    # weights 1, 0.7, 0.49
    expected = (1 * 0.5 + 0.7 * -0.5 + 0.49 * 1.0) / (1 + 0.7 + 0.49)
    assert recency_weighted([0.5, -0.5, 1.0]) == pytest.approx(expected, abs=1e-4)
