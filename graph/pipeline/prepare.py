"""A batch made ready for its transaction: validated (all or nothing) and enriched.

Kept apart from the write so a caller can prepare the next batch while the previous one is being
written (the group-commit batcher does), and so several prepared requests combine into one batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from graph.domain.attribute_policies import PolicyRule
from graph.domain.events import (
    DEFAULT_INGEST_LIMITS,
    EventInput,
    IngestLimits,
    ValidEvent,
    validate_batch,
)
from graph.pipeline.enrich import annotate
from graph.store.attributes import check_event_attributes

if TYPE_CHECKING:
    from enrichment.annotations import Annotation
    from enrichment.pipeline import Enricher
    from graph.store.database import Database


@dataclass(frozen=True)
class PreparedEvents:
    """A validated and enriched batch, ready for `store_events`."""

    events: list[ValidEvent]
    annotations: dict[int, Annotation | None]  # by event index, for messages

    @classmethod
    def combine(cls, parts: list[PreparedEvents]) -> PreparedEvents:
        """One batch of several, in order (indexes renumbered)."""
        if len(parts) == 1:
            return parts[0]
        events: list[ValidEvent] = []
        annotations: dict[int, Annotation | None] = {}
        for part in parts:
            for event in part.events:
                if event.index in part.annotations:
                    annotations[len(events)] = part.annotations[event.index]
                events.append(replace(event, index=len(events)))
        return cls(events, annotations)

    def __len__(self) -> int:
        return len(self.events)


async def prepare_events(
    db: Database,
    events: list[EventInput],
    enricher: Enricher | None = None,
    limits: IngestLimits = DEFAULT_INGEST_LIMITS,
    policies: Sequence[PolicyRule] = (),
) -> PreparedEvents:
    """Validate a batch (all or nothing) and enrich its messages (entities, sentiment, intents).
    Embeddings come after commit (graph/pipeline/embed_later.py), from the stored messages."""
    batch = validate_batch(events, limits)
    check_event_attributes(batch, policies)
    messages = [event for event in batch if event.is_message]
    texts = [event.source.text or "" for event in messages]
    found = await annotate(enricher, texts, [event.at for event in messages])
    return PreparedEvents(
        batch,
        {event.index: annotation for event, annotation in zip(messages, found, strict=True)},
    )
