"""Connectors declare what they can do (`connectors.platforms.base.Connector`), and the webhook
endpoint has one path for all of them: it asks each connector, never probes it (#31, item 3)."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

from api import webhooks
from connectors.platforms.base import PulledReplies, Stored, WebhookRequest
from connectors.platforms.registry import build_connectors
from graph.config import Settings

CAPABILITIES = ("verify_blocks", "delivery_updates", "pulled_replies", "reply")


def request(body: bytes = b"", **query: str) -> WebhookRequest:
    form = {"content-type": "application/x-www-form-urlencoded"}
    return WebhookRequest("POST", "https://x.example/webhooks/phone", form, query, body)


def test_every_connector_declares_every_capability() -> None:
    for channel, connector in build_connectors(Settings()).items():
        for name in CAPABILITIES:
            assert hasattr(connector, name), (channel, name)
        assert isinstance(connector.verify_blocks, bool), channel
        assert "replies" in inspect.signature(connector.reply).parameters, channel


def test_the_webhook_endpoint_probes_no_connector() -> None:
    tree = ast.parse(Path(inspect.getfile(webhooks)).read_text())
    probes = [
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in {"getattr", "hasattr", "isinstance"}
    ]
    assert probes == []
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("connectors.")
        for alias in node.names
    }
    concrete = {name for name in imported if name.endswith("Connector") and name != "Connector"}
    assert concrete == set()  # it knows the protocol only, no platform's class


def test_only_a_call_pulls_its_replies_and_only_alexa_verification_blocks() -> None:
    connectors = build_connectors(Settings())
    poll = request(b"CallSid=CA1&From=%2B15550001111&To=%2B15550002222", session="ses_1")
    pulling = {c for c, x in connectors.items() if x.pulled_replies(poll, [])}
    assert pulling == {"phone"}
    assert {c for c, x in connectors.items() if x.verify_blocks} == {"alexa"}


def test_a_call_pulls_the_replies_of_its_session_and_ends_with_the_call() -> None:
    phone = build_connectors(Settings())["phone"]
    stored = [Stored("e1", "ses_1", 1, duplicate=False)]
    turn = request(b"CallSid=CA1&From=%2B15550001111&To=%2B15550002222&CallStatus=in-progress")
    assert phone.pulled_replies(turn, stored) == PulledReplies("ses_1", "CA1", ended=False)
    ended = request(b"CallSid=CA1&From=%2B15550001111&To=%2B15550002222&CallStatus=completed")
    assert phone.pulled_replies(ended, stored) == PulledReplies("ses_1", "CA1", ended=True)
    said = phone.reply(turn, stored, ["Your order ships today"])
    assert "<Say>Your order ships today</Say>" in said.body.decode()
