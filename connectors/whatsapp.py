"""`whatsapp`: WhatsApp Cloud API webhooks (`object: whatsapp_business_account`).

Each `entry[].changes[].value` carries `messages` (what users send), `contacts` (their profile
names) and `statuses` (delivery receipts of our own messages: acknowledged, not messages).
The WhatsApp message id (`wamid…`) is the event id, so Meta's retries are deduplicated; the
sender's `wa_id` is the identity; the business number + `wa_id` is the thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connectors._common import from_epoch, need
from connectors._meta import MetaWebhook
from connectors.base import WebhookError, WebhookRequest
from graph.events import EventInput

MEDIA = {"image", "video", "audio", "document", "sticker"}


Extracted = tuple[str | None, dict[str, Any]]  # (text or None for a non-message, metadata)


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
    contacts = message.get("contacts", [])
    names = [c.get("name", {}).get("formatted_name", "") for c in contacts]
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
        data = request.json_object()
        if data.get("object") != "whatsapp_business_account":
            raise WebhookError(400, "object must be whatsapp_business_account")
        events: list[EventInput] = []
        for entry in data.get("entry") or []:
            for change in entry.get("changes") or []:
                events += self._change(change.get("value") or {})
        return events

    def _change(self, value: dict[str, Any]) -> list[EventInput]:
        business = (value.get("metadata") or {}).get("phone_number_id", "")
        names = {
            c.get("wa_id"): (c.get("profile") or {}).get("name")
            for c in value.get("contacts") or []
        }
        events = []
        for message in value.get("messages") or []:
            sender = str(need(message, "from", "message"))
            text, meta = _text_and_metadata(message)
            if names.get(sender):
                meta["profileName"] = names[sender]
            events.append(
                EventInput(
                    event_id=str(need(message, "id", "message")),
                    channel=self.channel,
                    external_user_id=sender,
                    thread_id=f"{business}:{sender}" if business else sender,
                    text=text,
                    occurred_at=from_epoch(message.get("timestamp")),
                    metadata=meta,
                )
            )
        return events  # `statuses` and `errors` are acknowledged, not stored
