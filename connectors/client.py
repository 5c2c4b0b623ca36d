"""A small typed client for Threadline's GraphQL API, for remote connectors and SDK users.

    with ThreadlineClient("http://127.0.0.1:8000") as client:
        result = client.ingest_events([EventInput("wamid.1", "whatsapp", "15550001111",
                                                  text="hi")])
        context = client.context(channel="whatsapp", external_user_id="15550001111")

Retries on connection errors, timeouts, 5xx and retryable error codes (`UNAVAILABLE` while the
database restarts, `ENRICHMENT_FAILED`, `TIMEOUT`, `INTERNAL`) are safe: every event carries its
`eventId`, so a batch that did land the first time comes back as duplicates, never twice.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from graph.domain.errors import ErrorCode
from graph.domain.events import EventInput, IngestedEvent, IngestResult

RETRYABLE_CODES = frozenset(code.value for code in ErrorCode if code.retryable)

INGEST = """
mutation Ingest($events: [EventInput!]!) {
  ingestEvents(events: $events) {
    accepted duplicates results { eventId sessionId messageId seq duplicate }
  }
}
"""
CONTEXT = """
query Context($userId: ID, $sessionId: ID, $channel: String, $externalUserId: String,
              $last: Int) {
  context(userId: $userId, sessionId: $sessionId, channel: $channel,
          externalUserId: $externalUserId, lastMessages: $last) {
    user { id identities { channel externalId } }
    session { id status seq channels }
    messages { id seq channel role text at sentiment entities { key } intents { name } }
    entities { key type value mentions channels lastSeenAt }
    intents { name messages confidence }
    attributes channels sentiment
  }
}
"""


RECALL = """
query Recall($query: String!, $userId: ID, $sessionId: ID, $channel: String,
             $externalUserId: String, $limit: Int, $channels: [String!], $since: DateTime,
             $until: DateTime, $neighbors: Int, $maxChars: Int) {
  recall(query: $query, userId: $userId, sessionId: $sessionId, channel: $channel,
         externalUserId: $externalUserId, limit: $limit, channels: $channels, since: $since,
         until: $until, neighbors: $neighbors) {
    hits { score signals message { ...turn } neighbors { ...turn } }
    text(maxChars: $maxChars)
  }
}
fragment turn on Message { id sessionId seq channel role text at }
"""


@dataclass(frozen=True)
class Turn:
    """One message as a recall returns it."""

    id: str
    session_id: str
    seq: int
    channel: str
    role: str
    text: str | None
    at: datetime

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Turn:
        return cls(
            raw["id"],
            raw["sessionId"],
            raw["seq"],
            raw["channel"],
            raw["role"],
            raw["text"],
            datetime.fromisoformat(raw["at"]),
        )


@dataclass(frozen=True)
class RecallHit:
    message: Turn
    score: float
    signals: list[str]  # why it matched: keyword, entity:ORDER_ID:A1001, date... (docs/recall.md)
    neighbors: list[Turn]


@dataclass(frozen=True)
class Recalled:
    hits: list[RecallHit]  # best first
    text: str  # hits and neighbours, time order, one line per turn, ready for a prompt


class ThreadlineAPIError(Exception):
    """The API answered with an error; `code` is its `extensions.code`."""

    def __init__(self, message: str, code: str, extensions: dict[str, Any]) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.extensions = extensions


def event_variables(event: EventInput) -> dict[str, Any]:
    """An `EventInput` as GraphQL variables (camelCase, ISO times, nulls left out)."""
    fields = {
        "eventId": event.event_id,
        "channel": event.channel,
        "externalUserId": event.external_user_id,
        "threadId": event.thread_id,
        "sessionId": event.session_id,
        "role": event.role.value,
        "text": event.text,
        "occurredAt": event.occurred_at.isoformat() if event.occurred_at else None,
        "attributes": event.attributes,
        "metadata": event.metadata,
    }
    return {key: value for key, value in fields.items() if value is not None}


def _retryable(response: httpx.Response) -> bool:
    """A GraphQL answer whose first error a retry may cure (every write is idempotent)."""
    try:
        errors = response.json().get("errors") or []
    except ValueError:
        return False
    code = ((errors[0] if errors else {}).get("extensions") or {}).get("code")
    return code in RETRYABLE_CODES


class ThreadlineClient:
    """Synchronous client; `retries` extra attempts with exponential backoff."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        timeout: float = 10.0,
        retries: int = 3,
        backoff: float = 0.2,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(
            base_url=base_url, timeout=timeout, headers=headers, transport=transport
        )
        self.retries = retries
        self.backoff = backoff

    def __enter__(self) -> ThreadlineClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def execute(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """POST one operation; retry transport failures, 5xx and errors whose code says a retry
        can succeed (UNAVAILABLE while the database restarts...); raise API errors."""
        for attempt in range(self.retries + 1):
            try:
                response = self.http.post("/graphql", json={"query": query, "variables": variables})
                if response.status_code < 500 and not _retryable(response):
                    break
            except (httpx.TransportError, httpx.TimeoutException):
                if attempt == self.retries:
                    raise
            if attempt < self.retries:
                time.sleep(self.backoff * 2**attempt)
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        if body.get("errors"):
            first = body["errors"][0]
            extensions = first.get("extensions") or {}
            raise ThreadlineAPIError(
                first.get("message", ""), extensions.get("code", ""), extensions
            )
        data: dict[str, Any] = body["data"]
        return data

    def ingest_events(self, events: list[EventInput]) -> IngestResult:
        data = self.execute(INGEST, {"events": [event_variables(e) for e in events]})
        raw = data["ingestEvents"]
        return IngestResult(
            accepted=raw["accepted"],
            duplicates=raw["duplicates"],
            results=[
                IngestedEvent(
                    r["eventId"], r["sessionId"], r["messageId"], r["seq"], r["duplicate"]
                )
                for r in raw["results"]
            ],
        )

    def context(
        self,
        *,
        user_id: str | None = None,
        session_id: str | None = None,
        channel: str | None = None,
        external_user_id: str | None = None,
        last_messages: int = 20,
    ) -> dict[str, Any]:
        """The conversation context as the API returns it (see docs/api.md)."""
        variables = {
            "userId": user_id,
            "sessionId": session_id,
            "channel": channel,
            "externalUserId": external_user_id,
            "last": last_messages,
        }
        context: dict[str, Any] = self.execute(CONTEXT, variables)["context"]
        return context

    def recall(
        self,
        query: str,
        *,
        user_id: str | None = None,
        session_id: str | None = None,
        channel: str | None = None,
        external_user_id: str | None = None,
        limit: int = 10,
        channels: list[str] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        neighbors: int = 0,
        max_chars: int | None = None,
    ) -> Recalled:
        """What a person said, on any channel, that answers `query` (docs/recall.md)."""
        variables = {
            "query": query,
            "userId": user_id,
            "sessionId": session_id,
            "channel": channel,
            "externalUserId": external_user_id,
            "limit": limit,
            "channels": channels,
            "since": since.isoformat() if since else None,
            "until": until.isoformat() if until else None,
            "neighbors": neighbors,
            "maxChars": max_chars,
        }
        raw = self.execute(RECALL, variables)["recall"]
        return Recalled(
            [
                RecallHit(
                    Turn.from_json(h["message"]),
                    h["score"],
                    list(h["signals"]),
                    [Turn.from_json(n) for n in h["neighbors"]],
                )
                for h in raw["hits"]
            ],
            raw["text"],
        )
