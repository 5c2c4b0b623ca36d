"""Connectors act only within their channels: no tokens for, writes into, or reads of other
channels' sessions, and resumeSession gives a connector only what it needs."""

from __future__ import annotations

import uuid

import pytest

from graph.config import Settings
from graph.domain.callers import CallerRole
from tests.helpers.server import error_codes as codes
from tests.helpers.server import graphql_as as call
from tests.helpers.server import make_key

pytestmark = pytest.mark.integration

INGEST = (
    "mutation($e: [EventInput!]!) { ingestEvents(events: $e) { accepted results { sessionId } } }"
)
TOKEN = "mutation($s: ID!) { createContinuationToken(sessionId: $s) { token } }"
RESUME = (
    "mutation($t: String!, $c: String!, $u: String!) "
    "{ resumeSession(token: $t, channel: $c, externalUserId: $u) { %s } }"
)


@pytest.fixture(scope="module")
def keys(secure_settings: Settings) -> dict[str, str]:
    return {
        "web": make_key(secure_settings, CallerRole.CONNECTOR, ["web"])[1],
        "sms": make_key(secure_settings, CallerRole.CONNECTOR, ["sms"])[1],
        "agent": make_key(secure_settings, CallerRole.AGENT)[1],
    }


def sms_session(url: str, keys: dict[str, str], uid: str) -> str:
    """An SMS conversation whose attributes hold personal data."""
    event = {
        "eventId": f"{uid}-sms-1",
        "channel": "sms",
        "externalUserId": f"+1555{uid[:6]}",
        "text": "my address is 1 Main St",
        "attributes": {"email": f"{uid}@example.com", "address": "1 Main St"},
    }
    body = call(url, keys["sms"], INGEST, e=[event])
    return str(body["data"]["ingestEvents"]["results"][0]["sessionId"])


def test_a_connector_cannot_mint_a_token_for_another_channels_session(
    secure_server: str, keys: dict[str, str]
) -> None:
    session = sms_session(secure_server, keys, uuid.uuid4().hex[:12])
    refused = call(secure_server, keys["web"], TOKEN, s=session)
    assert codes(refused) == ["FORBIDDEN"]
    assert call(secure_server, keys["sms"], TOKEN, s=session)["data"]["createContinuationToken"]
    assert call(secure_server, keys["agent"], TOKEN, s=session)["data"]["createContinuationToken"]


def test_a_connector_cannot_write_into_another_channels_session(
    secure_server: str, keys: dict[str, str]
) -> None:
    uid = uuid.uuid4().hex[:12]
    session = sms_session(secure_server, keys, uid)
    intruder = {
        "eventId": f"{uid}-web-1",
        "channel": "web",
        "externalUserId": f"intruder-{uid}",
        "sessionId": session,
        "text": "hello from someone else",
    }
    refused = call(secure_server, keys["web"], INGEST, e=[intruder])
    assert codes(refused) == ["FORBIDDEN"]
    assert "events.sessionId" in refused["errors"][0]["message"]
    history = call(
        secure_server,
        keys["agent"],
        "query($s: ID!) { session(id: $s) { seq channels } }",
        s=session,
    )
    assert history["data"]["session"] == {"seq": 1, "channels": ["sms"]}


def test_resume_gives_a_connector_its_session_not_the_users_data(
    secure_server: str, keys: dict[str, str]
) -> None:
    uid = uuid.uuid4().hex[:12]
    session = sms_session(secure_server, keys, uid)
    token = call(secure_server, keys["sms"], TOKEN, s=session)["data"]["createContinuationToken"]
    fields = "id status messages { channel text }"
    resumed = call(
        secure_server,
        keys["sms"],
        RESUME % fields,
        t=token["token"],
        c="sms",
        u=f"+1666{uid[:6]}",
    )
    assert resumed["data"]["resumeSession"]["id"] == session
    assert [m["channel"] for m in resumed["data"]["resumeSession"]["messages"]] == ["sms"]
    for private in ("attributes", "user { id }", "previous { id }", "handoffs { reason }"):
        token = call(secure_server, keys["sms"], TOKEN, s=session)["data"]
        body = call(
            secure_server,
            keys["sms"],
            RESUME % f"id {private}",
            t=token["createContinuationToken"]["token"],
            c="sms",
            u=f"+1777{uid[:6]}",
        )
        assert codes(body) == ["FORBIDDEN"], private
        assert "email" not in str(body)


def test_a_connector_replies_only_on_its_channels(
    secure_server: str, keys: dict[str, str], uid: str
) -> None:
    session = sms_session(secure_server, keys, f"{uid}r")
    send = (
        "mutation($s: ID!, $c: String) "
        '{ sendMessage(sessionId: $s, text: "hi", channel: $c) { role } }'
    )
    assert codes(call(secure_server, keys["web"], send, s=session)) == ["FORBIDDEN"]
    assert codes(call(secure_server, keys["web"], send, s=session, c="web")) == ["FORBIDDEN"]
    replied = call(secure_server, keys["sms"], send, s=session)
    assert replied["data"]["sendMessage"]["role"] == "BOT"  # a connector's reply is the bot's
