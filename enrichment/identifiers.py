"""spaCy component `threadline_identifiers`: the rule layer for support-conversation identifiers.

Regexes from the pattern file (and phonenumbers' matcher for phone numbers) find order ids, SKUs,
tracking/account/ticket numbers, emails, phones, money, dates and URLs. Overlaps resolve by
priority, then length. Results go to `doc._.identifiers` as `(type, start_char, end_char)`; when a
statistical NER ran first, they also replace the `doc.ents` they overlap (rules win).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import phonenumbers
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from enrichment import _slots as slots
from enrichment.patterns import blocked, hint_regex, load_patterns

if TYPE_CHECKING:
    from enrichment.patterns import EntityPattern

Found = tuple[str, int, int]  # (type, start_char, end_char)
# a phone number needs 7+ digits with only separators between them: skip the matcher otherwise
PHONE_LIKE = re.compile(r"(?:\d[\s().-]*){7,}")
DIGIT = re.compile(r"\d")

slots.register("identifiers")


class IdentifierMatcher(slots.DocComponent):
    def __init__(self, patterns: list[EntityPattern], region: str, *, after_ner: bool) -> None:
        self.patterns = patterns
        self.region = region
        self.after_ner = after_ner  # a statistical NER runs first: merge with its doc.ents
        self.hints = hint_regex({word for p in patterns for word in p.requires})

    def _phones(
        self, text: str, pattern: EntityPattern, claimed: list[tuple[int, int, int, str]]
    ) -> list[tuple[int, int, int, str]]:
        """phonenumbers' matcher is costly: run it only when a phone-like digit run exists that
        a stronger pattern (tracking, account...) has not already claimed."""
        stronger = [(s, e) for p, s, e, _ in claimed if p > pattern.priority]
        if not any(
            not any(s <= run.start() and run.end() <= e for s, e in stronger)
            for run in PHONE_LIKE.finditer(text)
        ):
            return []
        return [
            (pattern.priority, match.start, match.end, pattern.type)
            for match in phonenumbers.PhoneNumberMatcher(text, self.region)
        ]

    def find(self, text: str) -> list[Found]:
        candidates: list[tuple[int, int, int, str]] = []  # (priority, start, end, type)
        has_digit = DIGIT.search(text) is not None
        present = set(self.hints.findall(text.lower())) if self.hints else set()
        matchers: list[EntityPattern] = []
        for pattern in self.patterns:
            if (pattern.digits and not has_digit) or blocked(pattern.requires, present):
                continue
            if pattern.regex is None:
                matchers.append(pattern)  # after the regexes, which may claim their text
                continue
            for match in pattern.regex.finditer(text):
                group = "id" if "id" in pattern.regex.groupindex else 0
                start, end = match.span(group)
                if pattern.type == "URL":
                    end = start + len(match.group(0).rstrip(".,;:!?)]}'\""))
                if end > start:
                    candidates.append((pattern.priority, start, end, pattern.type))
        for pattern in matchers:
            if pattern.matcher == "phonenumbers":
                candidates += self._phones(text, pattern, candidates)
        candidates.sort(key=lambda c: (-c[0], -(c[2] - c[1]), c[1]))
        taken: list[Found] = []
        for _, start, end, kind in candidates:
            if all(end <= s or start >= e for _, s, e in taken):
                taken.append((kind, start, end))
        return sorted(taken, key=lambda found: found[1])

    def __call__(self, doc: Doc) -> Doc:
        found = self.find(slots.text_of(doc))
        slots.put(doc, "identifiers", found)
        if found and self.after_ner:  # rules take precedence over overlapping statistical ents
            spans = [doc.char_span(s, e, label=t, alignment_mode="expand") for t, s, e in found]
            rules = [span for span in spans if span is not None]
            kept = [ent for ent in doc.ents if not any(_overlaps(ent, rule) for rule in rules)]
            doc.ents = filter_spans([*rules, *kept])
        return doc


def _overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


@Language.factory(
    "threadline_identifiers",
    default_config={"extra_patterns": None, "region": "US"},
)
def make_identifier_matcher(
    nlp: Language, name: str, extra_patterns: str | None, region: str
) -> IdentifierMatcher:
    from pathlib import Path

    patterns = load_patterns(Path(extra_patterns) if extra_patterns else None)
    return IdentifierMatcher(patterns.entities, region, after_ner="ner" in nlp.pipe_names)
