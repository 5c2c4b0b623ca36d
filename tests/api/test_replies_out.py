"""`sendMessage` end to end: the real server (its outbox worker on) sends replies to local fake
platform servers — a real HTTP server and a real SMTP server — which check the exact request
each platform expects; retries; platform status reports moving `delivery`; typed errors."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from connectors.platforms._signatures import hmac_hex, twilio_signature
from graph.config import Settings
from tests.helpers.fake_platforms import (
    FakePlatforms,
    Mailbox,
    fake_platforms,
    fake_smtp,
    wait_until,
)
from tests.helpers.server import data_of as data
from tests.helpers.server import post_graphql as gql
from tests.helpers.server import serve

pytestmark = pytest.mark.integration

PUBLIC = "https://hooks.example.com"
INGEST = "mutation($e: [EventInput!]!) { ingestEvents(events: $e) { results { sessionId } } }"
SEND = """
mutation($s: ID!, $t: String!, $c: String, $e: ID, $a: ID) {
  sendMessage(sessionId: $s, text: $t, channel: $c, eventId: $e, agentId: $a) {
    id role channel text seq delivery { status error }
  }
}
"""
STATE = """
query($s: ID!) { session(id: $s) {
  messages(last: 10) { id role delivery { status error } }
  outbox { messageId channel recipient status attempts platformMessageId error }
} }
"""


@pytest.fixture(scope="module")
def platforms() -> Iterator[FakePlatforms]:
    with fake_platforms() as fake:
        yield fake


@pytest.fixture(scope="module")
def mailbox() -> Iterator[tuple[int, Mailbox]]:
    with fake_smtp() as smtp:
        yield smtp


@pytest.fixture(scope="module")
def server(
    settings: Settings, platforms: FakePlatforms, mailbox: tuple[int, Mailbox]
) -> Iterator[str]:
    base = platforms.url
    configured = settings.model_copy(
        update={
            "outbox_interval_seconds": 0.2,
            "whatsapp_api_base": f"{base}/wa",
            "whatsapp_access_token": SecretStr("wa-token"),
            "whatsapp_app_secret": SecretStr("wa-secret"),
            "messenger_api_base": f"{base}/fb",
            "messenger_page_token": SecretStr("page-token"),
            "twilio_api_base": f"{base}/tw",
            "twilio_account_sid": "AC123",
            "twilio_auth_token": SecretStr("twilio-token"),
            "slack_api_base": f"{base}/slack",
            "slack_bot_token": SecretStr("xoxb-1"),
            "x_api_base": f"{base}/x",
            "x_access_token": SecretStr("x-user-token"),
            "x_consumer_secret": SecretStr("x-secret"),
            "smtp_host": "127.0.0.1",
            "smtp_port": mailbox[0],
            "smtp_from": "support@shop.example",
            "smtp_starttls": False,
            "public_url": PUBLIC,
        }
    )
    with serve(configured) as url:
        yield url


def inbound(url: str, uid: str, channel: str, who: str, thread: str | None, **extra: Any) -> str:
    event = {"eventId": f"{uid}-in", "channel": channel, "externalUserId": who, "text": "hello?"}
    if thread is not None:
        event["threadId"] = thread
    return str(data(gql(url, INGEST, e=[event | extra]))["ingestEvents"]["results"][0]["sessionId"])


def state(url: str, session: str) -> dict[str, Any]:
    found: dict[str, Any] = data(gql(url, STATE, s=session))["session"]
    return found


def delivered(url: str, session: str, status: str) -> dict[str, Any]:
    found: dict[str, Any] = wait_until(
        lambda: (
            found
            if (found := state(url, session))["outbox"] and found["outbox"][0]["status"] == status
            else None
        )
    )
    return found


def test_whatsapp_reply_status_reports_and_idempotency(
    server: str, platforms: FakePlatforms, uid: str
) -> None:
    phone = f"1555{int(uid[:6], 16) % 10**7:07d}"
    session = inbound(server, uid, "whatsapp", phone, f"{int(uid, 16)}:{phone}")
    platforms.scripts[f"/wa/{int(uid, 16)}/"] = [(200, {"messages": [{"id": f"wamid.{uid}"}]})]
    sent = data(gql(server, SEND, s=session, t="Your order ships today", e=f"{uid}-r1"))
    reply = sent["sendMessage"]
    assert (reply["role"], reply["channel"], reply["text"]) == (
        "AGENT",
        "whatsapp",
        "Your order ships today",
    )
    assert reply["delivery"]["status"] in {"QUEUED", "SENDING", "SENT"}
    [request] = platforms.wait_for(f"/wa/{int(uid, 16)}/messages")
    assert request.headers["authorization"] == "Bearer wa-token"
    assert request.json() == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": phone,
        "type": "text",
        "text": {"preview_url": False, "body": "Your order ships today"},
    }
    found = delivered(server, session, "SENT")
    assert found["outbox"][0]["platformMessageId"] == f"wamid.{uid}"
    again = data(gql(server, SEND, s=session, t="Your order ships today", e=f"{uid}-r1"))
    assert again["sendMessage"]["id"] == reply["id"]  # a retry: the same message, not resent

    def report(status: str) -> None:
        body = json.dumps(
            {
                "object": "whatsapp_business_account",
                "entry": [
                    {
                        "id": "1",
                        "changes": [
                            {
                                "field": "messages",
                                "value": {
                                    "messaging_product": "whatsapp",
                                    "metadata": {"phone_number_id": f"{int(uid, 16)}"},
                                    "statuses": [
                                        {
                                            "id": f"wamid.{uid}",
                                            "status": status,
                                            "timestamp": "1795593700",
                                            "recipient_id": phone,
                                        }
                                    ],
                                },
                            }
                        ],
                    }
                ],
            }
        ).encode()
        answer = httpx.post(
            f"{server}/webhooks/whatsapp",
            content=body,
            headers={
                "x-hub-signature-256": "sha256=" + hmac_hex("wa-secret", body),
                "content-type": "application/json",
            },
            timeout=30,
        )
        assert answer.status_code == 200, answer.text

    report("delivered")
    report("read")
    report("sent")  # late: changes nothing
    final = state(server, session)
    assert final["outbox"][0]["status"] == "READ"
    assert final["messages"][-1]["delivery"]["status"] == "READ"
    assert [m["role"] for m in final["messages"]] == ["USER", "AGENT"]  # statuses are no messages
    assert len(platforms.to(f"/wa/{int(uid, 16)}/messages")) == 1


def test_sms_reply_retried_after_a_platform_error_then_status_callback(
    server: str, platforms: FakePlatforms, uid: str
) -> None:
    user, ours = f"+1555{int(uid[:6], 16) % 10**7:07d}", "+15550009999"
    session = inbound(server, uid, "sms", user, f"{ours}:{user}")
    path = "/tw/2010-04-01/Accounts/AC123/Messages.json"
    platforms.scripts[path] = [(503, {"message": "busy"}), (201, {"sid": f"SM{uid}"})]
    data(gql(server, SEND, s=session, t="We refunded you"))
    needle = httpx.QueryParams({"To": user}).__str__()
    first, second = wait_until(
        lambda: (
            found
            if len(found := [r for r in platforms.to(path) if needle in r.body.decode()]) >= 2
            else None
        )
    )
    assert first.body == second.body
    form = dict(pair.split("=", 1) for pair in second.body.decode().split("&"))
    assert {k: httpx.QueryParams(f"v={v}")["v"] for k, v in form.items()} == {
        "To": user,
        "From": ours,
        "Body": "We refunded you",
        "StatusCallback": f"{PUBLIC}/webhooks/sms",
    }
    assert (
        second.headers["authorization"]
        == "Basic " + base64.b64encode(b"AC123:twilio-token").decode()
    )
    found = delivered(server, session, "SENT")
    assert found["outbox"][0]["attempts"] == 2
    callback = {
        "MessageSid": f"SM{uid}",
        "MessageStatus": "delivered",
        "From": ours,
        "To": user,
        "AccountSid": "AC123",
    }
    signature = twilio_signature("twilio-token", f"{PUBLIC}/webhooks/sms", callback)
    answer = httpx.post(
        f"{server}/webhooks/sms",
        data=callback,
        headers={"x-twilio-signature": signature},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    assert state(server, session)["outbox"][0]["status"] == "DELIVERED"


def test_messenger_slack_and_web_replies(server: str, platforms: FakePlatforms, uid: str) -> None:
    psid = str(int(uid, 16))  # PSIDs and page ids are digits
    messenger = inbound(server, uid, "messenger", psid, f"1{psid}:{psid}")
    platforms.scripts["/fb/me/messages"] = [(200, {"recipient_id": psid, "message_id": f"m_{uid}"})]
    data(gql(server, SEND, s=messenger, t="Hi from the shop"))
    [request] = [r for r in platforms.wait_for("/fb/me/messages") if psid in r.body.decode()]
    assert request.headers["authorization"] == "Bearer page-token"
    assert request.json() == {
        "recipient": {"id": psid},
        "messaging_type": "RESPONSE",
        "message": {"text": "Hi from the shop"},
    }

    slack = inbound(server, f"{uid}s", "slack", f"U{uid}", f"T1:C{uid}:1700.0001")
    platforms.scripts["/slack/chat.postMessage"] = [(200, {"ok": True, "ts": "1700.0002"})]
    data(gql(server, SEND, s=slack, t="Looking into it"))
    posted = wait_until(
        lambda: [r for r in platforms.to("/slack/") if f"C{uid}" in r.body.decode()]
    )
    assert posted[0].headers["authorization"] == "Bearer xoxb-1"
    assert posted[0].json() == {
        "channel": f"C{uid}",
        "text": "Looking into it",
        "thread_ts": "1700.0001",
    }

    web = inbound(server, f"{uid}w", "web", f"cookie-{uid}", None)
    data(gql(server, SEND, s=web, t="Hello from a human"))
    assert delivered(server, web, "SENT")["outbox"][0]["platformMessageId"] is None


def test_email_reply_is_threaded(server: str, mailbox: tuple[int, Mailbox], uid: str) -> None:
    address = f"jo.{uid}@example.com"
    session = inbound(
        server,
        uid,
        "email",
        address,
        f"<root-{uid}@example.com>",
        metadata={"subject": "Broken kettle", "messageId": f"<m2-{uid}@example.com>"},
    )
    data(gql(server, SEND, s=session, t="A new kettle is on its way."))
    _, box = mailbox
    [mail] = wait_until(lambda: [m for m in box.messages if m["To"] == address])
    assert mail["From"] == "support@shop.example"
    assert mail["Subject"] == "Re: Broken kettle"
    assert mail["In-Reply-To"] == f"<m2-{uid}@example.com>"
    assert mail["References"] == f"<root-{uid}@example.com> <m2-{uid}@example.com>"
    assert mail.get_payload().strip() == "A new kettle is on its way."
    found = delivered(server, session, "SENT")
    assert found["outbox"][0]["platformMessageId"] == mail["Message-ID"]


def test_refusals_fail_the_delivery_and_keep_the_message(
    server: str, platforms: FakePlatforms, uid: str
) -> None:
    psid = str(int(uid, 16) + 1)
    session = inbound(server, uid, "messenger", psid, f"1{psid}:{psid}")
    platforms.scripts["/fb/me/messages"] = [(400, {"error": {"message": "no such person"}})]
    data(gql(server, SEND, s=session, t="Are you there?"))
    found = delivered(server, session, "FAILED")
    assert "400" in found["outbox"][0]["error"]
    assert found["messages"][-1]["delivery"]["status"] == "FAILED"
    assert len(found["messages"]) == 2


def test_send_message_errors(server: str, uid: str) -> None:
    def code(**variables: Any) -> str:
        return str(gql(server, SEND, **variables)["errors"][0]["extensions"]["code"])

    session = inbound(server, uid, "web", f"cookie-{uid}", None)
    assert code(s=f"ses_missing{uid}", t="hi") == "NOT_FOUND"
    assert code(s=session, t="hi", c="whatsapp") == "BAD_INPUT"  # they never wrote there
    assert code(s=session, t="   ") == "BAD_INPUT"
    assert code(s=session, t="hi", a=f"nobody-{uid}") == "NOT_FOUND"


def test_x_dm_in_through_the_webhook_and_reply_out(
    server: str, platforms: FakePlatforms, uid: str
) -> None:
    from connectors.platforms.x import x_signature

    ours, them = "1000000001", f"2{int(uid[:6], 16) % 10**9:09d}"
    crc = httpx.get(f"{server}/webhooks/x", params={"crc_token": "abc"}, timeout=10)
    assert crc.json() == {"response_token": x_signature("x-secret", b"abc")}
    body = json.dumps(
        {
            "for_user_id": ours,
            "direct_message_events": [
                {
                    "type": "message_create",
                    "id": f"dm-{uid}",
                    "created_timestamp": "1795593600000",
                    "message_create": {
                        "target": {"recipient_id": ours},
                        "sender_id": them,
                        "message_data": {"text": "Is my refund done?"},
                    },
                }
            ],
        }
    ).encode()
    answer = httpx.post(
        f"{server}/webhooks/x",
        content=body,
        headers={"x-twitter-webhooks-signature": x_signature("x-secret", body)},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    context = data(
        gql(
            server,
            'query($e: String!) { context(channel: "x", externalUserId: $e) '
            "{ session { id } messages { text } } }",
            e=them,
        )
    )["context"]
    assert [m["text"] for m in context["messages"]] == ["Is my refund done?"]
    path = f"/x/2/dm_conversations/with/{them}/messages"
    platforms.scripts[path] = [
        (201, {"data": {"dm_conversation_id": f"{ours}-{them}", "dm_event_id": f"dme-{uid}"}})
    ]
    data(gql(server, SEND, s=context["session"]["id"], t="Yes, refunded yesterday."))
    [request] = platforms.wait_for(path)
    assert request.headers["authorization"] == "Bearer x-user-token"
    assert request.json() == {"text": "Yes, refunded yesterday."}
    found = delivered(server, context["session"]["id"], "SENT")
    assert found["outbox"][0]["platformMessageId"] == f"dme-{uid}"
