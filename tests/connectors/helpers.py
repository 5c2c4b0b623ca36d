"""Building signed platform requests for connector tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from connectors._signatures import hmac_hex
from connectors.base import WebhookRequest

PAYLOADS = Path(__file__).resolve().parents[3] / "shared" / "payloads"

needs_payloads = pytest.mark.skipif(
    not PAYLOADS.is_dir(), reason="public sample payloads (../shared/payloads) not present"
)


def sample(name: str) -> bytes:
    return (PAYLOADS / name).read_bytes()


def request(
    body: bytes | dict[str, Any],
    headers: dict[str, str] | None = None,
    *,
    method: str = "POST",
    url: str = "https://hooks.example.com/webhooks/x",
    query: dict[str, str] | None = None,
) -> WebhookRequest:
    raw = json.dumps(body).encode() if isinstance(body, dict) else body
    return WebhookRequest(
        method, url, {k.lower(): v for k, v in (headers or {}).items()}, query or {}, raw
    )


def hub_signed(body: bytes | dict[str, Any], secret: str, header: str) -> WebhookRequest:
    raw = json.dumps(body).encode() if isinstance(body, dict) else body
    return request(raw, {header: "sha256=" + hmac_hex(secret, raw)})
