"""Patterns as data: the bundled `patterns.json`, plus an optional file of additions."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BUNDLED = Path(__file__).resolve().parent / "patterns.json"
FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL}


class PatternError(ValueError):
    """A pattern file is malformed (bad JSON, unknown key, invalid regex)."""


@dataclass(frozen=True)
class EntityPattern:
    type: str
    priority: int
    regex: re.Pattern[str] | None  # None: a named matcher (e.g. phonenumbers)
    matcher: str | None = None
    digits: bool = False  # prefilter: only texts with a digit
    requires: frozenset[str] = frozenset()  # prefilter: the lowercased text has one of these


@dataclass(frozen=True)
class IntentPattern:
    regex: re.Pattern[str]
    weight: float
    requires: frozenset[str] = frozenset()  # prefilter, as for entities


@dataclass(frozen=True)
class PatternSet:
    entities: list[EntityPattern]
    intents: dict[str, list[IntentPattern]]
    vetoes: dict[str, list[re.Pattern[str]]]
    digest: str  # sha256 of the files' bytes: part of the enrichment version


def hint_regex(words: set[str] | frozenset[str]) -> re.Pattern[str] | None:
    """One regex finding which prefilter words occur, instead of an `in` check per pattern."""
    ordered = sorted(words, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, ordered))) if ordered else None


def blocked(requires: frozenset[str], present: set[str]) -> bool:
    """True when a prefilter rules the pattern out: none of its required words occurs."""
    return bool(requires) and present.isdisjoint(requires)


def _compile(source: str, flags: str = "") -> re.Pattern[str]:
    value = 0
    for flag in flags:
        value |= FLAGS[flag]
    try:
        return re.compile(source, value)
    except re.error as error:
        raise PatternError(f"invalid regex {source!r}: {error}") from None


def _entity(row: dict[str, Any]) -> EntityPattern:
    regex = None if "matcher" in row else _compile(row["regex"], row.get("flags", ""))
    return EntityPattern(
        type=row["type"],
        priority=int(row.get("priority", 50)),
        regex=regex,
        matcher=row.get("matcher"),
        digits=bool(row.get("digits", False)),
        requires=frozenset(word.lower() for word in row.get("requires", [])),
    )


def load_patterns(extra: Path | None = None) -> PatternSet:
    """Bundled patterns, then `extra`'s entities appended and intents/vetoes merged in."""
    digest = hashlib.sha256()
    entities: list[EntityPattern] = []
    intents: dict[str, list[IntentPattern]] = {}
    vetoes: dict[str, list[re.Pattern[str]]] = {}
    for path in [BUNDLED, *([extra] if extra else [])]:
        raw = path.read_bytes()
        digest.update(raw)
        try:
            data = json.loads(raw)
            entities += [_entity(row) for row in data.get("entities", [])]
            for name, rows in data.get("intents", {}).items():
                intents.setdefault(name, []).extend(
                    IntentPattern(
                        _compile(r["regex"], r.get("flags", "")),
                        float(r["weight"]),
                        frozenset(word.lower() for word in r.get("requires", [])),
                    )
                    for r in rows
                )
            for name, sources in data.get("intent_vetoes", {}).items():
                vetoes.setdefault(name, []).extend(_compile(s) for s in sources)
        except (ValueError, KeyError, TypeError) as error:
            raise PatternError(f"{path}: {error}") from None
    return PatternSet(entities, intents, vetoes, digest.hexdigest()[:12])


CONVERSATION_BUNDLED = Path(__file__).resolve().parent / "conversation_patterns.json"


@dataclass(frozen=True)
class FactRules:
    """Which entity types are a person's facts, and how a mention's words say whose and when."""

    single_valued: frozenset[str]  # one current value; a later statement supersedes
    accumulating: frozenset[str]  # every value collects (order ids...)
    not_own: tuple[re.Pattern[str], ...]  # said about someone else
    past: tuple[re.Pattern[str], ...]  # a former value

    @property
    def types(self) -> frozenset[str]:
        return self.single_valued | self.accumulating


@dataclass(frozen=True)
class ConversationRules:
    """Rules over whole conversations (facts, the handoff brief's steps): not enrichment."""

    facts: FactRules
    steps: tuple[re.Pattern[str], ...]


def load_conversation_rules(extra: Path | None = None) -> ConversationRules:
    """The bundled `conversation_patterns.json`, then `extra`'s `facts`/`steps` added (the same
    file a deployment gives as THREADLINE_ENRICHMENT_PATTERNS)."""
    single: set[str] = set()
    accumulating: set[str] = set()
    not_own: list[re.Pattern[str]] = []
    past: list[re.Pattern[str]] = []
    steps: list[re.Pattern[str]] = []
    for path in [CONVERSATION_BUNDLED, *([extra] if extra else [])]:
        try:
            data = json.loads(path.read_bytes())
            facts = data.get("facts", {})
            single.update(facts.get("single_valued", []))
            accumulating.update(facts.get("accumulating", []))
            not_own += [_compile(source) for source in facts.get("not_own", [])]
            past += [_compile(source) for source in facts.get("past", [])]
            steps += [_compile(source) for source in data.get("steps", [])]
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise PatternError(f"{path}: {error}") from None
    accumulating -= single  # a type named in both is single-valued
    rules = FactRules(frozenset(single), frozenset(accumulating), tuple(not_own), tuple(past))
    return ConversationRules(rules, tuple(steps))
