"""What every connector is: verify a platform's request over its raw bytes, parse it into
`EventInput`s, answer the platform's handshake where it has one, and reply as it expects."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from graph.domain.events import EventInput


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


class Connector(Protocol):
    """One platform. `enabled` is False while its secret is not configured."""

    channel: str

    @property
    def enabled(self) -> bool: ...

    def handshake(self, request: WebhookRequest) -> WebhookReply | None:
        """The platform's verification exchange, if this request is one (checked first)."""

    def verify(self, request: WebhookRequest) -> None:
        """Raise `WebhookError` (401/403) unless the request provably comes from the platform."""

    def parse(self, request: WebhookRequest) -> list[EventInput]:
        """The events in the request; [] for valid payloads that carry none (statuses...)."""

    def reply(self, request: WebhookRequest, stored: list[Stored]) -> WebhookReply:
        """The answer the platform expects once the events are stored."""
