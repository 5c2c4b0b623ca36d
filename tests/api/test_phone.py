"""Phone calls through Twilio Voice against the real server: a caller who texted before is one
person with one timeline; speech becomes USER messages (retries stored once); the bot's reply
(sendMessage on `phone`) is spoken with TwiML at the call's next turn; signatures are checked."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree

import httpx
import pytest
from twilio.request_validator import RequestValidator

from tests.helpers.server import WEBHOOK_SECRETS, data_of
from tests.helpers.server import post_graphql as graphql_post

pytestmark = pytest.mark.integration

OURS = "+15005550006"
SEND = (
    'mutation($s: ID!, $t: String!) { sendMessage(sessionId: $s, text: $t, channel: "phone") '
    "{ id role delivery { status } } }"
)
TIMELINE = """
query($n: String!) { context(channel: "sms", externalUserId: $n) {
  session { id channels }
  user { identities { key } }
  messages { channel role text delivery { status } }
} }
"""


def post(server: str, path: str, params: dict[str, str], **headers: str) -> httpx.Response:
    """A form post signed as Twilio signs it: over the full URL it calls and the parameters."""
    signature = RequestValidator(WEBHOOK_SECRETS["twilio_auth_token"]).compute_signature(
        f"{server}{path}", params
    )
    return httpx.post(
        f"{server}{path}",
        content=urlencode(params),
        headers={
            "X-Twilio-Signature": signature,
            "Content-Type": "application/x-www-form-urlencoded",
            **headers,
        },
        timeout=30,
    )


def verbs(response: httpx.Response) -> list[tuple[str, str, dict[str, str]]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    root = ElementTree.fromstring(response.text)
    assert root.tag == "Response"
    return [(child.tag, (child.text or "").strip(), dict(child.attrib)) for child in root]


def gql(server: str, query: str, **variables: Any) -> dict[str, Any]:
    return data_of(graphql_post(server, query, **variables))


def test_a_texter_who_calls_is_one_person_and_hears_the_bots_reply(
    webhook_server: str, uid: str
) -> None:
    number = f"+1415{int(uid[:6], 16) % 10**7:07d}"
    text = {"MessageSid": f"SM{uid}", "From": number, "To": OURS, "Body": "Order A-5501?"}
    assert post(webhook_server, "/webhooks/sms", text).status_code == 200

    call = {"CallSid": f"CA{uid}", "From": number, "To": OURS, "Direction": "inbound"}
    started = verbs(post(webhook_server, "/webhooks/phone", call | {"CallStatus": "ringing"}))
    assert [v[0] for v in started] == ["Say", "Gather"]
    assert started[0][1] == "Hello, how can we help you?"
    assert started[1][2]["input"] == "speech"
    assert started[1][2]["action"] == f"{webhook_server}/webhooks/phone"

    speech = call | {
        "CallStatus": "in-progress",
        "SpeechResult": "Where is my order?",
        "Confidence": "0.93",
    }
    waiting = verbs(
        post(
            webhook_server, "/webhooks/phone", speech, **{"I-Twilio-Idempotency-Token": f"t-{uid}"}
        )
    )
    assert [v[0] for v in waiting] == ["Pause", "Redirect"]
    poll = waiting[1][1]
    assert re.fullmatch(
        rf"{re.escape(webhook_server)}/webhooks/phone\?poll=1&session=ses_\w+", poll
    )
    replay = post(
        webhook_server, "/webhooks/phone", speech, **{"I-Twilio-Idempotency-Token": f"t-{uid}"}
    )
    assert replay.status_code == 200  # Twilio's retry: stored once (below)

    timeline = gql(webhook_server, TIMELINE, n=number)["context"]
    session = timeline["session"]["id"]
    sent = gql(webhook_server, SEND, s=session, t="It ships today.")["sendMessage"]
    assert sent["role"] == "AGENT"
    assert sent["delivery"]["status"] == "QUEUED"  # spoken at the call's next turn

    spoken = verbs(
        post(
            webhook_server, poll.removeprefix(webhook_server), call | {"CallStatus": "in-progress"}
        )
    )
    assert spoken[0] == ("Say", "It ships today.", {})
    assert spoken[1][0] == "Gather"
    again = verbs(
        post(
            webhook_server, poll.removeprefix(webhook_server), call | {"CallStatus": "in-progress"}
        )
    )
    assert [v[0] for v in again] == ["Pause", "Redirect"]  # said once; waits for more

    gql(webhook_server, SEND, s=session, t="One more thing...")  # never said: the call ends
    ended = verbs(
        post(
            webhook_server,
            "/webhooks/phone",
            call | {"CallStatus": "completed", "CallDuration": "42"},
        )
    )
    assert ended == []

    final = gql(webhook_server, TIMELINE, n=number)["context"]
    assert final["session"]["id"] == session
    assert final["session"]["channels"] == ["sms", "phone"]
    assert sorted(i["key"] for i in final["user"]["identities"]) == [
        f"phone:{number}",
        f"sms:{number}",
    ]
    assert [(m["channel"], m["role"], m["text"]) for m in final["messages"]] == [
        ("sms", "USER", "Order A-5501?"),
        ("phone", "USER", "Where is my order?"),
        ("phone", "AGENT", "It ships today."),
        ("phone", "AGENT", "One more thing..."),
    ]
    assert final["messages"][-2]["delivery"]["status"] == "SENT"
    assert final["messages"][-1]["delivery"]["status"] == "FAILED"  # the call ended first


def test_a_call_with_a_bad_signature_is_refused(webhook_server: str, uid: str) -> None:
    response = httpx.post(
        f"{webhook_server}/webhooks/phone",
        content=urlencode({"CallSid": f"CA{uid}", "From": "+14155550100", "To": OURS}),
        headers={
            "X-Twilio-Signature": "forged",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        timeout=30,
    )
    assert response.status_code in {401, 403}
