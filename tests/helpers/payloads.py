"""Building signed platform requests for connector tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from connectors.platforms._signatures import hmac_hex
from connectors.platforms.base import WebhookRequest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"  # ours, in the repository
PAYLOADS = Path(__file__).resolve().parents[3] / "shared" / "payloads"  # public, when present


def fixture(name: str) -> bytes:
    """A payload of tests/fixtures (written from the platforms' documented formats)."""
    return (FIXTURES / name).read_bytes()


def payload_files(channel: str, pattern: str = "*.json") -> list[Path]:
    """Our fixtures of a channel, plus the public samples of ../shared/payloads when present."""
    found = sorted((FIXTURES / channel).glob(pattern))
    if PAYLOADS.is_dir():
        found += sorted((PAYLOADS / channel).glob(pattern))
    return found


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


def whatsapp_body(uid: str, wamid: str, text: str, phone: str) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "1",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "15550001111",
                                "phone_number_id": f"{int(uid, 16)}",
                            },
                            "contacts": [{"profile": {"name": "Jane"}, "wa_id": phone}],
                            "messages": [
                                {
                                    "from": phone,
                                    "id": wamid,
                                    "timestamp": "1795593600",
                                    "type": "text",
                                    "text": {"body": text},
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }
