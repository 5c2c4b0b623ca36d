"""Agent-side clients of the GraphQL API: they speak HTTP only and import no server package
(an import contract). `from connectors.clients import ThreadlineClient`."""

from connectors.clients.client import (
    AttributesWritten,
    Brief,
    EventInput,
    Fact,
    IngestedEvent,
    IngestResult,
    LiveEvent,
    Recalled,
    RecallHit,
    SessionInfo,
    ThreadlineAPIError,
    ThreadlineClient,
    Turn,
)

__all__ = [
    "AttributesWritten",
    "Brief",
    "EventInput",
    "Fact",
    "IngestResult",
    "IngestedEvent",
    "LiveEvent",
    "RecallHit",
    "Recalled",
    "SessionInfo",
    "ThreadlineAPIError",
    "ThreadlineClient",
    "Turn",
]
