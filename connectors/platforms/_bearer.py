"""Webhooks authenticated by a shared bearer token (inbound email, Dialogflow)."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import SecretStr

from connectors.platforms._common import secret, signing_secret
from connectors.platforms._signatures import require_equal
from connectors.platforms.base import ConnectorDefaults, WebhookReply, WebhookRequest


@dataclass
class BearerTokenWebhook(ConnectorDefaults):
    token: SecretStr | None
    insecure: bool = False

    @property
    def enabled(self) -> bool:
        return self.insecure or secret(self.token) is not None

    def handshake(self, request: WebhookRequest) -> WebhookReply | None:
        return None

    def verify(self, request: WebhookRequest) -> None:
        """`Authorization: Bearer <token>`, compared in constant time."""
        token = signing_secret(self.token, self.insecure)
        if token is None:
            return
        given = request.headers.get("authorization", "")
        bearer = given.removeprefix("Bearer ") if given.startswith("Bearer ") else None
        require_equal(bearer, token, "bearer token")
