"""spaCy component `threadline_intents`: phrase rules from the pattern file → `doc._.intents`.

Each matching pattern is evidence with a weight; an intent's confidence combines its evidence as
`1 - Π(1 - weight)` (two independent cues are stronger than one), capped at 0.99. A veto pattern
("don't cancel") removes its intent. Several intents per message are normal.
"""

from __future__ import annotations

import re
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from enrichment import _slots as slots
from enrichment.annotations import IntentScore
from enrichment.patterns import IntentPattern, blocked, hint_regex, load_patterns

CAP = 0.99

slots.register("intents")


class IntentMatcher(slots.DocComponent):
    def __init__(
        self, intents: dict[str, list[IntentPattern]], vetoes: dict[str, list[re.Pattern[str]]]
    ) -> None:
        self.intents = intents
        self.vetoes = vetoes
        self.hints = hint_regex({w for ps in intents.values() for p in ps for w in p.requires})

    def score(self, text: str) -> list[IntentScore]:
        lowered = text.lower()
        present = set(self.hints.findall(lowered)) if self.hints else set()
        found: list[IntentScore] = []
        for name, patterns in self.intents.items():
            miss = 1.0
            for pattern in patterns:
                if not blocked(pattern.requires, present) and pattern.regex.search(lowered):
                    miss *= 1.0 - pattern.weight
            if miss < 1.0 and not any(v.search(lowered) for v in self.vetoes.get(name, [])):
                found.append(IntentScore(name, round(min(CAP, 1.0 - miss), 3)))
        return sorted(found, key=lambda intent: (-intent.confidence, intent.name))

    def __call__(self, doc: Doc) -> Doc:
        slots.put(doc, "intents", self.score(slots.text_of(doc)))
        return doc


@Language.factory("threadline_intents", default_config={"extra_patterns": None})
def make_intents(nlp: Language, name: str, extra_patterns: str | None) -> IntentMatcher:
    patterns = load_patterns(Path(extra_patterns) if extra_patterns else None)
    return IntentMatcher(patterns.intents, patterns.vetoes)
