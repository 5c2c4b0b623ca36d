"""X direct messages (Account Activity API): the CRC answer, the body signature, DMs in, our
own messages and other activity ignored, malformed payloads a 400."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest
from pydantic import SecretStr

from connectors.platforms.base import WebhookError
from connectors.platforms.x import XConnector
from tests.helpers.payloads import request

SECRET = "x-consumer-secret"
x = XConnector(SecretStr(SECRET))
OURS, THEM = "1000000001", "2000000002"


def reference(secret: str, payload: bytes) -> str:
    """X's documented scheme, written out: base64 of the HMAC-SHA256 digest, `sha256=` first."""
    return (
        "sha256="
        + base64.b64encode(hmac.new(secret.encode(), payload, hashlib.sha256).digest()).decode()
    )


def activity(*events: dict[str, Any]) -> dict[str, Any]:
    return {
        "for_user_id": OURS,
        "direct_message_events": list(events),
        "users": {THEM: {"id": THEM, "screen_name": "jane_doe"}},
    }


def dm(event_id: str, sender: str, text: str) -> dict[str, Any]:
    return {
        "type": "message_create",
        "id": event_id,
        "created_timestamp": "1795593600000",
        "message_create": {
            "target": {"recipient_id": OURS if sender == THEM else THEM},
            "sender_id": sender,
            "message_data": {"text": text, "entities": {}},
        },
    }


def signed(body: dict[str, Any]) -> Any:
    raw = json.dumps(body).encode()
    return request(raw, {"x-twitter-webhooks-signature": reference(SECRET, raw)})


def test_the_crc_challenge_is_answered_with_the_keyed_hash() -> None:
    crc = request(b"", method="GET", query={"crc_token": "challenge-123"})
    reply = x.handshake(crc)
    assert reply is not None
    assert json.loads(reply.body) == {"response_token": reference(SECRET, b"challenge-123")}
    with pytest.raises(WebhookError) as missing:
        x.handshake(request(b"", method="GET"))
    assert missing.value.status == 400


def test_a_signed_dm_becomes_a_message() -> None:
    incoming = signed(activity(dm("dm-1", THEM, "Where is my order A-1001?")))
    x.verify(incoming)
    [event] = x.parse(incoming)
    assert (event.event_id, event.channel, event.external_user_id) == ("dm-1", "x", THEM)
    assert event.thread_id == f"{OURS}:{THEM}"
    assert event.text == "Where is my order A-1001?"
    assert event.metadata == {"screenName": "jane_doe"}
    assert event.occurred_at is not None
    assert event.occurred_at.year == 2026


def test_our_own_messages_and_other_activity_are_not_stored() -> None:
    body = activity(dm("dm-2", OURS, "a reply we sent"), {"type": "typing", "id": "t1"})
    body["favorite_events"] = [{"id": "f1"}]
    assert x.parse(signed(body)) == []


def test_a_bad_signature_is_refused() -> None:
    raw = json.dumps(activity(dm("dm-3", THEM, "hi"))).encode()
    forged = request(raw, {"x-twitter-webhooks-signature": reference("other", raw)})
    with pytest.raises(WebhookError) as refused:
        x.verify(forged)
    assert refused.value.status in {401, 403}
    with pytest.raises(WebhookError):
        x.verify(request(raw))


def test_a_dm_without_a_sender_is_a_400() -> None:
    broken = dm("dm-4", THEM, "hi")
    broken["message_create"]["sender_id"] = None
    with pytest.raises(WebhookError) as caught:
        x.parse(signed(activity(broken)))
    assert caught.value.status == 400
