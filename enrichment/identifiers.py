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

from enrichment._text import doc_text
from enrichment.patterns import load_patterns

if TYPE_CHECKING:
    from enrichment.patterns import EntityPattern

Found = tuple[str, int, int]  # (type, start_char, end_char)
# a phone number needs 7+ digits with only separators between them: skip the matcher otherwise
PHONE_LIKE = re.compile(r"(?:\d[\s().-]*){7,}")
DIGIT = re.compile(r"\d")

if not Doc.has_extension("identifiers"):
    Doc.set_extension("identifiers", default=None)


class IdentifierMatcher:
    def __init__(self, patterns: list[EntityPattern], region: str) -> None:
        self.patterns = patterns
        self.region = region

    def _phones(self, text: str, pattern: EntityPattern) -> list[tuple[int, int, int]]:
        if not PHONE_LIKE.search(text):  # cheap pre-check: most texts have no phone number
            return []
        return [
            (pattern.priority, match.start, match.end)
            for match in phonenumbers.PhoneNumberMatcher(text, self.region)
        ]

    def find(self, text: str) -> list[Found]:
        candidates: list[tuple[int, int, int, str]] = []  # (priority, start, end, type)
        lowered = text.lower()
        has_digit = DIGIT.search(text) is not None
        for pattern in self.patterns:
            if not pattern.may_match(lowered, has_digit):
                continue
            if pattern.regex is None:
                hits = self._phones(text, pattern) if pattern.matcher == "phonenumbers" else []
                candidates += [(p, s, e, pattern.type) for p, s, e in hits]
                continue
            for match in pattern.regex.finditer(text):
                group = "id" if "id" in pattern.regex.groupindex else 0
                start, end = match.span(group)
                if pattern.type == "URL":
                    end = start + len(match.group(0).rstrip(".,;:!?)]}'\""))
                if end > start:
                    candidates.append((pattern.priority, start, end, pattern.type))
        candidates.sort(key=lambda c: (-c[0], -(c[2] - c[1]), c[1]))
        taken: list[Found] = []
        for _, start, end, kind in candidates:
            if all(end <= s or start >= e for _, s, e in taken):
                taken.append((kind, start, end))
        return sorted(taken, key=lambda found: found[1])

    def __call__(self, doc: Doc) -> Doc:
        found = self.find(doc_text(doc))
        doc._.identifiers = found
        if found and doc.has_annotation("ENT_IOB"):  # a statistical NER ran: rules take precedence
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
    return IdentifierMatcher(patterns.entities, region)
