"""`whatsapp`: WhatsApp Cloud API webhooks (`object: whatsapp_business_account`).

Each `entry[].changes[].value` carries `messages` (what users send), `contacts` (their profile
names) and `statuses` (delivery receipts of our own messages: acknowledged, not messages).
The WhatsApp message id (`wamid…`) is the event id, so Meta's retries are deduplicated; the
sender's `wa_id` is the identity; the business number + `wa_id` is the thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field

from connectors.platforms._common import from_epoch
from connectors.platforms._meta import MetaWebhook
from connectors.platforms._payload import NullAsEmpty, Payload, PlatformId, validated
from connectors.platforms.base import WebhookError, WebhookRequest
from graph.domain.events import EventInput
from graph.domain.outbox import DeliveryStatus, DeliveryUpdate

MEDIA = {"image", "video", "audio", "document", "sticker"}
WHATSAPP_STATUSES = {
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.READ,
    "failed": DeliveryStatus.FAILED,
}


Extracted = tuple[str | None, dict[str, Any]]  # (text or None for a non-message, metadata)


class ContactCard(Payload):
    name: dict[str, Any] | None = None


class Message(Payload):
    sender: PlatformId = Field(alias="from")
    id: PlatformId
    timestamp: PlatformId | None = None
    type: str = "unknown"
    context: dict[str, Any] | None = None
    contacts: Annotated[list[ContactCard], NullAsEmpty] = []


class Contact(Payload):
    wa_id: PlatformId | None = None
    profile: dict[str, Any] | None = None


class Value(Payload):
    metadata: dict[str, Any] | None = None
    contacts: Annotated[list[Contact], NullAsEmpty] = []
    messages: Annotated[list[Message], NullAsEmpty] = []
    statuses: Annotated[list[dict[str, Any]], NullAsEmpty] = []


class Change(Payload):
    value: Value | None = None


class Entry(Payload):
    changes: Annotated[list[Change], NullAsEmpty] = []


class Notification(Payload):
    """The webhook body (Cloud API `whatsapp_business_account` notification)."""

    object: str
    entry: Annotated[list[Entry], NullAsEmpty] = []


def _text(body: dict[str, Any], message: dict[str, Any]) -> Extracted:
    return str(body.get("body", "")), {}


def _button(body: dict[str, Any], message: dict[str, Any]) -> Extracted:  # template quick-reply
    return str(body.get("text", "")), {"payload": body.get("payload")}


def _interactive(body: dict[str, Any], message: dict[str, Any]) -> Extracted:
    reply = body.get(body.get("type", ""), {}) if body else {}
    if not reply:
        return None, {"unsupported": True}
    fields = {k: reply[k] for k in ("id", "title", "description") if k in reply}
    return str(reply.get("title", "")), {"reply": fields}


def _media(body: dict[str, Any], message: dict[str, Any]) -> Extracted:
    kind = message.get("type", "media")  # a reference to the media, never its bytes
    keys = ("id", "mime_type", "sha256", "filename", "voice", "animated")
    reference = {k: body[k] for k in keys if k in body}
    return str(body.get("caption") or f"[{kind}]"), {"media": reference}


def _location(body: dict[str, Any], message: dict[str, Any]) -> Extracted:
    label = ", ".join(str(body[k]) for k in ("name", "address") if body.get(k))
    return f"[location] {label}".strip(), {"location": body}


def _contacts(body: dict[str, Any], message: dict[str, Any]) -> Extracted:
    contacts = message.get("contacts") or []
    names = [str((c.get("name") or {}).get("formatted_name") or "") for c in contacts]
    return "[contacts] " + ", ".join(n for n in names if n), {"contacts": contacts}


HANDLERS = {
    "text": _text,
    "button": _button,
    "interactive": _interactive,
    "location": _location,
    "contacts": _contacts,
    **dict.fromkeys(MEDIA, _media),
}


def _text_and_metadata(message: dict[str, Any]) -> Extracted:
    """What the user said, and what else to keep. Reactions, deletions (`revoke`), edits and
    system notices are session metadata, not messages."""
    kind = message.get("type", "unknown")
    meta: dict[str, Any] = {"type": kind}
    if context := message.get("context"):
        meta["context"] = {k: context[k] for k in ("id", "from", "forwarded") if k in context}
    raw = message.get(kind)
    body: dict[str, Any] = raw if isinstance(raw, dict) else {}
    handler = HANDLERS.get(kind)
    if handler is None:
        return None, meta | ({kind: body} if body else {})
    text, extra = handler(body, message)
    return text, meta | extra


@dataclass
class WhatsAppConnector(MetaWebhook):
    channel: str = "whatsapp"

    def parse(self, request: WebhookRequest) -> list[EventInput]:
        notification = validated(Notification, request.json_object())
        if notification.object != "whatsapp_business_account":
            raise WebhookError(400, "object must be whatsapp_business_account")
        events: list[EventInput] = []
        for entry in notification.entry:
            for change in entry.changes:
                events += self._change(change.value or Value())
        return events

    def delivery_updates(self, request: WebhookRequest) -> list[DeliveryUpdate]:
        """The `statuses` entries: sent, delivered, read or failed, of messages we sent."""
        notification = validated(Notification, request.json_object())
        updates = []
        for entry in notification.entry:
            for change in entry.changes:
                for report in (change.value or Value()).statuses:
                    status = WHATSAPP_STATUSES.get(str(report.get("status", "")).lower())
                    if status is None or not report.get("id"):
                        continue
                    errors = report.get("errors") or []
                    error = errors[0] if errors and isinstance(errors[0], dict) else {}
                    updates.append(
                        DeliveryUpdate(
                            str(report["id"]),
                            status,
                            from_epoch(report.get("timestamp")),
                            f"{error.get('code')}: {error.get('title')}" if error else None,
                        )
                    )
        return updates

    def _change(self, value: Value) -> list[EventInput]:
        business = str((value.metadata or {}).get("phone_number_id") or "")
        names = {c.wa_id: (c.profile or {}).get("name") for c in value.contacts}
        events = []
        for message in value.messages:
            if not message.sender or not message.id:
                raise WebhookError(400, "message.from and message.id are required")
            text, meta = _text_and_metadata(message.model_dump(by_alias=True))
            if isinstance(name := names.get(message.sender), str) and name:
                meta["profileName"] = name
            events.append(
                EventInput(
                    event_id=message.id,
                    channel=self.channel,
                    external_user_id=message.sender,
                    thread_id=f"{business}:{message.sender}" if business else message.sender,
                    text=text,
                    occurred_at=from_epoch(message.timestamp),
                    metadata=meta,
                )
            )
        return events  # `statuses` are delivery reports (delivery_updates), not messages
