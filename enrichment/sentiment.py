"""spaCy component `threadline_sentiment`: VADER's compound score on `doc._.sentiment`.

VADER is built for short social/chat text; `lexicon.json` adds support-conversation words so that
negated outcomes ("never arrived", "still not working") score negative.
"""

from __future__ import annotations

import json
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from enrichment._text import doc_text

LEXICON = Path(__file__).resolve().parent / "lexicon.json"
THRESHOLD = 0.05  # VADER's own cut-offs for positive / negative

for attribute in ("sentiment", "sentiment_label"):
    if not Doc.has_extension(attribute):
        Doc.set_extension(attribute, default=None)


def label_for(score: float) -> str:
    if score >= THRESHOLD:
        return "POSITIVE"
    if score <= -THRESHOLD:
        return "NEGATIVE"
    return "NEUTRAL"


class VaderSentiment:
    def __init__(self) -> None:
        self.analyzer = SentimentIntensityAnalyzer()
        additions = json.loads(LEXICON.read_text())
        self.analyzer.lexicon.update(
            {word: float(value) for word, value in additions.items() if not word.startswith("_")}
        )

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        score = float(self.analyzer.polarity_scores(text)["compound"]) if text else 0.0
        doc._.sentiment = score
        doc._.sentiment_label = label_for(score)
        return doc


@Language.factory("threadline_sentiment")
def make_sentiment(nlp: Language, name: str) -> VaderSentiment:
    return VaderSentiment()
