"""Triggers end to end: the real server with a rule file, a local webhook receiver, the real
Neo4j. Each condition and action; fires once per condition change; a receiver down for a while
still gets the webhook once (retries, idempotency key); a refusing one ends in the dead-letter
list; replays set off nothing."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from collections.abc import Iterator
from typing import Any

import pytest

from graph.config import Settings
from tests.helpers.fake_platforms import FakePlatforms, fake_platforms, wait_until
from tests.helpers.server import data_of as data
from tests.helpers.server import post_graphql as gql
from tests.helpers.server import serve

pytestmark = pytest.mark.integration

SECRET_ENV = "THREADLINE_TEST_TRIGGER_SECRET"
INGEST = "mutation($e: [EventInput!]!) { ingestEvents(events: $e) { results { sessionId } } }"
SET = "mutation($s: ID!, $a: JSON!) { setSessionAttributes(sessionId: $s, attributes: $a) { id } }"
FIRINGS = """
query($s: ID!) { session(id: $s) {
  handlerId attributes triggers { rule actions outcomes webhooks }
} }
"""


@pytest.fixture(scope="module")
def receiver() -> Iterator[FakePlatforms]:
    with fake_platforms() as fake:
        fake.scripts["/hooks/vip"] = [(200, {"ok": True})]
        fake.scripts["/hooks/switch"] = [(503, {}), (503, {}), (200, {"ok": True})]
        fake.scripts["/hooks/refuse"] = [(400, {"error": "unknown"})]
        yield fake


@pytest.fixture(scope="module")
def server(
    settings: Settings, receiver: FakePlatforms, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    rules = {
        "triggers": [
            {
                "name": "vip",
                "when": {"attributes": {"vip": True, "watched": True}},
                "then": [
                    {"webhook": {"url": f"{receiver.url}/hooks/vip", "secretEnv": SECRET_ENV}}
                ],
            },
            {
                "name": "vip-refund",
                "when": {"attributes": {"vip": True, "watched": True}, "intent": "refund"},
                "then": [{"handoff": {"agentId": "supervisors", "reason": "VIP wants a refund"}}],
            },
            {
                "name": "angry",
                "when": {"sentimentBelow": -0.3, "attributes": {"watched": True}},
                "then": [{"setFlag": {"name": "angry"}}],
            },
            {
                "name": "falling",
                "when": {"sentimentFalling": True, "attributes": {"watched": True}},
                "then": [{"webhook": {"url": f"{receiver.url}/hooks/refuse"}}],
            },
            {
                "name": "order",
                "when": {"entityType": "ORDER_ID", "attributes": {"watched": True}},
                "then": [{"setFlag": {"name": "hasOrder"}}],
            },
            {
                "name": "switch",
                "when": {"channelSwitch": True, "attributes": {"watched": True}},
                "then": [{"webhook": {"url": f"{receiver.url}/hooks/switch"}}],
            },
            {
                "name": "no-reply",
                "when": {"noReplyMinutes": 0.02, "attributes": {"watched": True}},
                "then": [{"setFlag": {"name": "waiting", "value": "yes"}}],
            },
        ]
    }
    path = tmp_path_factory.mktemp("triggers") / "rules.json"
    path.write_text(json.dumps(rules))
    os.environ[SECRET_ENV] = "hook-secret"
    configured = settings.model_copy(update={"triggers": path, "trigger_interval_seconds": 0.5})
    with serve(configured) as url:
        data(gql(url, 'mutation { upsertAgent(id: "supervisors", kind: "HUMAN") { id } }'))
        yield url
    os.environ.pop(SECRET_ENV, None)


def say(url: str, uid: str, n: int, text: str, channel: str = "web", **extra: Any) -> str:
    """One message; its session is `watched` (the rules only look at the tests' own sessions:
    the sweep evaluates every open session in the shared database)."""
    event = {
        "eventId": f"{uid}-{n}",
        "channel": channel,
        "externalUserId": f"{channel}-{uid}",
        "attributes": {"watched": True},
        "text": text,
    } | extra
    return str(data(gql(url, INGEST, e=[event]))["ingestEvents"]["results"][0]["sessionId"])


def firings(url: str, session: str) -> dict[str, Any]:
    found: dict[str, Any] = data(gql(url, FIRINGS, s=session))["session"]
    return found


def rules_fired(url: str, session: str) -> list[str]:
    return sorted(f["rule"] for f in firings(url, session)["triggers"])


def test_fires_once_per_condition_change_with_a_signed_webhook(
    server: str, receiver: FakePlatforms, uid: str
) -> None:
    session = say(server, uid, 1, "hello")
    data(gql(server, SET, s=session, a={"vip": True}))
    [hook] = receiver.wait_for("/hooks/vip")
    body = json.loads(hook.body)
    assert body["trigger"] == "vip"
    assert body["sessionId"] == session
    assert hook.headers["idempotency-key"].startswith("whd_")
    expected = "sha256=" + hmac.new(b"hook-secret", hook.body, hashlib.sha256).hexdigest()
    assert hook.headers["x-threadline-signature"] == expected
    data(gql(server, SET, s=session, a={"vip": True, "note": "still vip"}))  # still holds
    time.sleep(1.2)  # a sweep or two
    assert rules_fired(server, session).count("vip") == 1
    data(gql(server, SET, s=session, a={"vip": False}))
    time.sleep(2)  # evaluated after commit and by the next sweeps: the rule stops holding
    data(gql(server, SET, s=session, a={"vip": True}))
    wait_until(lambda: rules_fired(server, session).count("vip") == 2)
    wait_until(
        lambda: len([r for r in receiver.to("/hooks/vip") if session in r.body.decode()]) == 2
    )


def test_conditions_and_actions(server: str, uid: str) -> None:
    session = say(server, uid, 1, "Hi, order A-778812 please")
    wait_until(lambda: "order" in rules_fired(server, session))
    data(gql(server, SET, s=session, a={"vip": True}))
    say(server, uid, 2, "This is terrible, I hate it, I want a refund now!")
    wait_until(lambda: {"vip-refund", "angry"} <= set(rules_fired(server, session)))
    state = firings(server, session)
    assert state["handlerId"] == "supervisors"
    assert state["attributes"]["angry"] is True
    assert state["attributes"]["hasOrder"] is True
    # nobody answered: the sweep finds the time-based rule
    wait_until(lambda: "no-reply" in rules_fired(server, session), timeout=30)
    assert firings(server, session)["attributes"]["waiting"] == "yes"
    [refund] = [f for f in firings(server, session)["triggers"] if f["rule"] == "vip-refund"]
    assert refund["outcomes"] == ["handoff supervisors: done"]


def test_a_receiver_down_for_a_while_gets_the_webhook_once(
    server: str, receiver: FakePlatforms, uid: str
) -> None:
    session = say(server, uid, 1, "on the web", "web")
    say(server, uid, 3, "now by SMS", "sms", sessionId=session)
    hooks = wait_until(
        lambda: (
            found
            if len(found := [r for r in receiver.to("/hooks/switch") if session in r.body.decode()])
            >= 3
            else None
        ),
        timeout=20,
    )
    assert len({r.headers["idempotency-key"] for r in hooks}) == 1  # one delivery, retried
    assert len(hooks) == 3  # two refusals while down, then delivered: no more
    time.sleep(1.5)
    assert len([r for r in receiver.to("/hooks/switch") if session in r.body.decode()]) == 3
    [switch] = [f for f in firings(server, session)["triggers"] if f["rule"] == "switch"]
    assert switch["webhooks"][0]["status"] == "DELIVERED"


def test_a_refusing_receiver_ends_in_the_dead_letter_list(server: str, uid: str) -> None:
    session = say(server, uid, 1, "I love this, wonderful, great service!")
    say(server, uid, 2, "Hmm, it is not great.")
    say(server, uid, 3, "Actually this is awful and I am angry, terrible!")
    wait_until(lambda: "falling" in rules_fired(server, session))
    dead = wait_until(
        lambda: [
            d
            for d in data(gql(server, "{ triggerDeadLetters }"))["triggerDeadLetters"]
            if d["sessionId"] == session
        ]
    )
    assert dead[0]["rule"] == "falling"
    assert "HTTP 400" in dead[0]["error"]


def test_replays_set_off_nothing(server: str, uid: str) -> None:
    session = say(server, uid, 1, "my order A-991234 is late")
    wait_until(lambda: "order" in rules_fired(server, session))
    for _ in range(3):
        say(server, uid, 1, "my order A-991234 is late")  # the same event again
    time.sleep(1.2)
    # (the time-based no-reply rule may fire meanwhile: nobody answered — that is not a replay)
    assert rules_fired(server, session).count("order") == 1
    audit = data(
        gql(
            server,
            '{ auditEvents(filter: {operation: "trigger.order", limit: 5}) '
            "{ operation outcome subject } }",
        )
    )["auditEvents"]
    assert {"operation": "trigger.order", "outcome": "OK", "subject": "system"} in audit
