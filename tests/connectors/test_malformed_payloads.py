"""Signed but malformed platform payloads are a 400 naming the field, never a 500; identities
are strings or numbers as the platforms define them, never an object turned into text."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import SecretStr

from connectors.platforms.alexa import AlexaConnector
from connectors.platforms.base import Connector, WebhookError
from connectors.platforms.dialogflow import DialogflowConnector
from connectors.platforms.messenger import MessengerConnector
from connectors.platforms.slack import SlackConnector
from connectors.platforms.whatsapp import WhatsAppConnector
from connectors.platforms.widget import WidgetConnector
from tests.helpers.payloads import request

whatsapp = WhatsAppConnector(None, None, insecure=True)
messenger = MessengerConnector(None, None, insecure=True)
slack = SlackConnector(None, insecure=True)
alexa = AlexaConnector(None, insecure=True)
dialogflow = DialogflowConnector(SecretStr("t"))
web = WidgetConnector("web", None, insecure=True)

WA = "whatsapp_business_account"
ALEXA_REQUEST = {"type": "LaunchRequest", "requestId": "r1", "timestamp": "2026-01-01T00:00:00Z"}

CASES: list[tuple[str, Connector, Any]] = [
    ("whatsapp entry not a list", whatsapp, {"object": "whatsapp_business_account", "entry": "x"}),
    (
        "whatsapp entry of strings",
        whatsapp,
        {"object": "whatsapp_business_account", "entry": ["x"]},
    ),
    (
        "whatsapp value a string",
        whatsapp,
        {"object": "whatsapp_business_account", "entry": [{"changes": [{"value": "x"}]}]},
    ),
    (
        "whatsapp sender an object",
        whatsapp,
        {
            "object": "whatsapp_business_account",
            "entry": [{"changes": [{"value": {"messages": [{"from": {"a": 1}, "id": "w1"}]}}]}],
        },
    ),
    ("messenger entry not a list", messenger, {"object": "page", "entry": {"a": 1}}),
    ("messenger value a string", messenger, {"object": "page", "entry": [{"messaging": "x"}]}),
    (
        "messenger sender id an object",
        messenger,
        {
            "object": "page",
            "entry": [{"messaging": [{"sender": {"id": {}}, "recipient": {"id": "p"}}]}],
        },
    ),
    ("slack event a list", slack, {"type": "event_callback", "event": [1, 2]}),
    (
        "slack user an object",
        slack,
        {"type": "event_callback", "event": {"type": "message", "user": {}, "channel": "C"}},
    ),
    ("alexa session a string", alexa, {"session": "x", "request": ALEXA_REQUEST}),
    ("alexa request missing", alexa, {"session": {}}),
    ("dialogflow cx sessionInfo a string", dialogflow, {"sessionInfo": "x"}),
    ("dialogflow es queryResult a list", dialogflow, {"session": "s", "queryResult": [1]}),
    ("web visitorId an object", web, {"id": "e1", "visitorId": {"a": 1}, "text": "hi"}),
    ("web visitorId a boolean", web, {"id": "e1", "visitorId": True, "text": "hi"}),
    ("web text a number", web, {"id": "e1", "visitorId": "v", "text": 5}),
]


@pytest.mark.parametrize(("case", "connector", "body"), CASES, ids=[c[0] for c in CASES])
def test_a_malformed_payload_is_a_400_naming_what_is_wrong(
    case: str, connector: Connector, body: Any
) -> None:
    incoming = request(body, {"Authorization": "Bearer t"})

    def verify_then_parse() -> None:
        connector.verify(incoming)
        connector.parse(incoming)

    with pytest.raises(WebhookError) as caught:
        verify_then_parse()
    assert caught.value.status == 400, case
    assert caught.value.reason


def test_numeric_ids_are_what_platforms_send_and_become_text() -> None:
    body = {"id": 17, "visitorId": 4242, "conversationId": 9, "text": "hi"}
    [event] = web.parse(request(json.dumps(body).encode()))
    assert (event.event_id, event.external_user_id, event.thread_id) == ("17", "4242", "9")
