"""Replies out through each platform's documented API (the outbox worker calls `Senders.send`).

- whatsapp: `POST {base}/{phone_number_id}/messages` (Cloud API), `Authorization: Bearer`, a
  JSON text message to the user's `wa_id`;
- messenger: `POST {base}/me/messages` (Send API), `Authorization: Bearer <page token>`,
  `messaging_type: RESPONSE` to the user's PSID;
- sms: `POST {base}/2010-04-01/Accounts/{sid}/Messages.json` (Twilio), basic auth, form
  `To`/`From`/`Body` (and `StatusCallback` when THREADLINE_PUBLIC_URL is set);
- slack: `POST {base}/chat.postMessage`, `Authorization: Bearer <bot token>`, in the thread;
- x: `POST {base}/2/dm_conversations/with/{user id}/messages` (X API v2 direct messages),
  `Authorization: Bearer <OAuth 2.0 user token>`, `{"text": …}`;
- email: SMTP (STARTTLS), `In-Reply-To`/`References` to the customer's last email, a `Re:`
  subject and a stable `Message-ID`;
- web, mobile: nothing to call — the reply reaches the widget/app through the live
  subscription (`sessionEvents`) when it is stored.

Timeouts, connection errors, 429 and 5xx are retryable; other refusals are permanent. Only email
(its `Message-ID`, which mail systems deduplicate by) and the live channels may be sent again
after an interrupted attempt: the others have no idempotency key, so such a reply is marked FAILED
rather than risk sending it twice.
"""

from __future__ import annotations

import asyncio
import smtplib
from collections.abc import Awaitable, Callable
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any
from urllib.parse import quote

import httpx

from graph.config import Settings
from graph.domain.outbox import OutboxItem, SendError

Send = Callable[[OutboxItem], Awaitable[str | None]]  # the platform's message id, if any
LIVE_CHANNELS = frozenset({"web", "mobile"})
# phone replies are not sent: Twilio asks for them at the call's next turn (api/webhooks.py)
IDEMPOTENT_CHANNELS = frozenset({"email"}) | LIVE_CHANNELS
TIMEOUT_SECONDS = 15.0


def _secret(value: Any) -> str | None:
    return value.get_secret_value() if value is not None else None


def _refusal(response: httpx.Response) -> SendError:
    retryable = response.status_code == 429 or response.status_code >= 500
    return SendError(
        f"{response.request.url.host} answered {response.status_code}: {response.text[:300]}",
        retryable=retryable,
    )


def platform_url(base: str, *segments: str) -> str:
    """`base` followed by `segments`, each percent-encoded as exactly one path segment (an id
    holding `/`, `?`, `#`, `%` or `..` cannot leave its place), and checked to stay under `base`
    — same scheme, host and port, below its path, no query or fragment — before anything is
    sent with the deployment's credentials."""
    if any(segment in ("", ".", "..") for segment in segments):
        raise SendError(f"refused to build a URL from the ids {segments!r}", retryable=False)
    root = httpx.URL(base.rstrip("/") + "/")
    url = root.join("/".join(quote(segment, safe="") for segment in segments))
    inside = (
        (url.scheme, url.host, url.port) == (root.scheme, root.host, root.port)
        and url.raw_path.startswith(root.raw_path)
        and not url.query
        and not url.fragment
    )
    if not inside:
        raise SendError(f"refused: {url} is not under {root}", retryable=False)
    return str(url)


def _thread_part(thread: str | None, index: int) -> str | None:
    parts = (thread or "").split(":")
    return parts[index] if len(parts) > abs(index) and parts[index] else None


class Senders:
    """One sender per channel, configured from the settings; `send` picks by the item's channel."""

    def __init__(self, settings: Settings, http: httpx.AsyncClient | None = None) -> None:
        self.settings = settings
        self.http = http or httpx.AsyncClient(timeout=TIMEOUT_SECONDS)
        self.by_channel: dict[str, Send] = {
            "whatsapp": self.whatsapp,
            "messenger": self.messenger,
            "sms": self.sms,
            "slack": self.slack,
            "email": self.email,
            "x": self.x,
        }

    async def close(self) -> None:
        await self.http.aclose()

    async def send(self, item: OutboxItem) -> str | None:
        if item.channel in LIVE_CHANNELS:
            return None  # published to the live subscription when the message was stored
        sender = self.by_channel.get(item.channel)
        if sender is None:
            raise SendError(f"replies cannot be sent on {item.channel!r}", retryable=False)
        try:
            return await sender(item)
        except httpx.TimeoutException as error:
            raise SendError(f"timed out: {error}", retryable=True) from None
        except httpx.TransportError as error:
            raise SendError(f"could not connect: {error}", retryable=True) from None

    def _need(self, value: str | None, setting: str) -> str:
        if not value:
            raise SendError(f"not configured: THREADLINE_{setting.upper()}", retryable=False)
        return value

    async def _post_json(self, url: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.http.post(
            url, json=body, headers={"Authorization": f"Bearer {token}"}
        )
        if response.is_error:
            raise _refusal(response)
        data: dict[str, Any] = response.json()
        return data

    async def whatsapp(self, item: OutboxItem) -> str | None:
        token = self._need(_secret(self.settings.whatsapp_access_token), "whatsapp_access_token")
        number = _thread_part(item.thread, 0) if ":" in (item.thread or "") else None
        number = self._need(
            number or self.settings.whatsapp_phone_number_id, "whatsapp_phone_number_id"
        )
        data = await self._post_json(
            platform_url(self.settings.whatsapp_api_base, number, "messages"),
            token,
            {
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": item.recipient,
                "type": "text",
                "text": {"preview_url": False, "body": item.text},
            },
        )
        messages = data.get("messages") or [{}]
        sent: str | None = messages[0].get("id")
        return sent

    async def messenger(self, item: OutboxItem) -> str | None:
        token = self._need(_secret(self.settings.messenger_page_token), "messenger_page_token")
        data = await self._post_json(
            platform_url(self.settings.messenger_api_base, "me", "messages"),
            token,
            {
                "recipient": {"id": item.recipient},
                "messaging_type": "RESPONSE",
                "message": {"text": item.text},
            },
        )
        sent: str | None = data.get("message_id")
        return sent

    async def sms(self, item: OutboxItem) -> str | None:
        sid = self._need(self.settings.twilio_account_sid, "twilio_account_sid")
        token = self._need(_secret(self.settings.twilio_auth_token), "twilio_auth_token")
        sender = _thread_part(item.thread, 0) if ":" in (item.thread or "") else None
        sender = self._need(sender or self.settings.twilio_from_number, "twilio_from_number")
        form = {"To": item.recipient, "From": sender, "Body": item.text}
        if self.settings.public_url:
            form["StatusCallback"] = f"{self.settings.public_url.rstrip('/')}/webhooks/sms"
        response = await self.http.post(
            platform_url(
                self.settings.twilio_api_base, "2010-04-01", "Accounts", sid, "Messages.json"
            ),
            data=form,
            auth=(sid, token),
        )
        if response.is_error:
            raise _refusal(response)
        sent: str | None = response.json().get("sid")
        return sent

    async def slack(self, item: OutboxItem) -> str | None:
        token = self._need(_secret(self.settings.slack_bot_token), "slack_bot_token")
        parts = (item.thread or "").split(":")
        channel = parts[1] if len(parts) > 1 else None
        if channel is None:
            raise SendError("no Slack channel to reply in", retryable=False)
        body: dict[str, Any] = {"channel": channel, "text": item.text}
        if len(parts) > 2 and parts[2]:
            body["thread_ts"] = ":".join(parts[2:])
        data = await self._post_json(
            platform_url(self.settings.slack_api_base, "chat.postMessage"), token, body
        )
        if not data.get("ok"):
            error = str(data.get("error") or "unknown error")
            raise SendError(f"Slack refused: {error}", retryable=error == "ratelimited")
        sent: str | None = data.get("ts")
        return sent

    async def x(self, item: OutboxItem) -> str | None:
        token = self._need(_secret(self.settings.x_access_token), "x_access_token")
        data = await self._post_json(
            platform_url(
                self.settings.x_api_base,
                "2",
                "dm_conversations",
                "with",
                item.recipient,
                "messages",
            ),
            token,
            {"text": item.text},
        )
        sent: str | None = (data.get("data") or {}).get("dm_event_id")
        return sent

    async def email(self, item: OutboxItem) -> str | None:
        host = self._need(self.settings.smtp_host, "smtp_host")
        sender = self._need(self.settings.smtp_from, "smtp_from")
        message = reply_email(item, sender)
        await asyncio.to_thread(self._smtp_send, host, message)
        return str(message["Message-ID"])

    def _smtp_send(self, host: str, message: EmailMessage) -> None:
        try:
            with smtplib.SMTP(host, self.settings.smtp_port, timeout=TIMEOUT_SECONDS) as smtp:
                if self.settings.smtp_starttls:
                    smtp.starttls()
                password = _secret(self.settings.smtp_password)
                if self.settings.smtp_username and password:
                    smtp.login(self.settings.smtp_username, password)
                smtp.send_message(message)
        except smtplib.SMTPResponseException as error:
            retryable = 400 <= error.smtp_code < 500  # 4xx: try later; 5xx: refused for good
            raise SendError(
                f"SMTP {error.smtp_code}: {error.smtp_error!r}", retryable=retryable
            ) from None
        except (OSError, smtplib.SMTPException) as error:
            raise SendError(f"SMTP: {error}", retryable=True) from None


def reply_email(item: OutboxItem, sender: str) -> EmailMessage:
    """The reply as an email in the customer's thread: `In-Reply-To` their last message,
    `References` the thread's root and it, `Re:` their subject; quoting nothing. Its
    `Message-ID` is the outbox item's, so a second attempt is recognisably the same email."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = item.recipient
    subject = str(item.reply_to.get("subject") or "").strip()
    if not subject.lower().startswith("re:"):
        subject = f"Re: {subject}" if subject else "Re: your message"
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    domain = sender.rsplit("@", 1)[-1]
    message["Message-ID"] = f"<{item.id}@{domain}>"
    last = item.reply_to.get("messageId")
    if last:
        message["In-Reply-To"] = last
        root = item.reply_to.get("root")
        message["References"] = " ".join(dict.fromkeys(r for r in (root, last) if r))
    message.set_content(item.text)
    return message
