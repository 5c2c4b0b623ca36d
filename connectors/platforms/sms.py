"""`sms`: Twilio Messaging webhooks (form-encoded: `MessageSid`, `From`, `To`, `Body`, `NumMedia`,
`MediaUrl0`...), verified with `X-Twilio-Signature` over the public URL and the sorted parameters.

`MessageSid` is the event id, `From` the identity, `To` + `From` the thread. The reply is an
empty TwiML document (Threadline stores; it does not answer on its own).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from pydantic import SecretStr

from connectors.platforms._common import need, secret, signing_secret
from connectors.platforms._signatures import require_equal, twilio_signature
from connectors.platforms.base import (
    ConnectorDefaults,
    Stored,
    WebhookError,
    WebhookReply,
    WebhookRequest,
)
from graph.domain.events import EventInput
from graph.domain.outbox import DeliveryStatus, DeliveryUpdate

EMPTY_TWIML = WebhookReply(
    200, b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>', "text/xml"
)


TWILIO_STATUSES = {
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.READ,
    "undelivered": DeliveryStatus.FAILED,
    "failed": DeliveryStatus.FAILED,
}


def is_status_callback(params: dict[str, str]) -> bool:
    return "MessageStatus" in params and "Body" not in params


@dataclass
class TwilioSmsConnector(ConnectorDefaults):
    auth_token: SecretStr | None
    public_url: str | None = None  # the base URL Twilio calls, when behind a proxy
    insecure: bool = False
    channel: str = "sms"

    @property
    def enabled(self) -> bool:
        return self.insecure or secret(self.auth_token) is not None

    def handshake(self, request: WebhookRequest) -> WebhookReply | None:
        return None

    def _params(self, request: WebhookRequest) -> dict[str, str]:
        if not request.headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"
        ):
            raise WebhookError(415, "expected application/x-www-form-urlencoded")
        try:
            return dict(
                parse_qsl(request.body.decode(), keep_blank_values=True, strict_parsing=False)
            )
        except UnicodeDecodeError:
            raise WebhookError(400, "body is not UTF-8") from None

    def signed_url(self, request: WebhookRequest) -> str:
        if not self.public_url:
            return request.url
        path = request.url.split("/webhooks/", 1)[-1]
        return f"{self.public_url.rstrip('/')}/webhooks/{path}"

    def verify(self, request: WebhookRequest) -> None:
        token = signing_secret(self.auth_token, self.insecure)
        if token is None:
            return
        expected = twilio_signature(token, self.signed_url(request), self._params(request))
        require_equal(request.headers.get("x-twilio-signature"), expected, "signature")

    def delivery_updates(self, request: WebhookRequest) -> list[DeliveryUpdate]:
        """A status callback of a message we sent (`MessageStatus`, no `Body`)."""
        params = self._params(request)
        if not is_status_callback(params):
            return []
        status = TWILIO_STATUSES.get(params["MessageStatus"].lower())
        if status is None:  # queued, sending...: nothing the outbox does not know
            return []
        error = params.get("ErrorCode")
        return [
            DeliveryUpdate(
                need(params, "MessageSid", "form"),
                status,
                error=f"Twilio error {error}" if error else None,
            )
        ]

    def parse(self, request: WebhookRequest) -> list[EventInput]:
        params = self._params(request)
        if is_status_callback(params):
            return []  # about our own message (delivery_updates), not a message
        sid = (
            need(params, "MessageSid", "form")
            if "MessageSid" in params
            else need(params, "SmsSid", "form")
        )
        sender, receiver = need(params, "From", "form"), need(params, "To", "form")
        try:
            media_count = int(params.get("NumMedia", "0") or 0)
        except ValueError:
            raise WebhookError(400, "NumMedia is not a number") from None
        media = [
            {"url": params.get(f"MediaUrl{i}"), "type": params.get(f"MediaContentType{i}")}
            for i in range(min(media_count, 10))
        ]
        body = params.get("Body", "")
        text = body or (" ".join(f"[{m['type'] or 'media'}]" for m in media) if media else "")
        meta: dict[str, Any] = {
            k: params[k] for k in ("FromCity", "FromState", "FromCountry") if params.get(k)
        }
        if media:
            meta["media"] = media
        return [
            EventInput(
                event_id=sid,
                channel=self.channel,
                external_user_id=sender,
                thread_id=f"{receiver}:{sender}",
                text=text or None,
                metadata=meta or None,
            )
        ]

    def reply(
        self, request: WebhookRequest, stored: list[Stored], replies: Sequence[str] = ()
    ) -> WebhookReply:
        return EMPTY_TWIML
