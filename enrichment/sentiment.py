"""spaCy component `threadline_sentiment`: VADER's compound score on `doc._.sentiment`.

VADER is built for short social/chat text; `lexicon.json` adds support-conversation words so that
negated outcomes ("never arrived", "still not working") score negative.
"""

from __future__ import annotations

import functools
import json
import string
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from enrichment import _slots as slots

LEXICON = Path(__file__).resolve().parent / "lexicon.json"
THRESHOLD = 0.05  # VADER's own cut-offs for positive / negative
CACHED_LENGTH = 120  # texts up to this long have their scores remembered
CACHE_SIZE = 8192

slots.register("sentiment")
slots.register("sentiment_label")


def label_for(score: float) -> str:
    if score >= THRESHOLD:
        return "POSITIVE"
    if score <= -THRESHOLD:
        return "NEGATIVE"
    return "NEUTRAL"


class VaderSentiment(slots.DocComponent):
    def __init__(self) -> None:
        self.analyzer = SentimentIntensityAnalyzer()
        additions = json.loads(LEXICON.read_text())
        self.analyzer.lexicon.update(
            {word: float(value) for word, value in additions.items() if not word.startswith("_")}
        )
        self._cached_score = functools.lru_cache(maxsize=CACHE_SIZE)(self._score)

    def could_score(self, text: str) -> bool:
        """False only when VADER is certain to return 0: an ASCII text (VADER rewrites emoji to
        words, and every emoji is non-ASCII) with no word of its lexicon, whether or not the
        word's surrounding punctuation is stripped. Skipping VADER then saves most of its cost
        on the many plain, factual support messages."""
        if not text.isascii():
            return True
        lexicon = self.analyzer.lexicon
        for token in text.lower().split():
            if token in lexicon or token.strip(string.punctuation) in lexicon:
                return True
        return False

    def score(self, text: str) -> float:
        # short chat lines repeat a lot ("ok", "thanks!", "any update?"): remember their scores
        if len(text) <= CACHED_LENGTH:
            return self._cached_score(text)
        return self._score(text)

    def _score(self, text: str) -> float:
        if not self.could_score(text):
            return 0.0
        return float(self.analyzer.polarity_scores(text)["compound"])

    def __call__(self, doc: Doc) -> Doc:
        score = self.score(slots.text_of(doc))
        slots.put(doc, "sentiment", score)
        slots.put(doc, "sentiment_label", label_for(score))
        return doc


@Language.factory("threadline_sentiment")
def make_sentiment(nlp: Language, name: str) -> VaderSentiment:
    return VaderSentiment()
