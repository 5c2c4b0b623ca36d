"""`messenger`: Messenger Platform webhooks (`object: page`, `entry[].messaging[]`).

The page-scoped id (PSID) of the person is the identity, the message `mid` the event id, and
page + PSID the thread. Echoes of the page's own messages (`message.is_echo`) are stored as BOT
messages in the person's conversation (AGENT when sent from the inbox by a person, i.e. without
an `app_id`). Postbacks (button taps) become messages with their title; deliveries and reads are
acknowledged only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connectors._common import from_epoch
from connectors._meta import MetaWebhook
from connectors.base import WebhookError, WebhookRequest
from graph.events import EventInput, Role


def _attachments(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"type": a.get("type"), "url": (a.get("payload") or {}).get("url")}
        for a in message.get("attachments") or []
    ]


@dataclass
class MessengerConnector(MetaWebhook):
    channel: str = "messenger"

    def parse(self, request: WebhookRequest) -> list[EventInput]:
        data = request.json_object()
        if data.get("object") != "page":
            raise WebhookError(400, "object must be page")
        events = []
        for entry in data.get("entry") or []:
            for item in entry.get("messaging") or []:
                event = self._event(item)
                if event is not None:
                    events.append(event)
        return events

    def _event(self, item: dict[str, Any]) -> EventInput | None:
        sender = (item.get("sender") or {}).get("id")
        recipient = (item.get("recipient") or {}).get("id")
        if not sender or not recipient:
            raise WebhookError(400, "messaging item needs sender.id and recipient.id")
        at = from_epoch(item.get("timestamp"), millis=True)
        if message := item.get("message"):
            echo = bool(message.get("is_echo"))
            person, page = (recipient, sender) if echo else (sender, recipient)
            attachments = _attachments(message)
            text = message.get("text") or (
                " ".join(f"[{a['type']}]" for a in attachments) if attachments else None
            )
            meta: dict[str, Any] = {}
            if attachments:
                meta["attachments"] = attachments
            if message.get("quick_reply"):
                meta["quickReply"] = message["quick_reply"]
            role = Role.USER
            if echo:
                role = Role.BOT if message.get("app_id") else Role.AGENT
            return EventInput(
                event_id=str(message.get("mid") or f"{sender}:{item.get('timestamp')}"),
                channel=self.channel,
                external_user_id=person,
                thread_id=f"{page}:{person}",
                role=role,
                text=text,
                occurred_at=at,
                metadata=meta or None,
            )
        if postback := item.get("postback"):
            return EventInput(
                event_id=str(postback.get("mid") or f"postback:{sender}:{item.get('timestamp')}"),
                channel=self.channel,
                external_user_id=sender,
                thread_id=f"{recipient}:{sender}",
                text=str(postback.get("title") or postback.get("payload") or "[postback]"),
                occurred_at=at,
                metadata={"postback": postback},
            )
        return None  # delivery, read, reaction...: acknowledged, not stored
