"""`email`: raw RFC 5322 messages — `POST /webhooks/email` with `Content-Type: message/rfc822` and
`Authorization: Bearer $THREADLINE_EMAIL_TOKEN` (what inbound-mail services can forward), or
`threadline ingest-email FILE|-` for a file or an mbox.

`Message-ID` is the event id; the sender's address (lowercased) the identity; the thread root —
the first `References` entry, else `In-Reply-To`, else the message's own id — the thread, so a
reply continues its conversation. The plain-text body is chosen from multipart (HTML converted
when it is the only body), quoted replies and signatures are stripped, headers and charsets are
decoded, and attachments are recorded by name, type and size only.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

from mailparser_reply import EmailReplyParser

from connectors.platforms._bearer import BearerTokenWebhook
from connectors.platforms.base import OK, Stored, WebhookError, WebhookReply, WebhookRequest
from graph.domain.events import EventInput

MESSAGE_ID = re.compile(r"<[^<>\s]+>")
SIGNATURE = re.compile(r"^(-- ?|__+|Sent from my \w+.*)$")
TAGS = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.IGNORECASE | re.DOTALL)
# quote headers ("On … wrote:", "Am … schrieb:", Outlook's "-----Original Message-----" …) in
# the languages mail-parser-reply knows; English first
REPLY_LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "pl", "sv", "da", "ja", "zh", "ko"]
REPLIES = EmailReplyParser(languages=REPLY_LANGUAGES)


def _ids(value: str | None) -> list[str]:
    return MESSAGE_ID.findall(value or "")


def strip_reply(text: str) -> str:
    """The new part of a reply: the quoted thread goes (mail-parser-reply finds the quote
    header in a dozen languages), then the signature and any remaining `>` lines."""
    new_part = REPLIES.parse_reply(text=text.replace("\r\n", "\n"))
    kept: list[str] = []
    for line in new_part.split("\n"):
        if SIGNATURE.match(line.rstrip()):
            break
        if not line.strip().startswith(">"):
            kept.append(line.rstrip())
    return "\n".join(kept).strip()


def html_to_text(markup: str) -> str:
    text = re.sub(r"<br\s*/?>|</p>|</div>", "\n", markup, flags=re.IGNORECASE)
    return html.unescape(TAGS.sub("", text))


def _body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeDecodeError):  # an unknown or lying charset
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if part.get_content_type() == "text/html":
        content = html_to_text(str(content))
    return str(content)


def _attachments(message: EmailMessage) -> list[dict[str, Any]]:
    found = []
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True)
        found.append(
            {
                "name": part.get_filename(),
                "type": part.get_content_type(),
                "size": len(payload) if isinstance(payload, bytes) else 0,
            }
        )
    return found


def parse_email(raw: bytes, channel: str = "email") -> EventInput:
    """One RFC 5322 message as an event."""
    message = message_from_bytes(raw, policy=policy.default)
    if not isinstance(message, EmailMessage) or not message.keys():
        raise WebhookError(400, "not an RFC 5322 message")
    senders = getaddresses([str(message.get("From", ""))])
    address = senders[0][1].strip().lower() if senders else ""
    if "@" not in address:
        raise WebhookError(400, "From has no address")
    own = _ids(str(message.get("Message-ID", "")))
    # no Message-ID: a stable id from the bytes, so a resent copy is still deduplicated
    message_id = own[0] if own else f"<sha256-{hashlib.sha256(raw).hexdigest()[:32]}@threadline>"
    root = (
        _ids(str(message.get("References", "")))
        or _ids(str(message.get("In-Reply-To", "")))
        or [message_id]
    )[0]
    try:
        at = parsedate_to_datetime(str(message["Date"])) if message.get("Date") else None
    except (TypeError, ValueError):
        at = None
    if at is not None and at.tzinfo is None:
        at = None  # an offset-less Date is ambiguous: use the time of receipt
    body = strip_reply(_body(message))  # a long new part is cut by the webhook's text policy
    attachments = _attachments(message)
    subject = str(message.get("Subject", "")).strip()
    meta: dict[str, Any] = {"subject": subject, "messageId": message_id}
    if attachments:
        meta["attachments"] = attachments
    if senders and senders[0][0]:
        meta["fromName"] = senders[0][0]
    text = body or subject or ("[attachment]" if attachments else "")
    return EventInput(
        event_id=message_id,
        channel=channel,
        external_user_id=address,
        thread_id=root,
        text=text or None,
        occurred_at=at,
        metadata=meta,
    )


@dataclass
class EmailConnector(BearerTokenWebhook):
    channel: str = "email"

    def parse(self, request: WebhookRequest) -> list[EventInput]:
        if request.headers.get("content-type", "").split(";")[0].strip() != "message/rfc822":
            raise WebhookError(415, "expected Content-Type: message/rfc822")
        return [parse_email(request.body, self.channel)]

    def reply(
        self, request: WebhookRequest, stored: list[Stored], replies: Sequence[str] = ()
    ) -> WebhookReply:
        return OK


MBOX_SEPARATOR = re.compile(
    rb"^From \S+ +(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \w{3} +\d{1,2} \d\d:\d\d(?::\d\d)? \d{4}"
)


def split_messages(raw: bytes) -> list[bytes]:
    """One message, or every message of an mbox (a file whose first line starts with `From `).
    Only a full `From <sender> <asctime date>` line separates messages, so an unescaped `From`
    sentence in a body stays text; `>From ` escapes are undone."""
    if not raw.startswith(b"From "):
        return [raw]
    messages: list[bytes] = []
    current: list[bytes] = []
    for line in raw.splitlines(keepends=True):
        if MBOX_SEPARATOR.match(line) and (not current or current[-1].strip() == b""):
            if current:
                messages.append(b"".join(current))
            current = []
            continue
        current.append(line[1:] if line.startswith(b">From ") else line)
    if current:
        messages.append(b"".join(current))
    return [m for m in messages if m.strip()]
