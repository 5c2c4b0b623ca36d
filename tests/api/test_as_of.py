"""Point-in-time reads (`asOf`) and the attribute change history, over real HTTP against the
real Neo4j: attributes before/after a change, a session before/after it closed, messages up to
then, a user before/after a merge and after its unmerge, typed errors, and erasure leaving no
history behind."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.helpers.server import GraphQLClient

pytestmark = pytest.mark.integration

INGEST = "mutation($e: [EventInput!]!) { ingestEvents(events: $e) { results { sessionId } } }"
SET_SESSION = (
    "mutation($s: ID!, $a: JSON!) { setSessionAttributes(sessionId: $s, attributes: $a) "
    "{ version } }"
)
SET_USER = (
    "mutation($u: ID!, $a: JSON!) { setUserAttributes(userId: $u, attributes: $a) { version } }"
)
OWNER = "query($s: ID!) { session(id: $s) { userId } }"
CLOSE = 'mutation($s: ID!) { closeSession(sessionId: $s, reason: "done") { status } }'
SESSION = """
query($s: ID!, $at: DateTime) {
  session(id: $s, asOf: $at) {
    status seq channels asOf closedAt version attributes userId
    messages(last: 10) { seq text }
    transitions { from to }
    attributeHistory { key value channel version writer recordedAt }
  }
}
"""
USER = """
query($u: ID!, $at: DateTime) {
  user(id: $u, asOf: $at) {
    id mergedIntoId asOf attributes identities { key }
    merges { id status }
    attributeHistory { key value ownerId }
  }
}
"""
CONTEXT = """
query($u: ID, $c: String, $e: String, $at: DateTime) {
  context(userId: $u, channel: $c, externalUserId: $e, asOf: $at) {
    session { id status seq attributes }
    user { id identities { key } attributes }
    messages { seq text }
    attributes
  }
}
"""


def data(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]
    return result


def error_code(body: dict[str, Any]) -> str:
    assert body.get("errors"), body
    return str(body["errors"][0]["extensions"]["code"])


def instant() -> str:
    """Now, between two writes: a little after the one before and before the one after."""
    time.sleep(0.05)
    at = datetime.now(UTC).isoformat()
    time.sleep(0.05)
    return at


def say(gql: GraphQLClient, uid: str, n: int, text: str, channel: str = "web") -> str:
    event = {
        "eventId": f"{uid}-{n}",
        "channel": channel,
        "externalUserId": f"{channel}-{uid}",
        "text": text,
    }
    return str(data(gql(INGEST, e=[event]))["ingestEvents"]["results"][0]["sessionId"])


def test_a_session_as_it_was_before_and_after_a_change_and_its_closing(
    gql: GraphQLClient, uid: str
) -> None:
    session = say(gql, uid, 1, "Hi, my parcel is late")
    data(gql(SET_SESSION, s=session, a={"tier": "silver"}))
    before_change = instant()
    data(gql(SET_SESSION, s=session, a={"tier": "gold"}))
    say(gql, uid, 2, "It is order A-1001")
    before_close = instant()
    data(
        gql(
            'mutation($s: ID!) { closeSession(sessionId: $s, reason: "done") { status } }',
            s=session,
        )
    )
    after_close = instant()

    then = data(gql(SESSION, s=session, at=before_change))["session"]
    assert then["attributes"] == {"tier": "silver"}
    assert then["status"] == "ACTIVE"
    assert then["closedAt"] is None
    assert [m["seq"] for m in then["messages"]] == [1]
    assert then["seq"] == 1
    assert then["asOf"] is not None
    assert [c["value"] for c in then["attributeHistory"]] == ["silver"]

    open_then = data(gql(SESSION, s=session, at=before_close))["session"]
    assert open_then["attributes"] == {"tier": "gold"}
    assert open_then["status"] == "ACTIVE"
    assert open_then["transitions"] == []
    assert [m["text"] for m in open_then["messages"]] == [
        "Hi, my parcel is late",
        "It is order A-1001",
    ]

    closed = data(gql(SESSION, s=session, at=after_close))["session"]
    assert closed["status"] == "CLOSED"
    assert closed["closedAt"] is not None
    assert closed["transitions"] == [{"from": "ACTIVE", "to": "CLOSED"}]

    now = data(gql(SESSION, s=session, at=None))["session"]
    assert now["asOf"] is None
    assert now["status"] == "CLOSED"
    history = now["attributeHistory"]
    assert [(c["key"], c["value"], c["version"]) for c in history] == [
        ("tier", "silver", 1),
        ("tier", "gold", 2),
    ]
    assert all(c["recordedAt"] for c in history)


def test_event_attributes_are_in_the_history_with_the_message_that_carried_them(
    gql: GraphQLClient, uid: str
) -> None:
    event = {
        "eventId": f"{uid}-a",
        "channel": "whatsapp",
        "externalUserId": f"wa-{uid}",
        "text": "I'm on the premium plan",
        "attributes": {"plan": "premium"},
    }
    session = data(gql(INGEST, e=[event]))["ingestEvents"]["results"][0]["sessionId"]
    query = (
        "query($s: ID!) { session(id: $s) { attributeHistory "
        "{ key value channel eventId messageId } messages { id } } }"
    )
    found = data(gql(query, s=session))["session"]
    [change] = found["attributeHistory"]
    assert change == {
        "key": "plan",
        "value": "premium",
        "channel": "whatsapp",
        "eventId": f"{uid}-a",
        "messageId": found["messages"][0]["id"],
    }


def test_a_user_before_and_after_a_merge_and_after_its_unmerge(
    gql: GraphQLClient, uid: str
) -> None:
    web_session = say(gql, uid, 1, "Hello from the web", "web")
    sms_session = say(gql, uid, 2, "Hello by text", "sms")
    owner = "query($s: ID!) { session(id: $s) { userId } }"
    web_user = data(gql(owner, s=web_session))["session"]["userId"]
    sms_user = data(gql(owner, s=sms_session))["session"]["userId"]
    data(gql(SET_USER, u=sms_user, a={"plan": "prepaid"}))
    before_merge = instant()
    merge = data(
        gql(
            "mutation($a: ID!, $b: ID!) { mergeUsers(sourceId: $a, targetId: $b) { id } }",
            a=sms_user,
            b=web_user,
        )
    )["mergeUsers"]["id"]
    while_merged = instant()
    data(gql("mutation($m: ID!) { unmergeUser(mergeId: $m) { status } }", m=merge))
    after_unmerge = instant()

    before = data(gql(USER, u=web_user, at=before_merge))["user"]
    assert before["attributes"] == {}
    assert [i["key"] for i in before["identities"]] == [f"web:web-{uid}"]
    assert before["merges"] == []

    merged = data(gql(USER, u=web_user, at=while_merged))["user"]
    assert merged["attributes"] == {"plan": "prepaid"}  # the merge applies then...
    assert sorted(i["key"] for i in merged["identities"]) == [f"sms:sms-{uid}", f"web:web-{uid}"]
    assert merged["merges"] == [{"id": merge, "status": "ACTIVE"}]  # ...reverted only later
    assert [c["ownerId"] for c in merged["attributeHistory"]] == [sms_user]
    source = data(gql(USER, u=sms_user, at=while_merged))["user"]
    assert source["mergedIntoId"] == web_user
    assert source["identities"] == []

    after = data(gql(USER, u=web_user, at=after_unmerge))["user"]
    assert after["attributes"] == {}
    assert after["mergedIntoId"] is None
    assert [m["status"] for m in after["merges"]] == ["REVERTED"]
    assert data(gql(USER, u=sms_user, at=after_unmerge))["user"]["mergedIntoId"] is None

    # context by the SMS identity while merged: the web user's session was the current one then
    during = data(gql(CONTEXT, c="sms", e=f"sms-{uid}", at=while_merged))["context"]
    assert during["user"]["id"] == web_user
    assert during["user"]["attributes"] == {"plan": "prepaid"}
    assert during["session"]["id"] in {web_session, sms_session}
    later = data(gql(CONTEXT, c="sms", e=f"sms-{uid}", at=after_unmerge))["context"]
    assert later["user"]["id"] == sms_user
    assert later["session"]["id"] == sms_session


def test_context_as_of_shows_messages_and_attributes_then(gql: GraphQLClient, uid: str) -> None:
    session = say(gql, uid, 1, "My order A-2002 is missing")
    data(gql(SET_SESSION, s=session, a={"priority": "normal"}))
    user = data(gql("query($s: ID!) { session(id: $s) { userId } }", s=session))["session"][
        "userId"
    ]
    then = instant()
    say(gql, uid, 2, "Still nothing, this is getting ridiculous")
    data(gql(SET_SESSION, s=session, a={"priority": "high"}))

    past = data(gql(CONTEXT, u=user, at=then))["context"]
    assert [m["text"] for m in past["messages"]] == ["My order A-2002 is missing"]
    assert past["attributes"] == {"priority": "normal"}
    assert past["session"] == {
        "id": session,
        "status": "ACTIVE",
        "seq": 1,
        "attributes": {"priority": "normal"},
    }
    present = data(gql(CONTEXT, u=user, at=None))["context"]
    assert len(present["messages"]) == 2
    assert present["attributes"] == {"priority": "high"}


def test_bad_as_of_values_are_typed_errors(gql: GraphQLClient, uid: str) -> None:
    session = say(gql, uid, 1, "hello")
    user = data(gql("query($s: ID!) { session(id: $s) { userId } }", s=session))["session"][
        "userId"
    ]
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    long_ago = "2001-01-01T00:00:00Z"
    assert error_code(gql(USER, u=user, at=future)) == "BAD_INPUT"
    assert error_code(gql(SESSION, s=session, at=future)) == "BAD_INPUT"
    assert error_code(gql(CONTEXT, u=user, at=future)) == "BAD_INPUT"
    assert error_code(gql(USER, u=user, at=long_ago)) == "NOT_FOUND"
    assert error_code(gql(SESSION, s=session, at=long_ago)) == "NOT_FOUND"
    assert error_code(gql(CONTEXT, u=user, at=long_ago)) == "NOT_FOUND"
    assert data(gql(SESSION, s=f"ses_missing{uid}", at=long_ago))["session"] is None


def test_erasure_leaves_no_attribute_history(gql: GraphQLClient, uid: str, driver: Any) -> None:
    session = say(gql, uid, 1, "please forget me")
    user = data(gql("query($s: ID!) { session(id: $s) { userId } }", s=session))["session"][
        "userId"
    ]
    data(gql(SET_SESSION, s=session, a={"mood": "tired"}))
    data(gql(SET_USER, u=user, a={"vip": True}))
    data(gql("mutation($u: ID!) { eraseUser(userId: $u) }", u=user))
    with driver.session() as neo:
        left = neo.run(
            "MATCH (c:AttributeChange) WHERE c.owner IN $owners RETURN count(c) AS n",
            owners=[f"session:{session}", f"user:{user}"],
        ).single()
    assert left is not None
    assert left["n"] == 0


def test_context_as_of_picks_the_session_that_was_current_then(
    gql: GraphQLClient, uid: str
) -> None:
    first = say(gql, uid, 1, "first conversation")
    user = data(gql(OWNER, s=first))["session"]["userId"]
    data(gql(CLOSE, s=first))
    between = instant()
    second = say(gql, uid, 2, "a new conversation")
    assert second != first
    then = data(gql(CONTEXT, u=user, at=between))["context"]
    assert then["session"]["id"] == first
    assert then["session"]["status"] == "CLOSED"
    by_identity = data(gql(CONTEXT, c="web", e=f"web-{uid}", at=between))["context"]
    assert by_identity["session"]["id"] == first
    assert data(gql(CONTEXT, u=user, at=None))["context"]["session"]["id"] == second
