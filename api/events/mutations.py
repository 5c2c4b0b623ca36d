"""The `ingestEvents` mutation: the one write path connectors and SDKs use."""

from __future__ import annotations

import strawberry

from api.auth import allow, require_channel
from api.events.types import EventInput, IngestResult
from api.request import Info
from graph.auth import Role


@strawberry.type
class EventMutations:
    @strawberry.mutation(
        extensions=allow(Role.CONNECTOR),
        description="Store a batch of events in one transaction; results in input order. "
        "A replayed eventId returns its original result with duplicate: true.",
    )
    async def ingest_events(self, info: Info, events: list[EventInput]) -> IngestResult:
        for index, event in enumerate(events):
            require_channel(info.context.principal, event.channel, index)
        result = await info.context.ingest.ingest([event.to_graph() for event in events])
        return IngestResult.from_result(result)
