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
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import SecretStr

from connectors.platforms._common import from_epoch, secret, signing_secret
from connectors.platforms._payload import NullAsEmpty, Payload, PlatformId, validated
from connectors.platforms._signatures import hmac_hex, require_equal
from connectors.platforms.base import (
    OK,
    ConnectorDefaults,
    Stored,
    WebhookError,
    WebhookReply,
    WebhookRequest,
)
from graph.domain.events import EventInput, Speaker

REPLAY_WINDOW_SECONDS = 300
IGNORED_SUBTYPES = {"message_changed", "message_deleted", "channel_join", "channel_leave"}


class SlackFile(Payload):
    name: str | None = None
    mimetype: str | None = None


class SlackEvent(Payload):
    type: str | None = None
    subtype: str | None = None
    user: PlatformId | None = None
    bot_id: PlatformId | None = None
    channel: PlatformId | None = None
    team: PlatformId | None = None
    text: str | None = None
    ts: PlatformId | None = None
    thread_ts: PlatformId | None = None
    files: Annotated[list[SlackFile], NullAsEmpty] = []


class Envelope(Payload):
    """An Events API request (`event_callback`, `url_verification`, ...)."""

    type: str | None = None
    event_id: PlatformId | None = None
    team_id: PlatformId | None = None
    challenge: str | None = None
    event: SlackEvent | None = None


@dataclass
class SlackConnector(ConnectorDefaults):
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
        envelope = validated(Envelope, request.json_object())
        if envelope.type != "url_verification":
            return None
        self.verify(request)  # Slack signs the verification request too
        return WebhookReply.json({"challenge": envelope.challenge or ""})

    def parse(self, request: WebhookRequest) -> list[EventInput]:
        envelope = validated(Envelope, request.json_object())
        if envelope.type != "event_callback":
            return []  # app_rate_limited and other envelope types: acknowledged
        event = envelope.event or SlackEvent()
        if event.type != "message" or event.subtype in IGNORED_SUBTYPES:
            return []
        is_bot = bool(event.bot_id) or event.subtype == "bot_message"
        user = event.user or event.bot_id
        if not user:
            raise WebhookError(400, "event.user is missing")
        if not event.channel:
            raise WebhookError(400, "event.channel is missing")
        team = envelope.team_id or event.team or "team"
        thread = f"{team}:{event.channel}"
        if event.thread_ts:
            thread += f":{event.thread_ts}"
        files = [{"name": f.name, "type": f.mimetype} for f in event.files]
        if not envelope.event_id and not event.ts:
            raise WebhookError(400, "event.ts is missing")
        return [
            EventInput(
                event_id=envelope.event_id or f"{event.channel}:{event.ts}",
                channel=self.channel,
                external_user_id=user,
                thread_id=thread,
                role=Speaker.BOT if is_bot else Speaker.USER,
                text=event.text or ("[file]" if files else None),
                occurred_at=from_epoch(event.ts),
                metadata={"files": files} if files else None,
            )
        ]

    def reply(
        self, request: WebhookRequest, stored: list[Stored], replies: Sequence[str] = ()
    ) -> WebhookReply:
        return OK
