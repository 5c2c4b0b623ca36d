"""The `ingestEvents` mutation: the one write path connectors and SDKs use."""

from __future__ import annotations

import strawberry

from api.auth import allow, require_channel, require_session_channels
from api.events.types import EventInput, IngestResult
from api.request import Info
from graph.compliance.auth import CallerRole


@strawberry.type
class EventMutations:
    @strawberry.mutation(
        extensions=allow(CallerRole.CONNECTOR, CallerRole.AGENT),
        description="Store a batch of events in one transaction; results in input order. "
        "A replayed eventId returns its original result with duplicate: true. A connector "
        "restricted to channels may name a sessionId only of a session on one of them. Agents "
        "write too: their own replies (role AGENT/BOT) and what a customer told them.",
    )
    async def ingest_events(self, info: Info, events: list[EventInput]) -> IngestResult:
        principal = info.context.principal
        for index, event in enumerate(events):
            require_channel(principal, event.channel, index)
        named = [str(event.session_id) for event in events if event.session_id is not None]
        if named:
            await require_session_channels(principal, info.context.db, named, "events.sessionId")
        result = await info.context.ingest.ingest([event.to_graph() for event in events])
        return IngestResult.from_result(result)
