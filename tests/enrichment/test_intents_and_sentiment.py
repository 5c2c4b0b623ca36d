"""Intents (several per message, with vetoes) and VADER sentiment with the support lexicon."""

from __future__ import annotations

import pytest

from enrichment.pipeline import Enricher
from tests.helpers.enrichment import annotate, intents


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Where is my order?", {"order_status"}),
        ("any update on a12345?", {"order_status"}),
        ("When will my parcel arrive?", {"order_status"}),
        ("Can I track my package", {"order_status"}),
        ("I'd like to return these shoes", {"return_request"}),
        ("how do I get a return label", {"return_request"}),
        ("I want a refund", {"refund"}),
        ("can I get my money back", {"refund"}),
        ("please cancel my subscription", {"cancel"}),
        ("I was double charged on my card", {"billing"}),
        ("my invoice looks wrong", {"billing"}),
        ("My order never arrived", {"delivery_problem"}),
        ("the package hasn't arrived yet", {"delivery_problem"}),
        ("parcel arrived damaged", {"delivery_problem"}),
        ("you sent the wrong size", {"delivery_problem"}),
        ("This is ridiculous and unacceptable", {"complaint"}),
        ("I want to speak to a human", {"escalation_request"}),
        ("agent please", {"escalation_request"}),
        ("Hi there", {"greeting"}),
        ("Good morning!", {"greeting"}),
        ("thanks, that's all", {"thanks"}),
        (
            "Hello, where is my order? I want to talk to a manager",
            {"greeting", "order_status", "escalation_request"},
        ),
    ],
)
def test_intents_found(rules: Enricher, text: str, expected: set[str]) -> None:
    assert intents(rules, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "please don't cancel my order",
        "I do not need a refund, just a replacement",
        "which shirt should I choose",
        "tell me about your stores",
        "this is a pretty good shop",
        "ok",
    ],
)
def test_negatives_express_no_intent(rules: Enricher, text: str) -> None:
    assert intents(rules, text) == set()


def test_confidence_grows_with_independent_evidence(rules: Enricher) -> None:
    one = {i.name: i.confidence for i in annotate(rules, "any news?").intents}
    two = {
        i.name: i.confidence for i in annotate(rules, "any news? what is the order status").intents
    }
    assert 0 < one["order_status"] < two["order_status"] <= 0.99


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("My order A-12345 never arrived, email me at Jane@Example.com", "NEGATIVE"),
        ("still not working after the update", "NEGATIVE"),
        ("This is ridiculous, I want a refund!", "NEGATIVE"),
        ("Thanks so much, that fixed it!", "POSITIVE"),
        ("great, it arrived today", "POSITIVE"),
        ("any update on a12345?", "NEUTRAL"),
        ("", "NEUTRAL"),
    ],
)
def test_sentiment_label(rules: Enricher, text: str, label: str) -> None:
    annotation = annotate(rules, text)
    assert annotation.sentiment_label == label
    assert -1.0 <= annotation.sentiment <= 1.0


def test_short_lines_are_scored_once_then_remembered() -> None:
    from enrichment.sentiment import CACHED_LENGTH, VaderSentiment

    vader = VaderSentiment()
    first = vader.score("thanks, that fixed it!")
    assert vader.score("thanks, that fixed it!") == first > 0
    assert vader._cached_score.cache_info().hits == 1
    long_text = "this is unacceptable and I am very disappointed " * 5
    assert len(long_text) > CACHED_LENGTH
    assert vader.score(long_text) == vader.score(long_text) < 0
    assert vader._cached_score.cache_info().currsize == 1  # long texts are not kept
