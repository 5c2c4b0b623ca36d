"""A typed client for Threadline's GraphQL API, for remote connectors, agent tools and SDK users.

    with ThreadlineClient("http://127.0.0.1:8000") as client:  # token="tlk_<id>_<secret>"
        client.add_message("whatsapp", "15550001111", "hi", event_id="wamid.1")
        context = client.context(channel="whatsapp", external_user_id="15550001111")
        brief = client.brief(channel="whatsapp", external_user_id="15550001111")
        hits = client.recall("where should order A-1001 go?", channel="whatsapp",
                             external_user_id="15550001111")

It needs only httpx (and websockets for `subscribe`): `pip install 'threadline[client]'` — no
server package is imported. Retries on connection errors, timeouts, 5xx and retryable error
codes (`UNAVAILABLE` while the database restarts, `ENRICHMENT_FAILED`, `TIMEOUT`, `INTERNAL`)
are safe: every event carries its `eventId`, so a batch that did land the first time comes back
as duplicates, never twice.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import httpx

from connectors.clients.errors import RETRYABLE_CODES, ThreadlineAPIError
from connectors.clients.inputs import EventInput, bearer_headers
from connectors.clients.queries import (
    BRIEF,
    CLOSE,
    CONTEXT,
    FACTS,
    HANDOFF,
    INGEST,
    ISSUE_USER_TOKEN,
    RECALL,
    SEARCH,
    SESSION_MESSAGES,
    SET_SESSION_ATTRIBUTES,
    SET_USER_ATTRIBUTES,
    SUBSCRIBE,
    UPSERT_AGENT,
)
from connectors.clients.results import (
    Brief,
    BriefEntity,
    BriefIntent,
    BriefIssue,
    BriefTurn,
    Fact,
    FactSource,
    FactValue,
    Handoff,
    IngestedEvent,
    IngestResult,
    LiveEvent,
    LiveEventBrief,
    Recalled,
    RecallHit,
    SessionAttributes,
    SessionInfo,
    Turn,
    UserAttributes,
    UserToken,
)

__all__ = [
    "Brief",
    "BriefEntity",
    "BriefIntent",
    "BriefIssue",
    "BriefTurn",
    "EventInput",
    "Fact",
    "FactSource",
    "FactValue",
    "Handoff",
    "IngestResult",
    "IngestedEvent",
    "LiveEvent",
    "LiveEventBrief",
    "RecallHit",
    "Recalled",
    "SessionAttributes",
    "SessionInfo",
    "ThreadlineAPIError",
    "ThreadlineClient",
    "Turn",
    "UserAttributes",
    "UserToken",
]


def event_variables(event: Any) -> dict[str, Any]:
    """An event (this module's `EventInput`, or any object with its fields — the server's own
    `graph.domain.events.EventInput` included) as GraphQL variables: camelCase, ISO times,
    nulls left out."""
    fields = {
        "eventId": event.event_id,
        "channel": event.channel,
        "externalUserId": event.external_user_id,
        "threadId": event.thread_id,
        "sessionId": event.session_id,
        "role": getattr(event.role, "value", event.role),
        "text": event.text,
        "occurredAt": event.occurred_at.isoformat() if event.occurred_at else None,
        "attributes": event.attributes,
        "metadata": event.metadata,
        "agentId": getattr(event, "agent_id", None),
    }
    return {key: value for key, value in fields.items() if value is not None}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _selector(
    user_id: str | None, session_id: str | None, channel: str | None, external_user_id: str | None
) -> dict[str, Any]:
    return {
        "userId": user_id,
        "sessionId": session_id,
        "channel": channel,
        "externalUserId": external_user_id,
    }


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
        headers = bearer_headers(token)
        self.http = httpx.Client(
            base_url=base_url, timeout=timeout, headers=headers, transport=transport
        )
        self.base_url = base_url
        self.token = token
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
        try:
            body: dict[str, Any] = response.json()
        except ValueError:
            response.raise_for_status()
            raise
        if not isinstance(body, dict) or (response.is_error and not body.get("errors")):
            response.raise_for_status()
        if body.get("errors"):  # a typed error (401 UNAUTHENTICATED... included)
            first = body["errors"][0]
            extensions = first.get("extensions") or {}
            raise ThreadlineAPIError(
                first.get("message", ""), extensions.get("code", ""), extensions
            )
        data: dict[str, Any] = body["data"]
        return data

    def ingest_events(self, events: Sequence[Any]) -> IngestResult:
        """Store events (`EventInput`s); each result says where it landed or that it was a
        duplicate of an earlier delivery."""
        data = self.execute(INGEST, {"events": [event_variables(e) for e in events]})
        return IngestResult.from_json(data["ingestEvents"])

    def context(
        self,
        *,
        user_id: str | None = None,
        session_id: str | None = None,
        channel: str | None = None,
        external_user_id: str | None = None,
        last_messages: int = 20,
        include_previous: int = 0,
        as_of: datetime | None = None,
    ) -> dict[str, Any]:
        """The conversation context as the API returns it (see docs/api.md)."""
        variables = {
            **_selector(user_id, session_id, channel, external_user_id),
            "last": last_messages,
            "previous": include_previous,
            "asOf": _iso(as_of),
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
            **_selector(user_id, session_id, channel, external_user_id),
            "limit": limit,
            "channels": channels,
            "since": _iso(since),
            "until": _iso(until),
            "neighbors": neighbors,
            "maxChars": max_chars,
        }
        return Recalled.from_json(self.execute(RECALL, variables)["recall"])

    def add_message(
        self,
        channel: str,
        external_user_id: str,
        text: str | None,
        *,
        role: str = "USER",
        event_id: str | None = None,
        session_id: str | None = None,
        thread_id: str | None = None,
        agent_id: str | None = None,
        occurred_at: datetime | None = None,
        attributes: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> IngestedEvent:
        """Store one event. Without `event_id` one is generated, so give yours (the platform's)
        when a retry must be recognized as the same message."""
        event = EventInput(
            event_id=event_id or f"tl-{uuid.uuid4()}",
            channel=channel,
            external_user_id=external_user_id,
            thread_id=thread_id,
            session_id=session_id,
            role=role,
            text=text,
            occurred_at=occurred_at,
            attributes=attributes,
            metadata=metadata,
            agent_id=agent_id,
        )
        return self.ingest_events([event]).results[0]

    def brief(
        self,
        *,
        user_id: str | None = None,
        session_id: str | None = None,
        channel: str | None = None,
        external_user_id: str | None = None,
        max_chars: int | None = None,
        as_of: datetime | None = None,
    ) -> Brief:
        """The handoff brief of the selected session (a user's current one)."""
        variables = {
            **_selector(user_id, session_id, channel, external_user_id),
            "maxChars": max_chars,
            "asOf": _iso(as_of),
        }
        return Brief.from_json(self.execute(BRIEF, variables)["context"]["brief"])

    def facts(
        self, user_id: str, *, types: list[str] | None = None, as_of: datetime | None = None
    ) -> list[Fact]:
        """What we know about the person: current values, provenance, superseded values."""
        raw = self.execute(FACTS, {"userId": user_id, "types": types, "asOf": _iso(as_of)})
        if raw["user"] is None:
            raise ThreadlineAPIError(f"no user {user_id!r}", "NOT_FOUND", {"field": "userId"})
        return [Fact.from_json(f) for f in raw["user"]["facts"]]

    def set_session_attributes(
        self,
        session_id: str,
        attributes: dict[str, Any],
        *,
        expected_version: int | None = None,
        channel: str | None = None,
    ) -> SessionAttributes:
        """Merge attributes into a session; with `expected_version`, a compare-and-set
        (`ThreadlineAPIError` CONFLICT carries the current version and values)."""
        raw = self.execute(
            SET_SESSION_ATTRIBUTES,
            {
                "id": session_id,
                "attributes": attributes,
                "expected": expected_version,
                "channel": channel,
            },
        )["setSessionAttributes"]
        return SessionAttributes.from_json(raw)

    def set_user_attributes(
        self,
        user_id: str,
        attributes: dict[str, Any],
        *,
        expected_version: int | None = None,
        channel: str | None = None,
    ) -> UserAttributes:
        """The same for the person's attributes."""
        raw = self.execute(
            SET_USER_ATTRIBUTES,
            {
                "id": user_id,
                "attributes": attributes,
                "expected": expected_version,
                "channel": channel,
            },
        )["setUserAttributes"]
        return UserAttributes.from_json(raw)

    def issue_user_token(
        self, channel: str, external_user_id: str, ttl_seconds: int = 3600
    ) -> UserToken:
        """A backend's token endpoint (a connector key granted `--issue-user-tokens`, for its
        channels): a short-lived token that lets the person's web page or app (the web SDK)
        read and write only their own conversation."""
        raw = self.execute(
            ISSUE_USER_TOKEN,
            {"channel": channel, "externalUserId": external_user_id, "ttlSeconds": ttl_seconds},
        )["issueUserToken"]
        return UserToken.from_json(raw)

    def upsert_agent(self, agent_id: str, kind: str = "HUMAN", name: str | None = None) -> None:
        """Register a BOT or HUMAN agent (needed before a handoff to it)."""
        self.execute(UPSERT_AGENT, {"id": agent_id, "kind": kind, "name": name})

    def handoff(self, session_id: str, agent_id: str, reason: str | None = None) -> SessionInfo:
        """Hand the session to a registered agent; the HANDOFF live event carries the brief."""
        raw = self.execute(
            HANDOFF, {"sessionId": session_id, "agentId": agent_id, "reason": reason}
        )
        return SessionInfo.from_json(raw["handoff"])

    def close_session(self, session_id: str, reason: str | None = None) -> SessionInfo:
        raw = self.execute(CLOSE, {"sessionId": session_id, "reason": reason})
        return SessionInfo.from_json(raw["closeSession"])

    def search_sessions(
        self,
        *,
        user_id: str | None = None,
        channel: str | None = None,
        external_user_id: str | None = None,
        entity: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 20,
    ) -> list[SessionInfo]:
        """Sessions by person, entity (`ORDER_ID:A1001` or `order A-1001`) and/or time."""
        variables = {
            "userId": user_id,
            "channel": channel,
            "externalUserId": external_user_id,
            "entity": entity,
            "since": _iso(since),
            "until": _iso(until),
            "limit": limit,
        }
        return [SessionInfo.from_json(s) for s in self.execute(SEARCH, variables)["searchSessions"]]

    def session(self, session_id: str, last: int = 50) -> tuple[SessionInfo, list[Turn]]:
        """A session and its last `last` messages (oldest first)."""
        raw = self.execute(SESSION_MESSAGES, {"id": session_id, "last": last})["session"]
        if raw is None:
            raise ThreadlineAPIError(f"no session {session_id!r}", "NOT_FOUND", {"field": "id"})
        return SessionInfo.from_json(raw), [Turn.from_json(m) for m in raw["messages"]]

    def subscribe(
        self, *, session_id: str | None = None, user_id: str | None = None
    ) -> Iterator[LiveEvent]:
        """Committed changes as they happen (`sessionEvents` over graphql-transport-ws), until
        the caller stops iterating; needs `websockets` (`threadline[client]`)."""
        from websockets.sync.client import connect
        from websockets.typing import Subprotocol

        url = self.base_url.replace("http://", "ws://").replace("https://", "wss://")
        init: dict[str, Any] = {"type": "connection_init"}
        if self.token:
            init["payload"] = bearer_headers(self.token)
        with connect(
            f"{url}/graphql", subprotocols=[Subprotocol("graphql-transport-ws")]
        ) as socket:
            socket.send(json.dumps(init))
            json.loads(socket.recv())  # connection_ack
            payload = {
                "query": SUBSCRIBE,
                "variables": {"sessionId": session_id, "userId": user_id},
            }
            socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
            for message in socket:
                frame = json.loads(message)
                if frame["type"] == "ping":
                    socket.send(json.dumps({"type": "pong"}))
                elif frame["type"] == "error":
                    first = frame["payload"][0]
                    extensions = first.get("extensions") or {}
                    raise ThreadlineAPIError(
                        first.get("message", ""), extensions.get("code", ""), extensions
                    )
                elif frame["type"] == "next":
                    yield LiveEvent.from_json(frame["payload"]["data"]["sessionEvents"])
                elif frame["type"] == "complete":
                    return
