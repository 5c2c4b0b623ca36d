"""PII masking: the same queries, clear for an agent and masked for an analyst."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from graph.config import Settings
from graph.domain.callers import CallerRole
from graph.domain.masking import (
    mask_attribute_values,
    mask_cause,
    mask_email,
    mask_identifier,
    mask_identity_key,
    mask_phone,
)
from tests.helpers.server import data_of, graphql_as, make_key

pytestmark = pytest.mark.integration


def test_masks_keep_shape_but_not_identity() -> None:
    assert mask_email("jane.doe@example.com") == "j***@example.com"
    assert mask_phone("+441234567123") == "+44*******123"
    assert mask_phone("+44 1234 567123") == "+44*******123"
    assert mask_identifier("cookie-4242") == "co***42"
    assert mask_identifier("abc") == "***"
    assert mask_identity_key("whatsapp:+15551234567") == "whatsapp:+15******567"
    assert mask_identity_key("email:jane@example.com") == "email:j***@example.com"


def post(url: str, token: str, query: str, **variables: Any) -> dict[str, Any]:
    return data_of(graphql_as(url, token, query, **variables))


def test_analyst_sees_masked_pii_agent_sees_it_clear(
    live_server: str, settings: Settings, uid: str
) -> None:
    phone = "+1555" + str(int(uid, 16))[:7]
    _, agent = make_key(settings, CallerRole.AGENT)
    _, analyst = make_key(settings, CallerRole.ANALYST)
    text = f"Mail me at jane.{uid}@example.com or call +44 20 7946 0958 about order A-12345"
    post(
        live_server,
        make_key(settings, CallerRole.CONNECTOR)[1],
        "mutation($e: [EventInput!]!) { ingestEvents(events: $e) { accepted } }",
        e=[
            {
                "eventId": f"{uid}-1",
                "channel": "whatsapp",
                "externalUserId": phone,
                "text": text,
                "metadata": {"profileName": "Jane"},
            }
        ],
    )
    fields = (
        " user { id identities { key externalId } }"
        " messages { text metadata entities { key type value text } }"
        " entities { key type value } } }"
    )
    by_identity = "query($c: String!, $e: String!) { context(channel: $c, externalUserId: $e) {"
    clear = post(live_server, agent, by_identity + fields, c="whatsapp", e=phone)["context"]
    by_user = "query($u: ID!) { context(userId: $u) {"
    masked = post(live_server, analyst, by_user + fields, u=clear["user"]["id"])["context"]

    assert clear["messages"][0]["text"] == text
    assert clear["messages"][0]["metadata"] == {"profileName": "Jane"}
    assert masked["messages"][0]["text"] == "[redacted]"
    assert masked["messages"][0]["metadata"] is None
    assert clear["user"]["identities"][0]["externalId"] == phone
    assert masked["user"]["identities"][0]["externalId"] == f"+15******{phone[-3:]}"
    assert masked["user"]["identities"][0]["key"] == f"whatsapp:+15******{phone[-3:]}"
    by_type = {e["type"]: e for e in masked["entities"]}
    assert by_type["EMAIL"]["value"] == "j***@example.com"
    assert by_type["EMAIL"]["key"] == "EMAIL:j***@example.com"
    assert by_type["PHONE"]["value"].startswith("+44")
    assert "7946" not in by_type["PHONE"]["value"]
    assert by_type["ORDER_ID"]["value"] == "A12345"  # not personal data: unchanged
    mentions = {m["type"]: m for m in masked["messages"][0]["entities"]}
    assert mentions["EMAIL"]["text"] == "j***@example.com"
    assert phone not in str(masked)
    assert f"jane.{uid}" not in str(masked)


def test_analytics_over_graphql_mask_personal_entities_for_analysts(
    live_server: str, settings: Settings, uid: str
) -> None:
    _, analyst = make_key(settings, CallerRole.ANALYST)
    _, admin = make_key(settings, CallerRole.ADMIN)
    email = f"ana.{uid}@example.com"
    at = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=int(uid, 16) % 31_000_000)
    post(
        live_server,
        admin,
        "mutation($e: [EventInput!]!) { ingestEvents(events: $e) { accepted } }",
        e=[
            {
                "eventId": f"{uid}-a",
                "channel": "web",
                "externalUserId": uid,
                "text": f"me: {email}",
                "occurredAt": at.isoformat(),
            }
        ],
    )
    query = (
        'query($p: JSON) { analytics(name: "top_entities", params: $p) { columns rows truncated } }'
    )
    # a one-second window of this test's own: the rows do not depend on what else is stored
    until = (at + timedelta(seconds=1)).isoformat()
    params = {"since": at.isoformat(), "until": until, "limit": 100}
    clear = post(live_server, admin, query, p=params)["analytics"]
    masked = post(live_server, analyst, query, p=params)["analytics"]
    assert clear["columns"] == ["key", "type", "value", "mentions", "sessions", "channels"]
    assert [email] == [row[2] for row in clear["rows"] if row[2] == email]
    assert email not in str(masked["rows"])
    assert "EMAIL:a***@example.com" in [row[0] for row in masked["rows"]]
    catalog = post(live_server, analyst, "{ analyticsCatalog { name parameters { name type } } }")
    names = {a["name"] for a in catalog["analyticsCatalog"]}
    assert "repeat_rate" in names


def test_analysts_see_attributes_reasons_and_evidence_masked(
    live_server: str, settings: Settings, uid: str
) -> None:
    """Every free-text or attribute field an agent can fill with personal data."""
    _, agent = make_key(settings, CallerRole.AGENT)
    _, analyst = make_key(settings, CallerRole.ANALYST)
    _, admin = make_key(settings, CallerRole.ADMIN)
    secret = f"Jane Roe {uid}"
    ingest = "mutation($e: [EventInput!]!) { ingestEvents(events: $e) { results { sessionId } } }"
    events = [
        {"eventId": f"{uid}-w", "channel": "web", "externalUserId": f"w{uid}", "text": "hi"},
        {"eventId": f"{uid}-s", "channel": "sms", "externalUserId": f"s{uid}", "text": "hi"},
    ]
    results = post(live_server, admin, ingest, e=events)["ingestEvents"]["results"]
    web_session, sms_session = results[0]["sessionId"], results[1]["sessionId"]
    post(live_server, admin, 'mutation { upsertAgent(id: "pii-human", kind: "HUMAN") { id } }')
    post(
        live_server,
        agent,
        "mutation($s: ID!, $r: String!) { setSessionAttributes(sessionId: $s, "
        'attributes: {name: $r, plan: "gold"}) { id } '
        'handoff(sessionId: $s, agentId: "pii-human", reason: $r) { id } }',
        s=web_session,
        r=secret,
    )
    post(
        live_server,
        agent,
        "mutation($s: ID!, $r: String!) { closeSession(sessionId: $s, reason: $r) { id } }",
        s=web_session,
        r=secret,
    )
    users = post(
        live_server,
        agent,
        "query($a: ID!, $b: ID!) { a: session(id: $a) { userId } b: session(id: $b) { userId } }",
        a=web_session,
        b=sms_session,
    )
    target, source = users["a"]["userId"], users["b"]["userId"]
    post(
        live_server,
        agent,
        "mutation($s: ID!, $t: ID!, $r: String!) { mergeUsers(sourceId: $s, targetId: $t, "
        "evidence: $r) { id } }",
        s=source,
        t=target,
        r=secret,
    )
    query = (
        "query($s: ID!, $u: ID!) {"
        " session(id: $s) { attributes handoffs { reason } transitions { cause } }"
        " user(id: $u) { attributes merges { evidence identities } identities { evidence } }"
        " context(sessionId: $s) { attributes } }"
    )
    clear = post(live_server, agent, query, s=web_session, u=target)
    masked = post(live_server, analyst, query, s=web_session, u=target)
    assert secret in str(clear)
    assert secret not in str(masked)
    assert masked["session"]["attributes"] == {"name": "[redacted]", "plan": "[redacted]"}
    assert masked["session"]["handoffs"] == [{"reason": "[redacted]"}]
    assert masked["session"]["transitions"] == [{"cause": "[redacted]"}]
    assert masked["user"]["merges"][0]["evidence"] == "[redacted]"
    assert f"s{uid}" not in str(masked)


def test_analysts_cannot_look_people_up_by_channel_identity(
    live_server: str, settings: Settings, uid: str
) -> None:
    _, analyst = make_key(settings, CallerRole.ANALYST)
    query = f'{{ context(channel: "sms", externalUserId: "+1555{uid[:7]}") {{ channels }} }}'
    response = httpx.post(
        f"{live_server}/graphql",
        json={"query": query},
        headers={"authorization": f"Bearer {analyst}"},
        timeout=30,
    )
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["FORBIDDEN"]


def test_lifecycle_causes_stay_readable_for_analysts() -> None:
    assert mask_cause("inactivity timeout") == "inactivity timeout"
    assert mask_cause("idle timeout (voice timers)") == "idle timeout (voice timers)"
    assert mask_cause("customer Jane asked to stop") == "[redacted]"
    assert mask_attribute_values({"email": "a@b.c", "n": 3}) == {
        "email": "[redacted]",
        "n": "[redacted]",
    }
