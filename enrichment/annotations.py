"""What enrichment says about one message: plain data, no spaCy types."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Mention:
    """One entity mention: `key` = `TYPE:normalized` is the same wherever it is mentioned."""

    type: str
    value: str
    start: int
    end: int
    text: str

    @property
    def key(self) -> str:
        return f"{self.type}:{self.value}"


@dataclass(frozen=True)
class IntentScore:
    name: str
    confidence: float


@dataclass(frozen=True)
class Annotation:
    """Entities, sentiment and intents of one text, and the pipeline version that produced them."""

    sentiment: float
    sentiment_label: str
    mentions: list[Mention] = field(default_factory=list)
    intents: list[IntentScore] = field(default_factory=list)
    version: str = ""
