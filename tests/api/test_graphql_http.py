"""The API over real HTTP (uvicorn on loopback) against the real Neo4j."""

from __future__ import annotations

import gc
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from neo4j import Driver

from tests.helpers.server import GraphQLClient

pytestmark = pytest.mark.integration

INGEST = """
mutation Ingest($events: [EventInput!]!) {
  ingestEvents(events: $events) {
    accepted duplicates
    results { eventId sessionId messageId seq duplicate }
  }
}
"""

CONTEXT = """
query Context($userId: ID, $sessionId: ID, $channel: String, $externalUserId: String, $last: Int) {
  context(userId: $userId, sessionId: $sessionId, channel: $channel,
          externalUserId: $externalUserId, lastMessages: $last) {
    user { id identities { channel externalId } }
    session { id status seq channels }
    messages { seq channel role text eventId }
    channels attributes entities { key } sentiment
  }
}
"""


def data(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]
    return result


def error_of(body: dict[str, Any]) -> dict[str, Any]:
    assert body.get("errors"), body
    first: dict[str, Any] = body["errors"][0]
    return first


def test_web_conversation_continues_in_the_mobile_app(gql: GraphQLClient, uid: str) -> None:
    web = data(
        gql(
            INGEST,
            events=[
                {
                    "eventId": f"{uid}-w1",
                    "channel": "web",
                    "externalUserId": f"cookie-{uid}",
                    "threadId": f"widget-{uid}",
                    "text": "Where is my order A-1001?",
                },
                {
                    "eventId": f"{uid}-w2",
                    "channel": "web",
                    "externalUserId": f"cookie-{uid}",
                    "threadId": f"widget-{uid}",
                    "role": "BOT",
                    "text": "It ships tomorrow.",
                },
            ],
        )
    )["ingestEvents"]
    session_id = web["results"][0]["sessionId"]
    assert [r["seq"] for r in web["results"]] == [1, 2]

    app = data(
        gql(
            INGEST,
            events=[
                {
                    "eventId": f"{uid}-m1",
                    "channel": "mobile",
                    "externalUserId": f"acct-{uid}",
                    "sessionId": session_id,
                    "text": "Logged in on the app: can I change the address?",
                    "occurredAt": "2026-01-01T10:00:00+01:00",
                    "metadata": {"os": "ios"},
                },
            ],
        )
    )["ingestEvents"]
    assert app["results"][0]["sessionId"] == session_id
    assert app["results"][0]["seq"] == 3

    context = data(gql(CONTEXT, channel="mobile", externalUserId=f"acct-{uid}"))["context"]
    assert context["session"]["id"] == session_id
    assert [(m["seq"], m["channel"], m["role"]) for m in context["messages"]] == [
        (1, "web", "USER"),
        (2, "web", "BOT"),
        (3, "mobile", "USER"),
    ]
    assert context["channels"] == ["web", "mobile"]
    assert sorted(i["channel"] for i in context["user"]["identities"]) == ["mobile", "web"]
    by_user = data(gql(CONTEXT, userId=context["user"]["id"], last=1))["context"]
    assert [m["eventId"] for m in by_user["messages"]] == [f"{uid}-m1"]


def test_replayed_event_over_http_is_reported_as_duplicate(gql: GraphQLClient, uid: str) -> None:
    event = {
        "eventId": f"{uid}-1",
        "channel": "sms",
        "externalUserId": f"+1555{uid}",
        "text": "hello",
    }
    first = data(gql(INGEST, events=[event]))["ingestEvents"]
    again = data(gql(INGEST, events=[event]))["ingestEvents"]
    assert (again["accepted"], again["duplicates"]) == (0, 1)
    assert again["results"][0] == {**first["results"][0], "duplicate": True}


def test_bad_batch_gets_bad_input_with_index_and_nothing_is_written(
    gql: GraphQLClient, driver: Driver, uid: str
) -> None:
    body = gql(
        INGEST,
        events=[
            {"eventId": f"{uid}-1", "channel": "web", "externalUserId": uid, "text": "ok"},
            {"eventId": f"{uid}-2", "channel": "web", "externalUserId": uid, "text": "x" * 20000},
        ],
    )
    error = error_of(body)
    assert error["extensions"] == {"code": "BAD_INPUT", "index": 1, "field": "text"}
    assert body["data"] is None
    found, _, _ = driver.execute_query(
        "MATCH (n) WHERE n.eventId STARTS WITH $uid OR n.key = $key RETURN count(n) AS n",
        uid=uid,
        key=f"web:{uid}",
    )
    assert found[0]["n"] == 0


def test_error_codes_for_unknown_session_malformed_query_and_limits(
    gql: GraphQLClient, uid: str
) -> None:
    missing = gql(
        INGEST,
        events=[
            {
                "eventId": f"{uid}-1",
                "channel": "web",
                "externalUserId": uid,
                "sessionId": "nope",
                "text": "hi",
            }
        ],
    )
    assert error_of(missing)["extensions"]["code"] == "NOT_FOUND"
    wrong_type = gql(INGEST, events=[{"eventId": f"{uid}-2", "channel": "web"}])
    assert error_of(wrong_type)["extensions"]["code"] == "BAD_INPUT"
    too_many = gql(CONTEXT, userId="u", last=100000)
    assert error_of(too_many)["extensions"]["code"] == "LIMIT_EXCEEDED"
    ambiguous = gql(CONTEXT, userId="u", sessionId="s")
    assert error_of(ambiguous)["extensions"]["code"] == "BAD_INPUT"
    batch = [{"eventId": f"{uid}-{i}", "channel": "web", "externalUserId": uid} for i in range(501)]
    assert error_of(gql(INGEST, events=batch))["extensions"]["code"] == "LIMIT_EXCEEDED"


def test_session_user_and_identity_queries(gql: GraphQLClient, uid: str) -> None:
    result = data(
        gql(
            INGEST,
            events=[
                {
                    "eventId": f"{uid}-1",
                    "channel": "whatsapp",
                    "externalUserId": f"wa-{uid}",
                    "threadId": f"conv-{uid}",
                    "text": "hi",
                },
            ],
        )
    )["ingestEvents"]["results"][0]
    session = data(
        gql(
            "query($id: ID!) { session(id: $id) { id status seq channels "
            "user { id } messages(last: 5) { text } } }",
            id=result["sessionId"],
        )
    )["session"]
    assert session["status"] == "ACTIVE"
    assert session["messages"] == [{"text": "hi"}]
    user = data(
        gql(
            "query($c: String!, $e: String!) { resolveIdentity(channel: $c, externalId: $e) "
            "{ id sessions { id } identities { key } } }",
            c="whatsapp",
            e=f"wa-{uid}",
        )
    )["resolveIdentity"]
    assert user["id"] == session["user"]["id"]
    assert user["sessions"] == [{"id": result["sessionId"]}]
    assert user["identities"] == [{"key": f"whatsapp:wa-{uid}"}]
    assert data(gql('query { user(id: "nobody") { id } }'))["user"] is None
    assert data(gql('query { session(id: "nothing") { id } }'))["session"] is None


def test_close_session_over_http(gql: GraphQLClient, uid: str) -> None:
    result = data(
        gql(
            INGEST,
            events=[
                {
                    "eventId": f"{uid}-1",
                    "channel": "email",
                    "externalUserId": f"{uid}@example.com",
                    "text": "please close",
                },
            ],
        )
    )["ingestEvents"]["results"][0]
    closed = data(
        gql(
            'mutation($s: ID!) { closeSession(sessionId: $s, reason: "done") { status closedAt } }',
            s=result["sessionId"],
        )
    )["closeSession"]
    assert closed["status"] == "CLOSED"
    assert closed["closedAt"]
    missing = gql('mutation { closeSession(sessionId: "nope") { status } }')
    assert error_of(missing)["extensions"]["code"] == "NOT_FOUND"


def test_eight_concurrent_writers_on_one_session_get_seq_1_to_n(
    live_server: str, gql: GraphQLClient, driver: Driver, uid: str
) -> None:
    start = data(
        gql(
            INGEST,
            events=[
                {
                    "eventId": f"{uid}-start",
                    "channel": "web",
                    "externalUserId": f"c-{uid}",
                    "text": "0",
                },
            ],
        )
    )["ingestEvents"]["results"][0]
    session_id = start["sessionId"]
    channels = ["web", "mobile", "whatsapp", "messenger", "sms", "email", "voice", "slack"]
    per_writer = 10

    def writer(channel: str) -> list[int]:
        seqs = []
        with httpx.Client(base_url=live_server, timeout=60) as http:
            for n in range(per_writer):
                event = {
                    "eventId": f"{uid}-{channel}-{n}",
                    "channel": channel,
                    # (Messenger PSIDs are digits)
                    "externalUserId": str(int(uid, 16))
                    if channel == "messenger"
                    else f"{channel}-{uid}",
                    "sessionId": session_id,
                    "text": f"{channel} {n}",
                }
                body = http.post(
                    "/graphql", json={"query": INGEST, "variables": {"events": [event]}}
                ).json()
                seqs.append(data(body)["ingestEvents"]["results"][0]["seq"])
        return seqs

    with ThreadPoolExecutor(max_workers=len(channels)) as pool:
        results = list(pool.map(writer, channels))
    total = 1 + per_writer * len(channels)
    assert sorted(seq for seqs in results for seq in seqs) == list(range(2, total + 1))
    for seqs in results:  # each writer's own messages stay in the order it sent them
        assert seqs == sorted(seqs)
    stored, _, _ = driver.execute_query(
        "MATCH (m:Message {sessionId: $s}) RETURN m.seq AS seq ORDER BY seq", s=session_id
    )
    assert [r["seq"] for r in stored] == list(range(1, total + 1))
    chain, _, _ = driver.execute_query(
        "MATCH (a:Message {sessionId: $s})-[:NEXT]->(b:Message) "
        "RETURN count(*) AS links, sum(CASE WHEN b.seq = a.seq + 1 THEN 1 ELSE 0 END) AS ok",
        s=session_id,
    )
    assert chain[0]["links"] == chain[0]["ok"] == total - 1


def test_health_and_readiness(live_server: str) -> None:
    with httpx.Client(base_url=live_server) as http:
        assert http.get("/healthz").json() == {"status": "ok"}
        ready = http.get("/readyz")
        assert ready.status_code == 200
        assert ready.json() == {"status": "ready"}


def test_start_up_freezes_what_it_loaded_out_of_the_cyclic_gc(live_server: str) -> None:
    """Full collections would otherwise rescan the schema and pipeline (~45 ms pauses)."""
    assert gc.get_freeze_count() > 10_000


def test_enrichment_is_visible_on_messages_and_context(gql: GraphQLClient, uid: str) -> None:
    order = f"Z-{uid[:6].translate(str.maketrans('abcdef', '123456'))}"
    result = data(
        gql(
            INGEST,
            events=[
                {
                    "eventId": f"{uid}-1",
                    "channel": "web",
                    "externalUserId": uid,
                    "text": f"My order {order} never arrived, email me at {uid}@Example.com",
                },
            ],
        )
    )["ingestEvents"]["results"][0]
    body = data(
        gql(
            """query($s: ID!) { context(sessionId: $s) {
             messages { sentiment sentimentLabel enrichmentVersion
                        entities { key type value text } intents { name confidence } }
             entities { key mentions channels firstSeenAt lastSeenAt }
             intents { name messages confidence }
             sentiment sentimentTrend { seq channel sentiment } } }""",
            s=result["sessionId"],
        )
    )["context"]
    [message] = body["messages"]
    assert message["sentimentLabel"] == "NEGATIVE"
    assert message["enrichmentVersion"].startswith("threadline-enrichment/1")
    order_key = "ORDER_ID:" + order.replace("-", "")
    assert {e["key"] for e in message["entities"]} == {order_key, f"EMAIL:{uid}@example.com"}
    assert message["intents"][0]["name"] == "delivery_problem"
    assert {e["key"] for e in body["entities"]} == {order_key, f"EMAIL:{uid}@example.com"}
    assert all(e["channels"] == ["web"] and e["mentions"] == 1 for e in body["entities"])
    assert body["intents"][0]["name"] == "delivery_problem"
    assert body["sentiment"] == message["sentiment"]
    assert body["sentimentTrend"] == [
        {"seq": 1, "channel": "web", "sentiment": message["sentiment"]}
    ]


def test_context_builds_what_is_selected_through_fragments_and_aliases(
    gql: GraphQLClient, uid: str
) -> None:
    """The context is built from what the query selects (messages without their mentions and
    intents unless asked): parts asked for through fragments and aliases are all there."""
    text = f"My order never arrived, email me at {uid}@example.com"
    event = {"eventId": f"{uid}-1", "channel": "web", "externalUserId": uid, "text": text}
    session = data(gql(INGEST, events=[event]))["ingestEvents"]["results"][0]["sessionId"]
    body = data(
        gql(
            """query($s: ID!) { context(sessionId: $s) { ...Parts plain: messages { seq } } }
            fragment Parts on Context {
              messages { ... on Message { seq found: entities { key } } }
              intents { name }
            }""",
            s=session,
        )
    )["context"]
    [message] = body["messages"]
    assert f"EMAIL:{uid}@example.com" in {e["key"] for e in message["found"]}
    assert body["plain"] == [{"seq": 1}]
    assert body["intents"]  # selected through the fragment
    bare = data(gql("query($s: ID!) { context(sessionId: $s) { messages { seq } } }", s=session))
    assert bare["context"]["messages"] == [{"seq": 1}]


def test_set_session_attributes_with_expected_version(gql: GraphQLClient, uid: str) -> None:
    result = data(
        gql(
            INGEST,
            events=[
                {"eventId": f"{uid}-1", "channel": "web", "externalUserId": uid, "text": "hi"},
            ],
        )
    )["ingestEvents"]["results"][0]
    mutation = (
        "mutation($s: ID!, $a: JSON!, $v: Int) { setSessionAttributes(sessionId: $s, "
        'attributes: $a, expectedVersion: $v, options: {channel: "web"}) { version attributes } }'
    )
    first = data(gql(mutation, s=result["sessionId"], a={"plan": "gold"}, v=0))
    assert first["setSessionAttributes"] == {"version": 1, "attributes": {"plan": "gold"}}
    stale = error_of(gql(mutation, s=result["sessionId"], a={"plan": "basic"}, v=0))
    assert stale["extensions"]["code"] == "CONFLICT"
    assert stale["extensions"]["version"] == 1
    assert stale["extensions"]["attributes"] == {"plan": "gold"}
    bad = error_of(gql(mutation, s=result["sessionId"], a={"no spaces": 1}, v=None))
    assert bad["extensions"]["code"] == "BAD_INPUT"


def test_merge_policy_argument_and_user_attributes(gql: GraphQLClient, uid: str) -> None:
    result = data(
        gql(
            INGEST,
            events=[
                {"eventId": f"{uid}-1", "channel": "web", "externalUserId": uid, "text": "hi"},
            ],
        )
    )["ingestEvents"]["results"][0]
    append = (
        "mutation($s: ID!, $a: JSON!) { setSessionAttributes(sessionId: $s, attributes: $a, "
        "options: {policy: APPEND}) { attributes } }"
    )
    data(gql(append, s=result["sessionId"], a={"cart": "SKU-1"}))
    second = data(gql(append, s=result["sessionId"], a={"cart": ["SKU-2"]}))
    assert second["setSessionAttributes"]["attributes"] == {"cart": ["SKU-1", "SKU-2"]}
    session = data(gql("query($s: ID!) { session(id: $s) { user { id } } }", s=result["sessionId"]))
    user_id = session["session"]["user"]["id"]
    set_user = (
        "mutation($u: ID!, $a: JSON!, $v: Int) { setUserAttributes(userId: $u, attributes: $a, "
        "expectedVersion: $v) { version attributes } }"
    )
    assert data(gql(set_user, u=user_id, a={"vip": True}, v=0))["setUserAttributes"] == {
        "version": 1,
        "attributes": {"vip": True},
    }
    assert error_of(gql(set_user, u=user_id, a={"vip": False}, v=0))["extensions"]["code"] == (
        "CONFLICT"
    )
    missing = error_of(gql(set_user, u=f"usr_{uid}", a={"vip": True}, v=None))
    assert missing["extensions"]["code"] == "NOT_FOUND"
    precedence = (
        "mutation($s: ID!) { setSessionAttributes(sessionId: $s, attributes: {tier: 1}, "
        "options: {policy: CHANNEL_PRECEDENCE}) { version } }"
    )
    bad = error_of(gql(precedence, s=result["sessionId"]))
    assert bad["extensions"]["code"] == "BAD_INPUT"


def test_handoffs_are_recorded_in_order_with_the_current_handler(
    gql: GraphQLClient, uid: str
) -> None:
    result = data(
        gql(
            INGEST,
            events=[
                {
                    "eventId": f"{uid}-1",
                    "channel": "web",
                    "externalUserId": uid,
                    "text": "I want to speak to a human",
                },
            ],
        )
    )["ingestEvents"]["results"][0]
    register = (
        "mutation($a: ID!, $k: String!) "
        '{ upsertAgent(id: $a, kind: $k, name: "Ann") { id kind name } }'
    )
    agent = data(gql(register, a=f"bot-{uid}", k="BOT"))["upsertAgent"]
    assert agent == {"id": f"bot-{uid}", "kind": "BOT", "name": "Ann"}
    data(gql(register, a=f"human-{uid}", k="HUMAN"))
    assert error_of(gql(register, a=f"x-{uid}", k="ROBOT"))["extensions"]["code"] == "BAD_INPUT"
    mutation = (
        "mutation($s: ID!, $a: ID!, $r: String) { "
        "handoff(sessionId: $s, agentId: $a, reason: $r) { "
        "handlerId handoffs { fromAgentId agentId agentKind reason } } }"
    )
    data(gql(mutation, s=result["sessionId"], a=f"bot-{uid}", r="greeting"))
    second = data(gql(mutation, s=result["sessionId"], a=f"human-{uid}", r="escalation"))
    assert second["handoff"] == {
        "handlerId": f"human-{uid}",
        "handoffs": [
            {
                "fromAgentId": None,
                "agentId": f"bot-{uid}",
                "agentKind": "BOT",
                "reason": "greeting",
            },
            {
                "fromAgentId": f"bot-{uid}",
                "agentId": f"human-{uid}",
                "agentKind": "HUMAN",
                "reason": "escalation",
            },
        ],
    }
    missing = error_of(gql(mutation, s="nope", a=f"bot-{uid}", r=None))
    assert (missing["extensions"]["code"], missing["extensions"]["field"]) == (
        "NOT_FOUND",
        "sessionId",
    )
    unknown = error_of(gql(mutation, s=result["sessionId"], a=f"nobody-{uid}", r=None))
    assert (unknown["extensions"]["code"], unknown["extensions"]["field"]) == (
        "NOT_FOUND",
        "agentId",
    )
    bad = error_of(gql(mutation, s=result["sessionId"], a=" ", r=None))
    assert bad["extensions"]["code"] == "BAD_INPUT"


def test_context_include_previous_over_http(gql: GraphQLClient, uid: str) -> None:
    event = {"eventId": f"{uid}-1", "channel": "web", "externalUserId": uid, "text": "first"}
    old = data(gql(INGEST, events=[event]))["ingestEvents"]["results"][0]["sessionId"]
    data(gql("mutation($s: ID!) { closeSession(sessionId: $s) { status } }", s=old))
    again = {**event, "eventId": f"{uid}-2", "text": "second"}
    data(gql(INGEST, events=[again]))
    body = data(
        gql(
            "query($c: String!, $e: String!) { context(channel: $c, externalUserId: $e, "
            "includePrevious: 1) { session { continuesId } messages { text } "
            "previous { session { id status } messages { text } } } }",
            c="web",
            e=uid,
        )
    )["context"]
    assert body["session"]["continuesId"] == old
    assert body["messages"] == [{"text": "second"}]
    assert body["previous"] == [
        {"session": {"id": old, "status": "CLOSED"}, "messages": [{"text": "first"}]}
    ]


def test_continue_in_app_then_merge_and_unmerge_over_graphql(gql: GraphQLClient, uid: str) -> None:
    web = {"eventId": f"{uid}-1", "channel": "web", "externalUserId": f"c-{uid}", "text": "hi"}
    sms = {"eventId": f"{uid}-2", "channel": "sms", "externalUserId": f"+1{uid}", "text": "yo"}
    results = data(gql(INGEST, events=[web, sms]))["ingestEvents"]["results"]
    web_session, sms_session = results[0]["sessionId"], results[1]["sessionId"]
    token = data(
        gql(
            "mutation($s: ID!) { createContinuationToken(sessionId: $s, ttlSeconds: 300) "
            "{ token sessionId expiresAt } }",
            s=web_session,
        )
    )["createContinuationToken"]
    assert token["sessionId"] == web_session
    resume = (
        'mutation($t: String!, $e: String!) { resumeSession(token: $t, channel: "mobile", '
        "externalUserId: $e) { id user { id identities { key linkedBy evidence } } } }"
    )
    resumed = data(gql(resume, t=token["token"], e=f"app-{uid}"))["resumeSession"]
    assert resumed["id"] == web_session
    app_identity = next(i for i in resumed["user"]["identities"] if i["key"] == f"mobile:app-{uid}")
    assert app_identity["linkedBy"] == "resumeSession"
    replay = error_of(gql(resume, t=token["token"], e=f"other-{uid}"))
    assert replay["extensions"] == {"code": "INVALID_TOKEN", "field": "token", "reason": "USED"}

    owners = "query($s: ID!) { session(id: $s) { user { id } } }"
    web_user = data(gql(owners, s=web_session))["session"]["user"]["id"]
    sms_user = data(gql(owners, s=sms_session))["session"]["user"]["id"]
    set_user = (
        "mutation($u: ID!, $a: JSON!) { setUserAttributes(userId: $u, attributes: $a) { version } }"
    )
    data(gql(set_user, u=sms_user, a={"plan": "prepaid"}))
    merged = data(
        gql(
            "mutation($a: ID!, $b: ID!) { mergeUsers(sourceId: $a, targetId: $b, "
            'evidence: "same person", actor: "agent:ann") { id status sessions } }',
            a=sms_user,
            b=web_user,
        )
    )["mergeUsers"]
    assert merged["sessions"] == [sms_session]
    # the agent picking up on the web sees what the SMS user told us
    in_context = "query($s: ID!) { context(sessionId: $s) { user { attributes } } }"
    assert data(gql(in_context, s=web_session))["context"]["user"]["attributes"] == {
        "plan": "prepaid"
    }
    resolve = 'query($e: String!) { resolveIdentity(channel: "sms", externalId: $e) { id } }'
    assert data(gql(resolve, e=f"+1{uid}"))["resolveIdentity"]["id"] == web_user
    source = data(
        gql("query($u: ID!) { user(id: $u) { mergedIntoId merges { id actor } } }", u=sms_user)
    )["user"]
    assert source == {
        "mergedIntoId": web_user,
        "merges": [{"id": merged["id"], "actor": "agent:ann"}],
    }
    undone = data(gql("mutation($m: ID!) { unmergeUser(mergeId: $m) { status } }", m=merged["id"]))[
        "unmergeUser"
    ]
    assert undone == {"status": "REVERTED"}
    assert data(gql(resolve, e=f"+1{uid}"))["resolveIdentity"]["id"] == sms_user
    itself = error_of(
        gql("mutation($a: ID!) { mergeUsers(sourceId: $a, targetId: $a) { id } }", a=sms_user)
    )
    assert itself["extensions"]["code"] == "BAD_INPUT"


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
