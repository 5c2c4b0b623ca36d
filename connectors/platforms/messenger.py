"""`messenger`: Messenger Platform webhooks (`object: page`, `entry[].messaging[]`).

The page-scoped id (PSID) of the person is the identity, the message `mid` the event id, and
page + PSID the thread. Echoes of the page's own messages (`message.is_echo`) are stored as BOT
messages in the person's conversation (AGENT when sent from the inbox by a person, i.e. without
an `app_id`). Postbacks (button taps) become messages with their title; deliveries and reads are
acknowledged only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from connectors.platforms._common import from_epoch
from connectors.platforms._meta import MetaWebhook
from connectors.platforms._payload import NullAsEmpty, Payload, PlatformId, validated
from connectors.platforms.base import WebhookError, WebhookRequest
from graph.domain.events import EventInput, Speaker


class Party(Payload):
    id: PlatformId


class Attachment(Payload):
    type: str | None = None
    payload: dict[str, Any] | None = None


class MessageBody(Payload):
    mid: PlatformId | None = None
    text: str | None = None
    is_echo: bool = False
    app_id: PlatformId | None = None
    attachments: Annotated[list[Attachment], NullAsEmpty] = []
    quick_reply: dict[str, Any] | None = None


class Postback(Payload):
    mid: PlatformId | None = None
    title: str | None = None
    payload: str | None = None


class Messaging(Payload):
    sender: Party
    recipient: Party
    timestamp: PlatformId | None = None
    message: MessageBody | None = None
    postback: Postback | None = None


class Entry(Payload):
    messaging: Annotated[list[Messaging], NullAsEmpty] = []


class Notification(Payload):
    """The webhook body (Messenger Platform `page` notification)."""

    object: str
    entry: Annotated[list[Entry], NullAsEmpty] = []


def _attachments(message: MessageBody) -> list[dict[str, Any]]:
    return [{"type": a.type, "url": (a.payload or {}).get("url")} for a in message.attachments]


@dataclass
class MessengerConnector(MetaWebhook):
    channel: str = "messenger"

    def parse(self, request: WebhookRequest) -> list[EventInput]:
        notification = validated(Notification, request.json_object())
        if notification.object != "page":
            raise WebhookError(400, "object must be page")
        events = []
        for entry in notification.entry:
            for item in entry.messaging:
                event = self._event(item)
                if event is not None:
                    events.append(event)
        return events

    def _event(self, item: Messaging) -> EventInput | None:
        sender, recipient = item.sender.id, item.recipient.id
        if not sender or not recipient:
            raise WebhookError(400, "messaging item needs sender.id and recipient.id")
        at = from_epoch(item.timestamp, millis=True)
        if message := item.message:
            echo = message.is_echo
            person, page = (recipient, sender) if echo else (sender, recipient)
            attachments = _attachments(message)
            text = message.text or (
                " ".join(f"[{a['type']}]" for a in attachments) if attachments else None
            )
            meta: dict[str, Any] = {}
            if attachments:
                meta["attachments"] = attachments
            if message.quick_reply:
                meta["quickReply"] = message.quick_reply
            role = Speaker.USER
            if echo:
                role = Speaker.BOT if message.app_id else Speaker.AGENT
            return EventInput(
                event_id=message.mid or f"{sender}:{item.timestamp}",
                channel=self.channel,
                external_user_id=person,
                thread_id=f"{page}:{person}",
                role=role,
                text=text,
                occurred_at=at,
                metadata=meta or None,
            )
        if postback := item.postback:
            return EventInput(
                event_id=postback.mid or f"postback:{sender}:{item.timestamp}",
                channel=self.channel,
                external_user_id=sender,
                thread_id=f"{recipient}:{sender}",
                text=postback.title or postback.payload or "[postback]",
                occurred_at=at,
                metadata={"postback": postback.model_dump(exclude_none=True)},
            )
        return None  # delivery, read, reaction...: acknowledged, not stored
