"""What WhatsApp Cloud API and Messenger webhooks share: the `hub.challenge` subscription
handshake and `X-Hub-Signature-256` over the raw body with the app secret."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import SecretStr

from connectors.platforms._common import secret, signing_secret
from connectors.platforms._signatures import check_hub_signature, require_equal
from connectors.platforms.base import (
    OK,
    ConnectorDefaults,
    Stored,
    WebhookError,
    WebhookReply,
    WebhookRequest,
)


@dataclass
class MetaWebhook(ConnectorDefaults):
    app_secret: SecretStr | None
    verify_token: SecretStr | None
    insecure: bool = False

    @property
    def enabled(self) -> bool:
        return self.insecure or secret(self.app_secret) is not None

    def handshake(self, request: WebhookRequest) -> WebhookReply | None:
        if request.method != "GET":
            return None
        if request.query.get("hub.mode") != "subscribe":
            raise WebhookError(400, "expected hub.mode=subscribe")
        token = secret(self.verify_token)
        if token is None:
            raise WebhookError(403, "no verify token configured")
        require_equal(request.query.get("hub.verify_token"), token, "verify token")
        return WebhookReply.text(request.query.get("hub.challenge", ""))

    def verify(self, request: WebhookRequest) -> None:
        key = signing_secret(self.app_secret, self.insecure)
        if key is None:
            return
        check_hub_signature(key, request.headers.get("x-hub-signature-256"), request.body)

    def reply(
        self, request: WebhookRequest, stored: list[Stored], replies: Sequence[str] = ()
    ) -> WebhookReply:
        return OK
