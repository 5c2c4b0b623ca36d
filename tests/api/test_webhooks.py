"""Webhooks over real HTTP against the real Neo4j: refusals are typed 4xx with nothing written,
retries are deduplicated, and one person's web, WhatsApp and email messages form one timeline."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from neo4j import Driver
from twilio.request_validator import RequestValidator

from connectors.platforms._signatures import hmac_hex
from tests.helpers.payloads import whatsapp_body
from tests.helpers.server import WEBHOOK_SECRETS, GraphQLClient

pytestmark = pytest.mark.integration


def hub_post(
    http: httpx.Client,
    path: str,
    body: dict[str, Any],
    secret: str,
    header: str = "X-Hub-Signature-256",
) -> httpx.Response:
    raw = json.dumps(body).encode()
    return http.post(
        path,
        content=raw,
        headers={header: "sha256=" + hmac_hex(secret, raw), "content-type": "application/json"},
    )


@pytest.fixture
def http(webhook_server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=webhook_server, timeout=30) as client:
        yield client


def test_disabled_and_unknown_channels_are_404(live_server: str) -> None:
    with httpx.Client(base_url=live_server) as plain:  # no secrets configured there
        assert plain.post("/webhooks/whatsapp", json={}).status_code == 404
        assert plain.post("/webhooks/nope", json={}).status_code == 404


def test_refusals_are_short_4xx_and_write_nothing(
    http: httpx.Client, driver: Driver, uid: str
) -> None:
    body = whatsapp_body(uid, f"wamid.{uid}", "hello", f"1555{uid[:7]}")
    unsigned = http.post("/webhooks/whatsapp", json=body)
    assert (unsigned.status_code, unsigned.json()) == (401, {"error": "missing signature"})
    wrong = hub_post(http, "/webhooks/whatsapp", body, "not-the-secret")
    assert wrong.status_code == 401
    garbage = http.post(
        "/webhooks/whatsapp",
        content=b"{oops",
        headers={"X-Hub-Signature-256": "sha256=" + hmac_hex("wa-secret", b"{oops")},
    )
    assert garbage.status_code == 400
    huge = http.post("/webhooks/web", content=b"x" * (64 * 1024 + 1))
    assert huge.status_code == 413
    email = http.post(
        "/webhooks/email",
        content=b"From: a@b.c\n\nhi",
        headers={"Authorization": "Bearer mail-token", "Content-Type": "text/plain"},
    )
    assert email.status_code == 415
    found, _, _ = driver.execute_query(
        "MATCH (n) WHERE n.eventId = $e OR n.key = $k RETURN count(n) AS n",
        e=f"wamid.{uid}",
        k=f"whatsapp:1555{uid[:7]}",
    )
    assert found[0]["n"] == 0


def test_whatsapp_handshake_statuses_and_retries(http: httpx.Client, uid: str) -> None:
    challenge = http.get(
        "/webhooks/whatsapp",
        params={"hub.mode": "subscribe", "hub.verify_token": "wa-verify", "hub.challenge": "4242"},
    )
    assert (challenge.status_code, challenge.text) == (200, "4242")
    assert (
        http.get(
            "/webhooks/whatsapp",
            params={"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1"},
        ).status_code
        == 401
    )
    body = whatsapp_body(uid, f"wamid.{uid}", "hello", f"1555{uid[:7]}")
    assert hub_post(http, "/webhooks/whatsapp", body, "wa-secret").status_code == 200
    assert hub_post(http, "/webhooks/whatsapp", body, "wa-secret").status_code == 200  # a retry
    statuses = {
        "object": "whatsapp_business_account",
        "entry": [{"changes": [{"value": {"statuses": [{"id": "wamid.x", "status": "read"}]}}]}],
    }
    assert hub_post(http, "/webhooks/whatsapp", statuses, "wa-secret").status_code == 200


def test_sms_webhook_replies_with_twiml(http: httpx.Client, webhook_server: str, uid: str) -> None:
    params = {
        "MessageSid": f"SM{uid}",
        "From": f"+1415{uid[:7]}",
        "To": "+15005550006",
        "Body": "hi",
        "NumMedia": "0",
    }
    url = f"{webhook_server}/webhooks/sms"
    signature = RequestValidator(WEBHOOK_SECRETS["twilio_auth_token"]).compute_signature(
        url, params
    )
    reply = http.post(
        "/webhooks/sms",
        content=urlencode(params),
        headers={
            "X-Twilio-Signature": signature,
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/xml")


def test_web_then_whatsapp_then_email_reply_is_one_timeline(
    http: httpx.Client, gql: GraphQLClient, uid: str
) -> None:
    web = hub_post(
        http,
        "/webhooks/web",
        {
            "events": [
                {
                    "type": "page_view",
                    "id": f"{uid}-pv",
                    "visitorId": f"cookie-{uid}",
                    "page": {"url": "/orders"},
                },
                {
                    "type": "message",
                    "id": f"{uid}-w1",
                    "visitorId": f"cookie-{uid}",
                    "conversationId": f"widget-{uid}",
                    "text": "My order A-12345 never arrived",
                    "timestamp": "2026-11-25T09:00:00Z",
                },
            ]
        },
        "web-secret",
        "X-Threadline-Signature",
    )
    assert web.status_code == 200
    session_id = web.json()["results"][1]["sessionId"]

    user = gql("query($s: ID!) { session(id: $s) { user { id } } }", s=session_id)
    user_id = user["data"]["session"]["user"]["id"]  # type: ignore[index]
    phone, address = f"1555{uid[:7]}", f"jane.{uid}@example.com"
    for channel, external in (("whatsapp", phone), ("email", address)):
        linked = gql(
            "mutation($u: ID!, $c: String!, $e: String!) { linkIdentity(userId: $u, "
            "channel: $c, externalId: $e) { id } }",
            u=user_id,
            c=channel,
            e=external,
        )
        assert "errors" not in linked, linked

    whatsapp = whatsapp_body(uid, f"wamid.{uid}", "any update on a12345?", phone)
    whatsapp["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] = "1795600800"
    assert hub_post(http, "/webhooks/whatsapp", whatsapp, "wa-secret").status_code == 200

    email = (
        f"From: Jane <{address}>\nTo: support@shop.example\nSubject: Re: your order\n"
        f"Message-ID: <{uid}-r1@mail.example.com>\nIn-Reply-To: <{uid}-s1@shop.example>\n"
        f"References: <{uid}-s1@shop.example>\nDate: Tue, 25 Nov 2026 10:30:00 +0000\n\n"
        f"Still waiting, please help.\n\nOn Tue, Support wrote:\n> We are on it\n"
    ).encode()
    mail = http.post(
        "/webhooks/email",
        content=email,
        headers={"Authorization": "Bearer mail-token", "Content-Type": "message/rfc822"},
    )
    assert mail.status_code == 200, mail.text

    context = gql(
        "query($s: ID!) { context(sessionId: $s) { channels "
        "messages { channel text } entities { key channels } } }",
        s=session_id,
    )
    data: dict[str, Any] = context["data"]["context"]  # type: ignore[index]
    assert [(m["channel"], m["text"]) for m in data["messages"]] == [
        ("web", "My order A-12345 never arrived"),
        ("whatsapp", "any update on a12345?"),
        ("email", "Still waiting, please help."),
    ]
    assert data["channels"] == ["web", "whatsapp", "email"]
    order = next(e for e in data["entities"] if e["key"] == "ORDER_ID:A12345")
    assert order["channels"] == ["web", "whatsapp"]


def test_webhook_writes_and_refusals_are_audited(http: httpx.Client, uid: str) -> None:
    phone = f"1555{uid[:7]}"
    body = whatsapp_body(uid, f"wamid.{uid}", "audit me", phone)
    assert hub_post(http, "/webhooks/whatsapp", body, "wa-secret").status_code == 200
    assert hub_post(http, "/webhooks/whatsapp", body, "wrong-secret").status_code == 401
    session = http.post(
        "/graphql",
        json={
            "query": f'{{ context(channel: "whatsapp", externalUserId: "{phone}") '
            "{ session { id } } }"
        },
    ).json()["data"]["context"]["session"]["id"]
    audit = http.post(
        "/graphql",
        json={
            "query": 'query($t: String) { auditEvents(filter: {operation: "webhook", '
            "target: $t}) { subject outcome } }",
            "variables": {"t": session},
        },
    ).json()["data"]["auditEvents"]
    assert {"subject": "webhook:whatsapp", "outcome": "OK"} in audit
    refused = http.post(
        "/graphql",
        json={
            "query": '{ auditEvents(filter: {operation: "webhook", outcome: "UNAUTHENTICATED",'
            " limit: 5}) { subject } }"
        },
    ).json()["data"]["auditEvents"]
    assert {"subject": "webhook:whatsapp"} in refused
