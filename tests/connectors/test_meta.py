"""WhatsApp Cloud API and Messenger: public sample payloads plus our own from the documented
formats; the X-Hub-Signature-256 check and the hub.challenge handshake."""

from __future__ import annotations

import json

import pytest
from pydantic import SecretStr

from connectors.base import WebhookError
from connectors.messenger import MessengerConnector
from connectors.whatsapp import WhatsAppConnector
from graph.events import Role
from tests.connectors.helpers import hub_signed, needs_payloads, request, sample

SECRET = "app-secret"
whatsapp = WhatsAppConnector(SecretStr(SECRET), SecretStr("verify-me"))
messenger = MessengerConnector(SecretStr(SECRET), SecretStr("verify-me"))


@needs_payloads
@pytest.mark.parametrize(
    ("name", "text", "meta_key"),
    [
        ("message__text.json", "Body Text", None),
        ("message__reply.json", None, "context"),
        ("message__image.json", None, "media"),
        ("message__document.json", None, "media"),
        ("message__voice.json", "[audio]", "media"),
        ("message__video.json", None, "media"),
        ("message__static_sticker.json", "[sticker]", "media"),
        ("message__current_location.json", None, "location"),
        ("message__contacts.json", None, "contacts"),
        ("callback_button__button.json", None, "reply"),
        ("callback_button__quick_reply.json", None, "payload"),
        ("callback_selection__callback.json", None, "reply"),
        ("callback_selection__description.json", None, "reply"),
    ],
)
def test_whatsapp_messages_become_message_events(
    name: str, text: str | None, meta_key: str | None
) -> None:
    raw = sample(f"whatsapp/{name}")
    [event] = whatsapp.parse(hub_signed(raw, SECRET, "X-Hub-Signature-256"))
    payload = json.loads(raw)["entry"][0]["changes"][0]["value"]
    message = payload["messages"][0]
    assert event.event_id == message["id"]
    assert event.external_user_id == message["from"]
    assert event.thread_id == f"{payload['metadata']['phone_number_id']}:{message['from']}"
    assert event.text  # every one of these is something the user said
    if text is not None:
        assert event.text == text
    if meta_key is not None:
        assert event.metadata is not None
        assert meta_key in event.metadata
    assert event.occurred_at is not None


@needs_payloads
@pytest.mark.parametrize(
    "name",
    [
        "message__reaction.json",
        "deleted_message__revoke.json",
        "edited_message__image.json",
        "system__identity_change.json",
        "system__phone_number_change.json",
        "message__interactive_message_with_err.json",
    ],
)
def test_whatsapp_reactions_deletions_edits_and_system_notices_are_not_messages(name: str) -> None:
    events = whatsapp.parse(hub_signed(sample(f"whatsapp/{name}"), SECRET, "X-Hub-Signature-256"))
    assert all(event.text is None for event in events)


@needs_payloads
@pytest.mark.parametrize("status", ["sent", "delivered", "read", "failed"])
def test_whatsapp_statuses_are_acknowledged_not_stored(status: str) -> None:
    raw = sample(f"whatsapp/message_status__{status}.json")
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


@needs_payloads
def test_messenger_sample_text_message() -> None:
    entry = json.loads(sample("messenger/jovo_v4_entry_text_message.json"))
    [event] = messenger.parse(request({"object": "page", "entry": [entry]}))
    assert (event.text, event.external_user_id, event.role) == (
        "hello",
        "5360758100663278",
        Role.USER,
    )
    assert event.event_id.startswith("m_o3Mzy")
    assert event.thread_id == "104098558513421:5360758100663278"


@needs_payloads
def test_messenger_sample_postback() -> None:
    entry = json.loads(sample("messenger/jovo_v4_entry_postback_get_started.json"))
    [event] = messenger.parse(request({"object": "page", "entry": [entry]}))
    assert event.metadata is not None
    assert "postback" in event.metadata


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
    assert (event.role, event.external_user_id, event.thread_id) == (Role.BOT, "PSID", "PAGE:PSID")


def test_messenger_echo_from_the_inbox_is_an_agent_message() -> None:
    raw = _messaging(
        {
            "sender": {"id": "PAGE"},
            "recipient": {"id": "PSID"},
            "timestamp": 1700000000000,
            "message": {"mid": "m_human", "text": "Hi, Sam here", "is_echo": True},
        }
    )
    assert messenger.parse(request(raw))[0].role == Role.AGENT


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
