"""What every connector is: verify a platform's request over its raw bytes, parse it into
`EventInput`s, answer the platform's handshake where it has one, and reply as it expects."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from graph.domain.events import EventInput
from graph.domain.outbox import DeliveryUpdate


class WebhookError(Exception):
    """A request the connector refuses: `status` (4xx) and a short reason for the platform."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class WebhookRequest:
    """A platform's HTTP request, as received: header names lowercase, the body untouched."""

    method: str
    url: str
    headers: Mapping[str, str]
    query: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except (UnicodeDecodeError, ValueError):
            raise WebhookError(400, "body is not valid JSON") from None
        except RecursionError:
            raise WebhookError(400, "body is JSON nested too deeply") from None

    def json_object(self) -> dict[str, Any]:
        data = self.json()
        if not isinstance(data, dict):
            raise WebhookError(400, "body must be a JSON object")
        return data


@dataclass(frozen=True)
class WebhookReply:
    """What to answer the platform."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, data: Any, status: int = 200) -> WebhookReply:
        return cls(status, json.dumps(data).encode())

    @classmethod
    def text(cls, text: str, status: int = 200) -> WebhookReply:
        return cls(status, text.encode(), "text/plain; charset=utf-8")


OK = WebhookReply.json({"ok": True})


@dataclass(frozen=True)
class Stored:
    """Where an event landed (plain data, so connectors never see the graph)."""

    event_id: str
    session_id: str
    seq: int | None
    duplicate: bool


@dataclass(frozen=True)
class PulledReplies:
    """A request from a platform that asks for our replies itself (a phone call's next turn):
    the session whose waiting replies it takes, the platform's id for them (the call), and
    whether it will never ask again (the call ended: the replies still waiting fail)."""

    session_id: str
    platform_id: str | None
    ended: bool = False


class Connector(Protocol):
    """One platform, and everything the webhook endpoint may ask of it — every capability is
    declared here (with `ConnectorDefaults` for the connectors that lack it), so the endpoint
    has one path for all of them. `enabled` is False while its secret is not configured."""

    channel: str
    # `verify` may block (fetch a certificate chain over the network): run it off the loop
    verify_blocks: bool

    @property
    def enabled(self) -> bool: ...

    def handshake(self, request: WebhookRequest) -> WebhookReply | None:
        """The platform's verification exchange, if this request is one (checked first)."""

    def verify(self, request: WebhookRequest) -> None:
        """Raise `WebhookError` (401/403) unless the request provably comes from the platform."""

    def parse(self, request: WebhookRequest) -> list[EventInput]:
        """The events in the request; [] for valid payloads that carry none (statuses...)."""

    def delivery_updates(self, request: WebhookRequest) -> list[DeliveryUpdate]:
        """The platform's status reports of replies we sent (delivered, read...) in it."""

    def pulled_replies(self, request: WebhookRequest, stored: list[Stored]) -> PulledReplies | None:
        """Whether this request asks for the replies waiting for it (a platform that pulls)."""

    def reply(
        self, request: WebhookRequest, stored: list[Stored], replies: Sequence[str] = ()
    ) -> WebhookReply:
        """The answer the platform expects once the events are stored (with the `replies` it
        pulled, if it pulls them)."""


class ConnectorDefaults:
    """What a connector without a capability answers: a verification that does not block, no
    status reports of our replies, no replies pulled (they go out through the outbox)."""

    verify_blocks: bool = False

    def delivery_updates(self, request: WebhookRequest) -> list[DeliveryUpdate]:
        return []

    def pulled_replies(self, request: WebhookRequest, stored: list[Stored]) -> PulledReplies | None:
        return None
