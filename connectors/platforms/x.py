"""`x`: X (Twitter) direct messages through the Account Activity API webhook.

- CRC: `GET /webhooks/x?crc_token=…` is answered with `{"response_token": "sha256=<base64 HMAC-
  SHA256 of the token, keyed with the consumer secret>"}` (X sends it when the webhook is
  registered and then hourly).
- Every POST carries `x-twitter-webhooks-signature: sha256=<base64 HMAC-SHA256 of the body>`,
  checked with the same secret (`THREADLINE_X_CONSUMER_SECRET`).
- `direct_message_events` of type `message_create` become messages: the DM's id is the event
  id (X's redeliveries are deduplicated), the sender's user id the identity, `our id:sender id`
  the thread. Messages our own account sent (`sender_id == for_user_id`: replies, including
  those `sendMessage` sent) are not stored again. Other activity (follows, likes, typing
  indicators, read receipts) is acknowledged and ignored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import SecretStr

from connectors.platforms._common import from_epoch, secret, signing_secret
from connectors.platforms._payload import NullAsEmpty, Payload, PlatformId, validated
from connectors.platforms._signatures import require_equal
from connectors.platforms.base import (
    OK,
    ConnectorDefaults,
    Stored,
    WebhookError,
    WebhookReply,
    WebhookRequest,
)
from graph.domain.events import EventInput


def x_signature(consumer_secret: str, payload: bytes) -> str:
    """`sha256=` + base64 HMAC-SHA256: the CRC response token and the POST signature alike."""
    digest = hmac.new(consumer_secret.encode(), payload, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


class MessageData(Payload):
    text: str | None = None
    attachment: dict[str, Any] | None = None


class MessageCreate(Payload):
    sender_id: PlatformId | None = None
    target: dict[str, Any] | None = None
    message_data: MessageData | None = None


class DirectMessageEvent(Payload):
    type: str | None = None
    id: PlatformId | None = None
    created_timestamp: PlatformId | None = None
    message_create: MessageCreate | None = None


class Activity(Payload):
    for_user_id: PlatformId | None = None
    direct_message_events: Annotated[list[DirectMessageEvent], NullAsEmpty] = []
    users: dict[str, Any] | None = None


@dataclass
class XConnector(ConnectorDefaults):
    consumer_secret: SecretStr | None
    insecure: bool = False
    channel: str = "x"

    @property
    def enabled(self) -> bool:
        return self.insecure or secret(self.consumer_secret) is not None

    def handshake(self, request: WebhookRequest) -> WebhookReply | None:
        if request.method != "GET":
            return None
        token = request.query.get("crc_token")
        if not token:
            raise WebhookError(400, "crc_token is missing")
        key = secret(self.consumer_secret)
        if key is None:
            raise WebhookError(403, "this webhook has no secret configured")
        return WebhookReply.json({"response_token": x_signature(key, token.encode())})

    def verify(self, request: WebhookRequest) -> None:
        key = signing_secret(self.consumer_secret, self.insecure)
        if key is None:
            return
        expected = x_signature(key, request.body)
        require_equal(request.headers.get("x-twitter-webhooks-signature"), expected, "signature")

    def parse(self, request: WebhookRequest) -> list[EventInput]:
        activity = validated(Activity, request.json_object())
        ours = activity.for_user_id
        users = activity.users or {}
        events = []
        for event in activity.direct_message_events:
            created = event.message_create
            if event.type != "message_create" or created is None:
                continue
            sender = created.sender_id
            if not sender or not event.id:
                raise WebhookError(400, "message_create.sender_id and id are required")
            if sender == ours:
                continue  # our own account's message (a reply we sent): not a user message
            data = created.message_data or MessageData()
            metadata: dict[str, Any] = {}
            profile = users.get(sender)
            if isinstance(profile, dict) and profile.get("screen_name"):
                metadata["screenName"] = profile["screen_name"]
            if data.attachment:
                metadata["attachment"] = data.attachment
            events.append(
                EventInput(
                    event_id=event.id,
                    channel=self.channel,
                    external_user_id=sender,
                    thread_id=f"{ours}:{sender}" if ours else sender,
                    text=data.text or ("[attachment]" if data.attachment else None),
                    occurred_at=from_epoch(event.created_timestamp, millis=True),
                    metadata=metadata or None,
                )
            )
        return events

    def reply(
        self, request: WebhookRequest, stored: list[Stored], replies: Sequence[str] = ()
    ) -> WebhookReply:
        return OK
