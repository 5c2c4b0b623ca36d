"""Property-based fuzzing beyond the schema, against the real server: wrong types in every field
of each platform's payload, very long tokens, deep JSON and invalid UTF-8 — never a 5xx, never
an INTERNAL, and a valid request sent at the same moment is always stored."""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from neo4j import Driver

from connectors.platforms._signatures import hmac_hex
from tests.helpers.server import WEBHOOK_SECRETS

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def sign(channel: str, body: bytes) -> dict[str, str]:
    """The headers that make `body` a genuine request of the platform (as configured in tests)."""
    if channel == "web":
        return {"x-threadline-signature": "sha256=" + hmac_hex(WEBHOOK_SECRETS["web_secret"], body)}
    if channel in ("whatsapp", "messenger"):
        key = WEBHOOK_SECRETS[
            "whatsapp_app_secret" if channel == "whatsapp" else "messenger_app_secret"
        ]
        return {"x-hub-signature-256": "sha256=" + hmac_hex(key, body)}
    if channel == "slack":
        stamp = str(int(time.time()))
        base = b"v0:" + stamp.encode() + b":" + body
        return {
            "x-slack-request-timestamp": stamp,
            "x-slack-signature": "v0=" + hmac_hex(WEBHOOK_SECRETS["slack_signing_secret"], base),
        }
    token = WEBHOOK_SECRETS["email_token" if channel == "email" else "dialogflow_token"]
    return {"authorization": f"Bearer {token}"}


def post(
    url: str, channel: str, body: bytes, content_type: str = "application/json"
) -> httpx.Response:
    headers = sign(channel, body) | {"content-type": content_type}
    return httpx.post(f"{url}/webhooks/{channel}", content=body, headers=headers, timeout=30)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document a value sits."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


def replaced(document: Any, path: tuple[Any, ...], new: Any) -> Any:
    copy = json.loads(json.dumps(document))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return copy


WRONG = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.just("x" * 9000),
    st.just("🙂" * 5000),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.just([[[[[[[[[[{}]]]]]]]]]]),
)
PAYLOADS = {
    "whatsapp": json.loads((FIXTURES / "whatsapp" / "message_text.json").read_text()),
    "messenger": json.loads((FIXTURES / "messenger" / "text_message.json").read_text()),
    "dialogflow": json.loads(
        (FIXTURES / "dialogflow" / "es_messenger_integration.json").read_text()
    ),
    "web": {"id": "w1", "visitorId": "v1", "conversationId": "c1", "text": "hi"},
    "slack": {
        "type": "event_callback",
        "team_id": "T1",
        "event_id": "Ev1",
        "event": {"type": "message", "user": "U1", "channel": "C1", "text": "hi", "ts": "1.0"},
    },
}
CASES = [(channel, path) for channel, doc in PAYLOADS.items() for path in paths(doc)]


def valid_web(uid: str) -> bytes:
    return json.dumps(
        {"id": f"{uid}-ok", "visitorId": f"ok-{uid}", "text": "a valid message"}
    ).encode()


def stored(driver: Driver, uid: str) -> int:
    records, _, _ = driver.execute_query(
        "MATCH (m:Message {eventId: $id}) RETURN count(m) AS n", id=f"{uid}-ok"
    )
    return int(records[0]["n"])


def alongside(
    url: str, channel: str, body: bytes, content_type: str = "application/json"
) -> tuple[httpx.Response, httpx.Response, str]:
    """The fuzzed request and a valid web message, sent at the same moment."""
    uid = uuid.uuid4().hex[:12]
    with ThreadPoolExecutor(2) as pool:
        fuzzed = pool.submit(post, url, channel, body, content_type)
        valid = pool.submit(post, url, "web", valid_web(uid))
        return fuzzed.result(), valid.result(), uid


def check(driver: Driver, fuzzed: httpx.Response, valid: httpx.Response, uid: str) -> None:
    assert fuzzed.status_code < 500, fuzzed.text
    assert "INTERNAL" not in fuzzed.text
    assert valid.status_code == 200, valid.text
    assert stored(driver, uid) == 1


@FUZZ
@given(case=st.sampled_from(CASES), value=WRONG)
def test_a_wrong_type_anywhere_in_a_platform_payload_is_never_a_5xx(
    webhook_server: str, driver: Driver, case: tuple[str, tuple[Any, ...]], value: Any
) -> None:
    channel, path = case
    body = json.dumps(replaced(PAYLOADS[channel], path, value)).encode()
    check(driver, *alongside(webhook_server, channel, body))


@FUZZ
@given(
    channel=st.sampled_from(["web", "whatsapp", "messenger", "slack", "dialogflow"]),
    body=st.one_of(
        st.binary(max_size=200),  # invalid UTF-8 and anything else
        st.integers(min_value=1, max_value=100_000).map(lambda d: b"[" * d + b"]" * d),
        st.integers(min_value=1, max_value=100_000).map(lambda d: b'{"a":' * d + b"1" + b"}" * d),
    ),
)
def test_bytes_deep_json_and_invalid_utf8_are_never_a_5xx(
    webhook_server: str, driver: Driver, channel: str, body: bytes
) -> None:
    check(driver, *alongside(webhook_server, channel, body))


@FUZZ
@given(
    text=st.one_of(
        st.text(min_size=1), st.just("a" * 9000), st.just("https://x.example/" + "p" * 9000)
    )
)
def test_texts_with_very_long_tokens_are_stored(
    webhook_server: str, driver: Driver, text: str
) -> None:
    uid = uuid.uuid4().hex[:12]
    body = json.dumps({"id": f"{uid}-f", "visitorId": f"f-{uid}", "text": text}).encode()
    fuzzed, valid, ok = alongside(webhook_server, "web", body)
    check(driver, fuzzed, valid, ok)
    if text.strip():
        assert fuzzed.status_code == 200, fuzzed.text


@FUZZ
@given(body=st.binary(max_size=300))
def test_an_email_of_any_bytes_is_never_a_5xx(
    webhook_server: str, driver: Driver, body: bytes
) -> None:
    check(driver, *alongside(webhook_server, "email", body, "message/rfc822"))


@FUZZ
@given(
    variables=st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=30)),
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(st.text(max_size=8), children, max_size=3)
        ),
        max_leaves=12,
    )
)
def test_graphql_ingest_with_any_variables_is_coded(live_server: str, variables: Any) -> None:
    query = "mutation($e: [EventInput!]!) { ingestEvents(events: $e) { accepted } }"
    response = httpx.post(
        f"{live_server}/graphql", json={"query": query, "variables": {"e": variables}}, timeout=30
    )
    assert response.status_code < 500
    for error in response.json().get("errors") or []:
        assert error["extensions"]["code"] != "INTERNAL", error
