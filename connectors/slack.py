"""`slack`: the Slack Events API. `url_verification` is answered with its challenge; message
events (`event_callback` with `event.type == "message"`) become messages. Requests are signed:
`X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:{timestamp}:{body}">`, and a timestamp more than
5 minutes off is refused (replay protection).

The envelope's `event_id` is the event id (Slack retries reuse it), `user` the identity, and
`team:channel[:thread_ts]` the thread. Bot messages are BOT; edits, deletions and other event
types are acknowledged without being stored.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

from connectors._common import from_epoch, need, secret, signing_secret
from connectors._signatures import hmac_hex, require_equal
from connectors.base import OK, Stored, WebhookError, WebhookReply, WebhookRequest
from graph.events import EventInput, Role

REPLAY_WINDOW_SECONDS = 300
IGNORED_SUBTYPES = {"message_changed", "message_deleted", "channel_join", "channel_leave"}


@dataclass
class SlackConnector:
    signing_secret: SecretStr | None
    insecure: bool = False
    channel: str = "slack"
    clock: Any = field(default=time.time)

    @property
    def enabled(self) -> bool:
        return self.insecure or secret(self.signing_secret) is not None

    def verify(self, request: WebhookRequest) -> None:
        key = signing_secret(self.signing_secret, self.insecure)
        if key is None:
            return
        stamp = request.headers.get("x-slack-request-timestamp", "")
        if not stamp.isdigit():
            raise WebhookError(401, "missing request timestamp")
        if abs(self.clock() - int(stamp)) > REPLAY_WINDOW_SECONDS:
            raise WebhookError(401, "request timestamp outside the 5-minute window")
        expected = "v0=" + hmac_hex(key, b"v0:" + stamp.encode() + b":" + request.body)
        require_equal(request.headers.get("x-slack-signature"), expected, "signature")

    def handshake(self, request: WebhookRequest) -> WebhookReply | None:
        if request.method != "POST":
            return None
        data = request.json_object()
        if data.get("type") != "url_verification":
            return None
        self.verify(request)  # Slack signs the verification request too
        return WebhookReply.json({"challenge": data.get("challenge", "")})

    def parse(self, request: WebhookRequest) -> list[EventInput]:
        data = request.json_object()
        if data.get("type") != "event_callback":
            return []  # app_rate_limited and other envelope types: acknowledged
        event: dict[str, Any] = data.get("event") or {}
        if event.get("type") != "message" or event.get("subtype") in IGNORED_SUBTYPES:
            return []
        is_bot = bool(event.get("bot_id")) or event.get("subtype") == "bot_message"
        user = event.get("user") or event.get("bot_id")
        if not user:
            raise WebhookError(400, "event.user is missing")
        channel_id = need(event, "channel", "event")
        team = data.get("team_id") or event.get("team") or "team"
        thread = f"{team}:{channel_id}"
        if event.get("thread_ts"):
            thread += f":{event['thread_ts']}"
        files = [
            {"name": f.get("name"), "type": f.get("mimetype")} for f in event.get("files") or []
        ]
        return [
            EventInput(
                event_id=str(data.get("event_id") or f"{channel_id}:{need(event, 'ts', 'event')}"),
                channel=self.channel,
                external_user_id=str(user),
                thread_id=thread,
                role=Role.BOT if is_bot else Role.USER,
                text=event.get("text") or ("[file]" if files else None),
                occurred_at=from_epoch(event.get("ts")),
                metadata={"files": files} if files else None,
            )
        ]

    def reply(self, request: WebhookRequest, stored: list[Stored]) -> WebhookReply:
        return OK
