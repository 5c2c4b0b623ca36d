"""Every payload we have — our fixtures, and the public samples in ../shared/payloads when they
are present — is read by its connector into events (or a documented no-op), or refused with a
4xx: never any other exception."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from connectors.platforms.alexa import AlexaConnector
from connectors.platforms.base import Connector, WebhookError
from connectors.platforms.dialogflow import DialogflowConnector
from connectors.platforms.email import parse_email, split_messages
from connectors.platforms.messenger import MessengerConnector
from connectors.platforms.slack import SlackConnector
from connectors.platforms.whatsapp import WhatsAppConnector
from tests.helpers.payloads import FIXTURES, payload_files, request

JSON_CONNECTORS: dict[str, Connector] = {
    "whatsapp": WhatsAppConnector(None, None, insecure=True),
    "messenger": MessengerConnector(None, None, insecure=True),
    "slack": SlackConnector(None, insecure=True),
    "alexa": AlexaConnector(None, insecure=True),
    "dialogflow": DialogflowConnector(SecretStr("t")),
}
JSON_FILES = [path for channel in JSON_CONNECTORS for path in payload_files(channel)]
EMAIL_FILES = [
    path for pattern in ("*.eml", "*.txt", "*.mbox") for path in payload_files("email", pattern)
]


def label(path: Path) -> str:
    origin = "fixture" if path.is_relative_to(FIXTURES) else "public"
    return f"{origin}:{path.parent.name}/{path.name}"


def test_every_channel_has_fixtures_of_its_own() -> None:
    for channel in [*JSON_CONNECTORS, "email"]:
        assert any((FIXTURES / channel).iterdir()), channel


@pytest.mark.parametrize("path", JSON_FILES, ids=label)
def test_a_platform_payload_is_read_or_refused_with_a_4xx(path: Path) -> None:
    connector = JSON_CONNECTORS[path.parent.name]
    raw = path.read_bytes()
    body = raw.strip()
    if path.parent.name == "messenger" and b'"object"' not in body:  # a bare entry
        body = b'{"object": "page", "entry": [' + body + b"]}"
    incoming = request(body)
    status = 200
    events = []
    try:
        if connector.handshake(incoming) is None:
            events = connector.parse(incoming)
    except WebhookError as error:
        status = error.status
    assert 200 <= status < 500
    for event in events:
        assert event.event_id
        assert event.external_user_id


@pytest.mark.parametrize("path", EMAIL_FILES, ids=label)
def test_an_email_or_mailbox_is_read_or_refused_with_a_4xx(path: Path) -> None:
    for message in split_messages(path.read_bytes()):
        try:
            event = parse_email(message)
        except WebhookError as error:
            refused = error.status
        else:
            refused = 0
            assert event.event_id
            assert "@" in event.external_user_id
        assert refused == 0 or 400 <= refused < 500
