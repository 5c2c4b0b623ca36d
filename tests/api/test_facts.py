"""`User.facts` over real HTTP against the real Neo4j: a correction on another channel
supersedes a fact, a mention about someone else never becomes one, order ids accumulate,
attributes are facts with their history, asOf shows the facts then, an unmerge takes facts
away with the user, analysts see them masked, and unknown types are typed errors."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from graph.config import Settings
from graph.domain.callers import CallerRole
from tests.helpers.server import GraphQLClient, make_key

pytestmark = pytest.mark.integration

INGEST = "mutation($e: [EventInput!]!) { ingestEvents(events: $e) { results { sessionId } } }"
FACTS = """
query($u: ID!, $types: [String!], $at: DateTime) {
  user(id: $u, asOf: $at) {
    facts(types: $types) {
      key type value at channel mentions
      source { kind id seq sessionId version writer }
      superseded { value at channel }
    }
  }
}
"""
OWNER = "query($s: ID!) { session(id: $s) { userId } }"


def data(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]
    return result


def say(gql: GraphQLClient, event_id: str, channel: str, who: str, text: str) -> str:
    event = {"eventId": event_id, "channel": channel, "externalUserId": who, "text": text}
    return str(data(gql(INGEST, e=[event]))["ingestEvents"]["results"][0]["sessionId"])


def facts(gql: GraphQLClient, user: str, **variables: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = data(gql(FACTS, u=user, **variables))["user"]["facts"]
    return found


@pytest.fixture
def person(gql: GraphQLClient, uid: str) -> dict[str, str]:
    """One person on the web and (linked) on WhatsApp, who corrects their email there."""
    web = say(gql, f"{uid}-1", "web", f"web-{uid}", f"Hi, my email is jo.{uid}@old.example")
    user = data(gql(OWNER, s=web))["session"]["userId"]
    link = (
        'mutation($u: ID!, $e: String!) { linkIdentity(userId: $u, channel: "whatsapp", '
        "externalId: $e) { id } }"
    )
    data(gql(link, u=user, e=f"wa-{uid}"))
    say(gql, f"{uid}-2", "web", f"web-{uid}", f"My wife's email is ann.{uid}@example.com")
    say(gql, f"{uid}-3", "web", f"web-{uid}", "Where is order A-55501? And order A-55502?")
    time.sleep(0.05)
    before = datetime.now(UTC).isoformat()
    time.sleep(0.05)
    say(gql, f"{uid}-4", "whatsapp", f"wa-{uid}", f"Sorry, my new email is jo.{uid}@new.example")
    return {"user": user, "before": before}


def test_a_correction_on_another_channel_supersedes_the_fact(
    gql: GraphQLClient, uid: str, person: dict[str, str]
) -> None:
    [email] = facts(gql, person["user"], types=["EMAIL"])
    assert email["value"] == f"jo.{uid}@new.example"
    assert email["channel"] == "whatsapp"
    assert email["source"]["kind"] == "MESSAGE"
    assert email["source"]["id"].startswith("msg_")
    assert [(v["value"], v["channel"]) for v in email["superseded"]] == [
        (f"jo.{uid}@old.example", "web")
    ]
    # the wife's address is nowhere among the person's facts
    assert all(f"ann.{uid}" not in str(f["value"]) for f in facts(gql, person["user"]))


def test_as_of_before_the_correction_shows_the_old_value(
    gql: GraphQLClient, uid: str, person: dict[str, str]
) -> None:
    [email] = facts(gql, person["user"], types=["EMAIL"], at=person["before"])
    assert email["value"] == f"jo.{uid}@old.example"
    assert email["superseded"] == []


def test_order_ids_accumulate(gql: GraphQLClient, person: dict[str, str]) -> None:
    orders = facts(gql, person["user"], types=["ORDER_ID"])
    assert sorted(o["value"] for o in orders) == ["A55501", "A55502"]
    assert all(o["superseded"] == [] for o in orders)


def test_attributes_are_facts_with_their_history(gql: GraphQLClient, uid: str) -> None:
    session = say(gql, f"{uid}-a", "web", f"web-{uid}", "hello")
    user = data(gql(OWNER, s=session))["session"]["userId"]
    write = (
        "mutation($u: ID!, $a: JSON!, $c: String) { setUserAttributes(userId: $u, attributes: $a,"
        " options: {channel: $c}) { version } }"
    )
    data(gql(write, u=user, a={"plan": "basic"}, c="web"))
    data(gql(write, u=user, a={"plan": "premium"}, c="mobile"))
    [plan] = facts(gql, user, types=["ATTRIBUTE"])
    assert (plan["key"], plan["type"], plan["value"], plan["channel"]) == (
        "plan",
        "ATTRIBUTE",
        "premium",
        "mobile",
    )
    assert plan["source"]["kind"] == "ATTRIBUTE"
    assert plan["source"]["version"] == 2
    assert [v["value"] for v in plan["superseded"]] == ["basic"]


def test_an_unmerged_users_facts_leave_the_survivor(gql: GraphQLClient, uid: str) -> None:
    web = say(gql, f"{uid}-w", "web", f"web-{uid}", "hello from the web")
    sms = say(gql, f"{uid}-s", "sms", f"sms-{uid}", f"my email is sam.{uid}@example.com")
    survivor = data(gql(OWNER, s=web))["session"]["userId"]
    source = data(gql(OWNER, s=sms))["session"]["userId"]
    merge = data(
        gql(
            "mutation($a: ID!, $b: ID!) { mergeUsers(sourceId: $a, targetId: $b) { id } }",
            a=source,
            b=survivor,
        )
    )["mergeUsers"]["id"]
    assert [f["value"] for f in facts(gql, survivor, types=["EMAIL"])] == [f"sam.{uid}@example.com"]
    data(gql("mutation($m: ID!) { unmergeUser(mergeId: $m) { status } }", m=merge))
    assert facts(gql, survivor, types=["EMAIL"]) == []
    assert [f["value"] for f in facts(gql, source, types=["EMAIL"])] == [f"sam.{uid}@example.com"]


def test_unknown_types_are_bad_input(gql: GraphQLClient, person: dict[str, str]) -> None:
    body: Any = gql(FACTS, u=person["user"], types=["SHOE_SIZE"])
    assert body["errors"][0]["extensions"]["code"] == "BAD_INPUT"


def test_analysts_see_facts_masked(
    live_server: str, settings: Settings, uid: str, person: dict[str, str]
) -> None:
    _, token = make_key(settings, CallerRole.ANALYST)
    response = httpx.post(
        f"{live_server}/graphql",
        json={"query": FACTS, "variables": {"u": person["user"], "types": ["EMAIL", "ORDER_ID"]}},
        headers={"authorization": f"Bearer {token}"},
        timeout=30,
    )
    found = data(response.json())["user"]["facts"]
    email = next(f for f in found if f["type"] == "EMAIL")
    assert email["value"] == "j***@new.example"
    assert email["superseded"][0]["value"] == "j***@old.example"
    assert {f["value"] for f in found if f["type"] == "ORDER_ID"} == {"A55501", "A55502"}
