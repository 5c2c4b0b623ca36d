"""The `ingestEvents` mutation: the one write path connectors and SDKs use."""

from __future__ import annotations

import strawberry

from api.events.types import EventInput, IngestResult
from api.request import Info


@strawberry.type
class EventMutations:
    @strawberry.mutation(
        description="Store a batch of events in one transaction; results in input order. "
        "A replayed eventId returns its original result with duplicate: true."
    )
    async def ingest_events(self, info: Info, events: list[EventInput]) -> IngestResult:
        result = await info.context.ingest.ingest([event.to_graph() for event in events])
        return IngestResult.from_result(result)
