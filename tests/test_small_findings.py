"""Small findings of the reliability review, each pinned by a test that failed before its fix."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import SecretStr

from api.auth import _targets
from connectors._common import signing_secret
from connectors.base import WebhookError
from graph.config import Settings
from graph.domain.errors import BadInputError
from graph.domain.events import EventInput, validate_event
from tests.helpers.server import GraphQLClient

NOW = datetime(2026, 11, 28, tzinfo=UTC)


@pytest.mark.parametrize("key", ["bad\nkey", "tab\tkey", "nul\x00", "é", "", "x" * 65])
def test_event_attribute_keys_follow_the_attribute_key_rule(key: str) -> None:
    event = EventInput("e1", "web", "u1", attributes={key: 1})
    with pytest.raises(BadInputError, match="attributes"):
        validate_event(0, event, Settings().ingest_limits(), NOW)


def test_a_skew_limit_past_a_day_is_reported_in_full() -> None:
    settings = Settings(future_skew_seconds=2 * 86400)
    event = EventInput("e1", "web", "u1", text="x", occurred_at=NOW + timedelta(days=3))
    with pytest.raises(BadInputError, match="172800s in the future"):
        validate_event(0, event, settings.ingest_limits(), NOW)


def test_the_audit_names_channel_identity_targets() -> None:
    """Strawberry hands resolvers snake_case argument names."""
    found = _targets({"channel": "sms", "external_user_id": "+15550001"}, None)
    assert "sms:+15550001" in found
    found = _targets({"channel": "web", "external_id": "cookie-1"}, None)
    assert "web:cookie-1" in found


def test_a_webhook_without_its_secret_refuses_unless_insecure() -> None:
    with pytest.raises(WebhookError) as caught:
        signing_secret(None, insecure=False)
    assert caught.value.status == 403
    assert signing_secret(None, insecure=True) is None
    assert signing_secret(SecretStr("s"), insecure=False) == "s"


@pytest.mark.integration
@pytest.mark.parametrize(("last", "code"), [(100_000, "LIMIT_EXCEEDED"), (-1, "BAD_INPUT")])
def test_session_messages_refuses_what_context_refuses(
    gql: GraphQLClient, uid: str, last: int, code: str
) -> None:
    ingest = "mutation($e: [EventInput!]!) { ingestEvents(events: $e) { results { sessionId } } }"
    event = {"eventId": f"{uid}-1", "channel": "web", "externalUserId": uid, "text": "hi"}
    body: Any = gql(ingest, e=[event])
    session = body["data"]["ingestEvents"]["results"][0]["sessionId"]
    answer: Any = gql(
        "query($s: ID!, $n: Int!) { session(id: $s) { messages(last: $n) { seq } } }",
        s=session,
        n=last,
    )
    assert [e["extensions"]["code"] for e in answer["errors"]] == [code]
