"""WhatsApp Cloud API and Messenger: public sample payloads plus our own from the documented
formats; the X-Hub-Signature-256 check and the hub.challenge handshake."""

from __future__ import annotations

import json

import pytest
from pydantic import SecretStr

from connectors.platforms.base import WebhookError
from connectors.platforms.messenger import MessengerConnector
from connectors.platforms.whatsapp import WhatsAppConnector
from graph.domain.events import Speaker
from tests.helpers.payloads import fixture, hub_signed, request

SECRET = "app-secret"
whatsapp = WhatsAppConnector(SecretStr(SECRET), SecretStr("verify-me"))
messenger = MessengerConnector(SecretStr(SECRET), SecretStr("verify-me"))


@pytest.mark.parametrize(
    ("name", "text", "meta_key"),
    [
        ("message_text.json", "Hi, is order A-20417 on its way?", None),
        ("message_reply.json", "Yes, that one", "context"),
        ("message_image.json", "The box arrived crushed", "media"),
        ("message_document.json", "[document]", "media"),
        ("message_voice.json", "[audio]", "media"),
        ("message_video.json", "[video]", "media"),
        ("message_sticker.json", "[sticker]", "media"),
        ("message_location.json", "[location] Depot Nord, Lagerstr. 4, Berlin", "location"),
        ("message_contacts.json", "[contacts] Sam Okafor", "contacts"),
        ("message_button_reply.json", "Track my order", "reply"),
        ("message_quick_reply.json", "Reschedule delivery", "payload"),
        ("message_list_reply.json", "Tomorrow 9-12", "reply"),
    ],
)
def test_whatsapp_messages_become_message_events(
    name: str, text: str | None, meta_key: str | None
) -> None:
    raw = fixture(f"whatsapp/{name}")
    [event] = whatsapp.parse(hub_signed(raw, SECRET, "X-Hub-Signature-256"))
    payload = json.loads(raw)["entry"][0]["changes"][0]["value"]
    message = payload["messages"][0]
    assert event.event_id == message["id"]
    assert event.external_user_id == message["from"]
    assert event.thread_id == f"{payload['metadata']['phone_number_id']}:{message['from']}"
    assert event.text == text
    if meta_key is not None:
        assert event.metadata is not None
        assert meta_key in event.metadata
    assert event.metadata is not None
    assert event.metadata["profileName"] == "Rosa Diaz"
    assert event.occurred_at is not None


@pytest.mark.parametrize(
    "name", ["notice_reaction.json", "notice_unsupported.json", "notice_system.json"]
)
def test_whatsapp_reactions_unsupported_and_system_notices_are_not_messages(name: str) -> None:
    raw = fixture(f"whatsapp/{name}")
    [event] = whatsapp.parse(hub_signed(raw, SECRET, "X-Hub-Signature-256"))
    assert event.text is None
    assert event.metadata is not None
    assert (
        event.metadata["type"]
        == json.loads(raw)["entry"][0]["changes"][0]["value"]["messages"][0]["type"]
    )


@pytest.mark.parametrize("status", ["sent", "delivered", "read", "failed"])
def test_whatsapp_statuses_are_acknowledged_not_stored(status: str) -> None:
    raw = fixture(f"whatsapp/status_{status}.json")
    assert whatsapp.parse(hub_signed(raw, SECRET, "X-Hub-Signature-256")) == []


def test_whatsapp_signature_is_required_and_checked() -> None:
    body = {"object": "whatsapp_business_account", "entry": []}
    whatsapp.verify(hub_signed(body, SECRET, "X-Hub-Signature-256"))
    with pytest.raises(WebhookError) as missing:
        whatsapp.verify(request(body))
    assert missing.value.status == 401
    with pytest.raises(WebhookError):
        whatsapp.verify(hub_signed(body, "other-secret", "X-Hub-Signature-256"))
    tampered = hub_signed(body, SECRET, "X-Hub-Signature-256")
    with pytest.raises(WebhookError):
        whatsapp.verify(request(tampered.body + b" ", dict(tampered.headers)))


def test_meta_handshake_echoes_the_challenge_only_with_the_right_token() -> None:
    good = request(
        b"",
        method="GET",
        query={
            "hub.mode": "subscribe",
            "hub.verify_token": "verify-me",
            "hub.challenge": "1158201444",
        },
    )
    reply = whatsapp.handshake(good)
    assert reply is not None
    assert reply.body == b"1158201444"
    bad = request(
        b"",
        method="GET",
        query={"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1"},
    )
    with pytest.raises(WebhookError):
        messenger.handshake(bad)
    assert whatsapp.handshake(request(b"{}")) is None  # POSTs are not handshakes


def test_whatsapp_wrong_object_and_bad_json_are_400() -> None:
    with pytest.raises(WebhookError) as caught:
        whatsapp.parse(request({"object": "page"}))
    assert caught.value.status == 400
    with pytest.raises(WebhookError):
        whatsapp.parse(request(b"{not json"))


def test_messenger_text_message() -> None:
    [event] = messenger.parse(request(fixture("messenger/text_message.json")))
    assert (event.text, event.external_user_id, event.role) == (
        "Can I change my delivery address?",
        "600000000000001",
        Speaker.USER,
    )
    assert event.event_id == "m_TL-text-1"
    assert event.thread_id == "500000000000001:600000000000001"


def test_messenger_postback() -> None:
    [event] = messenger.parse(request(fixture("messenger/postback_get_started.json")))
    assert event.text == "Get Started"
    assert event.metadata is not None
    assert event.metadata["postback"]["payload"] == "GET_STARTED"


def _messaging(item: dict[str, object]) -> bytes:
    return json.dumps({"object": "page", "entry": [{"id": "PAGE", "messaging": [item]}]}).encode()


def test_messenger_echo_of_the_page_is_a_bot_message_in_the_persons_thread() -> None:
    raw = _messaging(
        {
            "sender": {"id": "PAGE"},
            "recipient": {"id": "PSID"},
            "timestamp": 1700000000000,
            "message": {
                "mid": "m_echo",
                "text": "Your order shipped",
                "is_echo": True,
                "app_id": 1234,
            },
        }
    )
    [event] = messenger.parse(request(raw))
    assert (event.role, event.external_user_id, event.thread_id) == (
        Speaker.BOT,
        "PSID",
        "PAGE:PSID",
    )


def test_messenger_echo_from_the_inbox_is_an_agent_message() -> None:
    raw = _messaging(
        {
            "sender": {"id": "PAGE"},
            "recipient": {"id": "PSID"},
            "timestamp": 1700000000000,
            "message": {"mid": "m_human", "text": "Hi, Sam here", "is_echo": True},
        }
    )
    assert messenger.parse(request(raw))[0].role == Speaker.AGENT


def test_messenger_attachments_are_references_and_reads_are_ignored() -> None:
    raw = _messaging(
        {
            "sender": {"id": "PSID"},
            "recipient": {"id": "PAGE"},
            "timestamp": 1700000000000,
            "message": {
                "mid": "m_img",
                "attachments": [
                    {"type": "image", "payload": {"url": "https://cdn.example.com/a.jpg"}}
                ],
            },
        }
    )
    [event] = messenger.parse(request(raw))
    assert event.text == "[image]"
    assert event.metadata == {
        "attachments": [{"type": "image", "url": "https://cdn.example.com/a.jpg"}]
    }
    read = _messaging(
        {
            "sender": {"id": "PSID"},
            "recipient": {"id": "PAGE"},
            "timestamp": 1,
            "read": {"watermark": 1},
        }
    )
    assert messenger.parse(request(read)) == []
