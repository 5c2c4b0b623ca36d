"""`web` and `mobile`: Threadline's own widget/SDK protocol (docs/connectors.md).

A site or app backend relays widget events as JSON, signed like Meta's webhooks:
`X-Threadline-Signature: sha256=<hex HMAC-SHA256 of the body>` with THREADLINE_WEB_SECRET (or
THREADLINE_MOBILE_SECRET). Body: one event or `{"events": [...]}`; each event:

    {"type": "message" | "click" | "page_view", "id": "evt-1", "visitorId": "cookie-42",
     "conversationId": "widget-42", "text": "...", "timestamp": "2026-11-25T10:00:00Z",
     "role": "USER", "page": {"url": "...", "title": "..."}, "target": "#buy",
     "sessionId": "ses_...", "attributes": {...}}

Only `message` events become messages; clicks and page views are kept as session metadata.
The mobile app sends the same, with the `sessionId` it carried over from the web (continuation).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import Field, SecretStr

from connectors.platforms._common import from_iso, secret, signing_secret
from connectors.platforms._payload import Payload, PlatformId, validated
from connectors.platforms._signatures import check_hub_signature
from connectors.platforms.base import (
    ConnectorDefaults,
    Stored,
    WebhookError,
    WebhookReply,
    WebhookRequest,
)
from graph.domain.events import EventInput, Speaker

KINDS = {"message", "click", "page_view"}
MAX_EVENTS = 500


class WidgetEvent(Payload):
    type: str = "message"
    id: PlatformId
    visitor_id: PlatformId = Field(alias="visitorId")
    conversation_id: PlatformId | None = Field(default=None, alias="conversationId")
    session_id: PlatformId | None = Field(default=None, alias="sessionId")
    role: str = "USER"
    text: str | None = None
    timestamp: str | None = None
    attributes: dict[str, Any] | None = None


@dataclass
class WidgetConnector(ConnectorDefaults):
    channel: str
    signing_secret: SecretStr | None
    insecure: bool = False

    @property
    def enabled(self) -> bool:
        return self.insecure or secret(self.signing_secret) is not None

    def handshake(self, request: WebhookRequest) -> WebhookReply | None:
        return None

    def verify(self, request: WebhookRequest) -> None:
        key = signing_secret(self.signing_secret, self.insecure)
        if key is None:
            return
        check_hub_signature(key, request.headers.get("x-threadline-signature"), request.body)

    def parse(self, request: WebhookRequest) -> list[EventInput]:
        data = request.json_object()
        raw = data.get("events", [data])
        if not isinstance(raw, list) or not raw or len(raw) > MAX_EVENTS:
            raise WebhookError(400, f"events must be a list of 1..{MAX_EVENTS} objects")
        return [self._event(item, i) for i, item in enumerate(raw)]

    def _event(self, item: Any, index: int) -> EventInput:
        where = f"events[{index}]"
        if not isinstance(item, dict):
            raise WebhookError(400, f"{where} must be an object")
        try:
            event = validated(WidgetEvent, item)
        except WebhookError as error:
            raise WebhookError(400, f"{where}.{error.reason}") from None
        if event.type not in KINDS:
            raise WebhookError(400, f"{where}.type must be one of {sorted(KINDS)}")
        role = event.role.upper()
        if role not in Speaker.__members__:
            raise WebhookError(400, f"{where}.role must be one of {list(Speaker.__members__)}")
        if event.type == "message" and not event.text:
            raise WebhookError(400, f"{where}.text is missing")
        if not event.id or not event.visitor_id:
            raise WebhookError(400, f"{where}: id and visitorId must not be empty")
        metadata = {k: item[k] for k in ("page", "target", "device", "locale") if k in item}
        if event.type != "message":
            metadata["type"] = event.type
        return EventInput(
            event_id=event.id,
            channel=self.channel,
            external_user_id=event.visitor_id,
            thread_id=event.conversation_id or None,
            session_id=event.session_id or None,
            role=Speaker(role),
            text=event.text if event.type == "message" else None,
            occurred_at=from_iso(event.timestamp),
            attributes=event.attributes,
            metadata=metadata or None,
        )

    def reply(
        self, request: WebhookRequest, stored: list[Stored], replies: Sequence[str] = ()
    ) -> WebhookReply:
        """The session ids, so the widget can hand the conversation to the app."""
        return WebhookReply.json(
            {
                "ok": True,
                "results": [
                    {
                        "id": s.event_id,
                        "sessionId": s.session_id,
                        "seq": s.seq,
                        "duplicate": s.duplicate,
                    }
                    for s in stored
                ],
            }
        )
