"""Signature checks shared by the connectors; all comparisons are constant-time."""

from __future__ import annotations

import base64
import hashlib
import hmac

from connectors.platforms.base import WebhookError


def hmac_hex(secret: str, payload: bytes, digest: str = "sha256") -> str:
    return hmac.new(secret.encode(), payload, digest).hexdigest()


def require_equal(given: str | None, expected: str, what: str) -> None:
    if not given:
        raise WebhookError(401, f"missing {what}")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise WebhookError(401, f"bad {what}")


def check_hub_signature(secret: str, header: str | None, body: bytes) -> None:
    """Meta's `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>` (WhatsApp,
    Messenger, and our own web/mobile protocol)."""
    require_equal(header, "sha256=" + hmac_hex(secret, body), "signature")


def twilio_signature(auth_token: str, url: str, params: dict[str, str]) -> str:
    """Twilio's scheme: base64 HMAC-SHA1 over the URL followed by each POST parameter's name and
    value, sorted by name."""
    payload = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    mac = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()
