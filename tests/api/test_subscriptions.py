"""`sessionEvents` over a real WebSocket (graphql-transport-ws): an agent desktop watching a web
conversation sees the WhatsApp reply, attribute changes, handoffs and status changes arrive."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from connectors.platforms._signatures import hmac_hex
from tests.helpers.payloads import whatsapp_body
from tests.helpers.subscriptions import graphql, next_event, subscribe

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


async def test_agent_desktop_sees_whatsapp_reply_attributes_handoff_and_close(
    webhook_server: str, uid: str
) -> None:
    async with httpx.AsyncClient(base_url=webhook_server, timeout=30) as http:
        ingest = await graphql(
            http,
            "mutation($e: [EventInput!]!) { ingestEvents(events: $e) { results { sessionId } } }",
            e=[{"eventId": f"{uid}-1", "channel": "web", "externalUserId": uid, "text": "hi"}],
        )
        session_id = ingest["ingestEvents"]["results"][0]["sessionId"]
        user = await graphql(http, "query($s: ID!) { session(id: $s) { userId } }", s=session_id)
        user_id = user["session"]["userId"]
        phone = f"1555{uid[:7]}"
        await graphql(
            http,
            'mutation($u: ID!, $p: String!) { linkIdentity(userId: $u, channel: "whatsapp", '
            "externalId: $p) { id } }",
            u=user_id,
            p=phone,
        )
        by_session = await subscribe(webhook_server, s=session_id)
        by_user = await subscribe(webhook_server, u=user_id)
        try:
            # the first change proves both subscriptions are live before the reply is sent
            for _ in range(50):
                await graphql(
                    http,
                    "mutation($s: ID!) { setSessionAttributes(sessionId: $s, "
                    'options: {channel: "web"}, attributes: {step: 1}) { version } }',
                    s=session_id,
                )
                try:
                    seen = await asyncio.wait_for(by_session.recv(), timeout=0.2)
                    break
                except TimeoutError:
                    continue
            first = json.loads(seen)["payload"]["data"]["sessionEvents"]
            assert first["kind"] == "ATTRIBUTES"
            assert first["attributes"] == {"step": 1}

            body = whatsapp_body(uid, f"wamid.{uid}", "it is order A-12345", phone)
            raw = json.dumps(body).encode()
            posted = await http.post(
                "/webhooks/whatsapp",
                content=raw,
                headers={
                    "X-Hub-Signature-256": "sha256=" + hmac_hex("wa-secret", raw),
                    "content-type": "application/json",
                },
            )
            assert posted.status_code == 200
            reply = await next_event(by_session)
            while reply["kind"] != "MESSAGE":  # skip repeated step attributes, if any
                reply = await next_event(by_session)
            assert reply == {
                "kind": "MESSAGE",
                "sessionId": session_id,
                "userId": user_id,
                "channel": "whatsapp",
                "role": "USER",
                "text": "it is order A-12345",
                "seq": 2,
                "attributes": {},
                "agentId": None,
                "status": None,
                "cause": None,
            }
            await graphql(http, 'mutation { upsertAgent(id: "agent-7", kind: "HUMAN") { id } }')
            await graphql(
                http,
                'mutation($s: ID!) { handoff(sessionId: $s, agentId: "agent-7", '
                'reason: "refund") { id } }',
                s=session_id,
            )
            handoff = await next_event(by_session)
            assert (handoff["kind"], handoff["agentId"], handoff["cause"]) == (
                "HANDOFF",
                "agent-7",
                "refund",
            )
            await graphql(
                http,
                'mutation($s: ID!) { closeSession(sessionId: $s, reason: "done") { id } }',
                s=session_id,
            )
            closed = await next_event(by_session)
            assert (closed["kind"], closed["status"], closed["cause"]) == (
                "STATUS",
                "CLOSED",
                "done",
            )
            # the user's stream saw the same WhatsApp reply
            kinds = []
            while "STATUS" not in kinds:
                kinds.append((await next_event(by_user))["kind"])
            assert "MESSAGE" in kinds
            assert "HANDOFF" in kinds
        finally:
            await by_session.close()
            await by_user.close()


async def test_subscription_needs_a_session_or_user(webhook_server: str) -> None:
    socket = await subscribe(webhook_server)
    try:
        message = json.loads(await asyncio.wait_for(socket.recv(), timeout=10))
    finally:
        await socket.close()
    assert message["type"] == "error", message  # the operation never started
    assert message["payload"][0]["extensions"]["code"] == "BAD_INPUT", message


async def test_both_users_of_a_merge_hear_it_and_who_the_other_is(
    webhook_server: str, uid: str
) -> None:
    async with httpx.AsyncClient(base_url=webhook_server, timeout=30) as http:
        users = []
        for channel in ("web", "sms"):
            event = {"eventId": f"{uid}-{channel}", "channel": channel, "externalUserId": uid}
            ingest = await graphql(
                http,
                "mutation($e: [EventInput!]!) { ingestEvents(events: $e) { results { "
                "sessionId } } }",
                e=[event | {"text": "hello"}],
            )
            session_id = ingest["ingestEvents"]["results"][0]["sessionId"]
            owner = await graphql(
                http, "query($s: ID!) { session(id: $s) { userId } }", s=session_id
            )
            users.append(owner["session"]["userId"])
        web_user, sms_user = users
        watch = (
            "subscription($u: ID) { sessionEvents(userId: $u) { kind userId otherUserId cause } }"
        )
        sockets = [await subscribe(webhook_server, watch, u=user) for user in users]
        try:
            await asyncio.sleep(0.2)  # both subscriptions registered before the merge commits
            await graphql(
                http,
                "mutation($a: ID!, $b: ID!) { mergeUsers(sourceId: $a, targetId: $b, "
                'evidence: "same phone") { id } }',
                a=sms_user,
                b=web_user,
            )
            heard = [await next_event(socket) for socket in sockets]
        finally:
            for socket in sockets:
                await socket.close()
    assert heard == [
        {"kind": "MERGE", "userId": web_user, "otherUserId": sms_user, "cause": "same phone"},
        {"kind": "MERGE", "userId": sms_user, "otherUserId": web_user, "cause": "same phone"},
    ]
