"""User tokens (role `user`): what a web page or app holds. Issued by a connector for one channel
identity; they write that identity's messages and reach only the sessions its person owns, and
only the fields a client shows. Over real HTTP and WebSocket, auth on, against the real Neo4j."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import httpx
import jwt
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Subprotocol

from graph.compliance.credentials import issue_user_token, parse_role
from graph.config import Settings
from graph.domain.callers import CallerRole
from graph.domain.errors import BadInputError
from tests.helpers.cli import run_threadline
from tests.helpers.server import JWT_SECRET, make_key, serve
from tests.helpers.server import error_codes as codes
from tests.helpers.server import graphql_as as gql

pytestmark = pytest.mark.integration

ISSUE = """mutation($c: String!, $u: String!, $ttl: Int! = 600) {
  issueUserToken(channel: $c, externalUserId: $u, ttlSeconds: $ttl) {
    token channel externalUserId expiresAt
  }
}"""
SEND = """mutation($e: [EventInput!]!) {
  ingestEvents(events: $e) { accepted duplicates results { sessionId messageId seq duplicate } }
}"""
CONTEXT = """query($c: String, $u: String, $s: ID) {
  context(channel: $c, externalUserId: $u, sessionId: $s) {
    session { id seq version } messages { id channel role text seq } attributes
  }
}"""


def ok(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def event(channel: str, user: str, text: str, **extra: Any) -> dict[str, Any]:
    return (
        {"eventId": uuid.uuid4().hex, "channel": channel, "externalUserId": user}
        | {"text": text}
        | extra
    )


@pytest.fixture(scope="module")
def keys(secure_settings: Settings) -> dict[str, str]:
    return {
        # backends granted issueUserToken for their channels (keys create --issue-user-tokens)
        "web": make_key(secure_settings, CallerRole.CONNECTOR, ["web"], issue_user_tokens=True)[1],
        "mobile": make_key(
            secure_settings, CallerRole.CONNECTOR, ["mobile"], issue_user_tokens=True
        )[1],
        "agent": make_key(secure_settings, CallerRole.AGENT)[1],
    }


def user_token(url: str, connector_key: str, channel: str, user: str) -> str:
    issued = ok(gql(url, connector_key, ISSUE, c=channel, u=user))["issueUserToken"]
    assert (issued["channel"], issued["externalUserId"]) == (channel, user)
    token: str = issued["token"]
    return token


@pytest.fixture
def people(secure_server: str, keys: dict[str, str]) -> dict[str, Any]:
    """Ann and Bob, each with a web conversation (Bob's mentions the same words as Ann's)."""
    ann, bob = f"ann-{uuid.uuid4().hex[:8]}", f"bob-{uuid.uuid4().hex[:8]}"
    ann_token = user_token(secure_server, keys["web"], "web", ann)
    bob_token = user_token(secure_server, keys["web"], "web", bob)
    sent = ok(gql(secure_server, ann_token, SEND, e=[event("web", ann, "my parcel never came")]))
    ann_session = sent["ingestEvents"]["results"][0]["sessionId"]
    sent = ok(gql(secure_server, bob_token, SEND, e=[event("web", bob, "my parcel is late")]))
    bob_session = sent["ingestEvents"]["results"][0]["sessionId"]
    return {
        "ann": ann,
        "bob": bob,
        "ann_token": ann_token,
        "bob_token": bob_token,
        "ann_session": ann_session,
        "bob_session": bob_session,
    }


def test_issuing_is_for_connectors_on_their_channels(
    secure_server: str, keys: dict[str, str], secure_settings: Settings
) -> None:
    body = gql(secure_server, keys["web"], ISSUE, c="whatsapp", u="+15550001")
    assert codes(body) == ["FORBIDDEN"]
    assert codes(gql(secure_server, keys["web"], ISSUE, c="web", u="x", ttl=0)) == ["BAD_INPUT"]
    big = 86_401
    assert codes(gql(secure_server, keys["web"], ISSUE, c="web", u="x", ttl=big)) == ["BAD_INPUT"]
    assert codes(gql(secure_server, keys["web"], ISSUE, c="web", u=" ")) == ["BAD_INPUT"]
    assert codes(gql(secure_server, keys["agent"], ISSUE, c="web", u="x")) == ["FORBIDDEN"]
    issued = ok(gql(secure_server, keys["web"], ISSUE, c="web", u="someone"))["issueUserToken"]
    claims = jwt.decode(issued["token"], JWT_SECRET, algorithms=["HS256"], audience="threadline")
    assert claims["role"] == "user"
    assert (claims["channel"], claims["externalUserId"]) == ("web", "someone")
    assert "someone" not in claims["sub"]  # the audit records the subject: no identity in it
    assert claims["exp"] - claims["iat"] == 600


def test_user_token_issuing_is_a_grant_for_the_keys_own_channels(
    secure_server: str, secure_settings: Settings
) -> None:
    """#28: the connector role alone never issues (a web-only connector would otherwise read
    every channel unmasked through the token it mints); only a key granted it, for its own
    channels; each issue audited under that key's id."""
    plain_web = make_key(secure_settings, CallerRole.CONNECTOR, ["web"])[1]
    unrestricted = make_key(secure_settings, CallerRole.CONNECTOR)[1]
    for key in (plain_web, unrestricted):
        refused = gql(secure_server, key, ISSUE, c="web", u="visitor")
        assert codes(refused) == ["FORBIDDEN"], refused
        assert "--issue-user-tokens" in refused["errors"][0]["message"]
    key_id, granted = make_key(
        secure_settings, CallerRole.CONNECTOR, ["web"], issue_user_tokens=True
    )
    assert codes(gql(secure_server, granted, ISSUE, c="mobile", u="visitor")) == ["FORBIDDEN"]
    issued = ok(gql(secure_server, granted, ISSUE, c="web", u="visitor"))["issueUserToken"]
    claims = jwt.decode(issued["token"], JWT_SECRET, algorithms=["HS256"], audience="threadline")
    assert claims["issuedBy"] == key_id
    admin = make_key(secure_settings, CallerRole.ADMIN)[1]
    audit = ok(
        gql(
            secure_server,
            admin,
            "query($s: String) { auditEvents(filter: {subject: $s}) { operation outcome } }",
            s=key_id,
        )
    )["auditEvents"]
    assert {"operation": "issueUserToken", "outcome": "OK"} in audit
    assert {"operation": "issueUserToken", "outcome": "FORBIDDEN"} in audit


def test_the_grant_needs_a_connector_restricted_to_channels(secure_settings: Settings) -> None:
    for role, channels in [
        (CallerRole.CONNECTOR, []),
        (CallerRole.AGENT, ["web"]),
        (CallerRole.ANALYST, ["web"]),
    ]:
        with pytest.raises(BadInputError, match="may issue user tokens"):
            make_key(secure_settings, role, channels, issue_user_tokens=True)


def test_a_connector_jwt_issues_only_with_the_grant_claim(secure_server: str) -> None:
    now = int(time.time())
    base = {"iss": "threadline", "aud": "threadline", "iat": now, "exp": now + 300}
    connector = base | {"sub": "backend", "role": "connector", "channels": ["web"]}
    for claims, expected in [
        (connector, ["FORBIDDEN"]),
        (connector | {"issueUserTokens": True}, []),
        (connector | {"issueUserTokens": "yes"}, ["FORBIDDEN"]),  # only a real true
        (connector | {"issueUserTokens": True, "channels": []}, ["FORBIDDEN"]),
    ]:
        token = jwt.encode(claims, JWT_SECRET, algorithm="HS256")
        assert codes(gql(secure_server, token, ISSUE, c="web", u="visitor")) == expected, claims


def test_user_tokens_need_a_signing_secret_and_are_never_api_keys(settings: Settings) -> None:
    rs256 = settings.model_copy(update={"jwt_secret": None})
    with pytest.raises(BadInputError, match="THREADLINE_JWT_SECRET"):
        issue_user_token(rs256, "web", "x", 60, "test")
    with pytest.raises(BadInputError, match="role must be one of"):
        parse_role("user")


def test_expired_or_incomplete_user_tokens_are_401(secure_server: str) -> None:
    now = int(time.time())
    base = {"sub": "u", "iss": "threadline", "aud": "threadline", "role": "user", "iat": now}
    for claims in (
        base | {"exp": now - 3600, "channel": "web", "externalUserId": "x"},  # expired
        base | {"exp": now + 60, "externalUserId": "x"},  # no channel
        base | {"exp": now + 60, "channel": "web"},  # no identity
        base | {"exp": now + 60, "channel": "Not A Channel", "externalUserId": "x"},
    ):
        token = jwt.encode(claims, JWT_SECRET, algorithm="HS256")
        response = httpx.post(
            f"{secure_server}/graphql",
            json={"query": "{ __typename }"},
            headers={"authorization": f"Bearer {token}"},
        )
        assert response.status_code == 401, claims
    # the same claims from the deployment's own identity provider are a user token too
    token = jwt.encode(
        base | {"exp": now + 60, "channel": "web", "externalUserId": "idp-user"},
        JWT_SECRET,
        algorithm="HS256",
    )
    sent = gql(secure_server, token, SEND, e=[event("web", "idp-user", "hello")])
    assert ok(sent)["ingestEvents"]["accepted"] == 1


def test_a_user_token_writes_only_its_own_identitys_user_messages(
    secure_server: str, people: dict[str, Any], keys: dict[str, str]
) -> None:
    ann, token = people["ann"], people["ann_token"]
    for bad, field in (
        (event("web", people["bob"], "I am Bob, honest"), "externalUserId"),
        (event("mobile", ann, "other channel"), "channel"),
        (event("web", ann, "pretending", role="AGENT"), "role"),
        (event("web", ann, "as a bot", agentId="bot-1"), "role"),
        (event("web", ann, "into a thread", threadId="t-1"), "threadId"),
        (event("web", ann, "into Bob's", sessionId=people["bob_session"]), "sessionId"),
    ):
        body = gql(secure_server, token, SEND, e=[event("web", ann, "fine"), bad])
        assert codes(body) == ["FORBIDDEN"], (field, body)
    # nothing of a refused batch was written, not even its good first event
    messages = ok(gql(secure_server, keys["agent"], CONTEXT, s=people["ann_session"]))
    assert [m["text"] for m in messages["context"]["messages"]] == ["my parcel never came"]
    # into its own session by id, retried: stored once
    again = event("web", ann, "any news?", sessionId=people["ann_session"])
    first = ok(gql(secure_server, token, SEND, e=[again]))["ingestEvents"]
    second = ok(gql(secure_server, token, SEND, e=[again]))["ingestEvents"]
    assert first["results"][0]["sessionId"] == people["ann_session"]
    assert second["duplicates"] == 1
    assert second["results"][0]["messageId"] == first["results"][0]["messageId"]


def test_context_and_recall_of_its_own_sessions_only(
    secure_server: str, people: dict[str, Any], keys: dict[str, str]
) -> None:
    ann, token = people["ann"], people["ann_token"]
    reply = {"role": "AGENT", "sessionId": people["ann_session"]}
    ok(gql(secure_server, keys["agent"], SEND, e=[event("web", ann, "It ships today", **reply)]))
    context = ok(gql(secure_server, token, CONTEXT, c="web", u=ann))["context"]
    assert context["session"]["id"] == people["ann_session"]
    assert [(m["role"], m["text"]) for m in context["messages"]] == [
        ("USER", "my parcel never came"),
        ("AGENT", "It ships today"),
    ]
    by_id = ok(gql(secure_server, token, CONTEXT, s=people["ann_session"]))["context"]
    assert by_id["session"]["id"] == people["ann_session"]
    assert codes(gql(secure_server, token, CONTEXT, c="web", u=people["bob"])) == ["FORBIDDEN"]
    assert codes(gql(secure_server, token, CONTEXT, s=people["bob_session"])) == ["FORBIDDEN"]
    assert codes(gql(secure_server, token, CONTEXT, s="ses_does_not_exist")) == ["FORBIDDEN"]
    by_user = gql(secure_server, token, '{ context(userId: "usr_x") { attributes } }')
    assert codes(by_user) == ["FORBIDDEN"]

    recall = """query($c: String, $u: String, $s: ID) {
      recall(channel: $c, externalUserId: $u, sessionId: $s, query: "parcel") {
        hits { message { text sessionId } }
      }
    }"""
    hits = ok(gql(secure_server, token, recall, c="web", u=ann))["recall"]["hits"]
    assert {h["message"]["sessionId"] for h in hits} == {people["ann_session"]}
    assert codes(gql(secure_server, token, recall, c="web", u=people["bob"])) == ["FORBIDDEN"]
    assert codes(gql(secure_server, token, recall, s=people["bob_session"])) == ["FORBIDDEN"]


@pytest.mark.parametrize(
    "selection",
    [
        "context(channel: $c, externalUserId: $u) { user { id } }",
        "context(channel: $c, externalUserId: $u) { messages { entities { value } } }",
        "context(channel: $c, externalUserId: $u) { session { handoffs { reason } } }",
        "context(channel: $c, externalUserId: $u) { brief { text } }",
        "context(channel: $c, externalUserId: $u) { ...Sneaky }",
        "context(channel: $c, externalUserId: $u) { session { ... on Session { user { id } } } }",
        'user(id: "usr_x") { id }',
        'searchSessions(userId: "usr_x") { id }',
    ],
)
def test_fields_outside_a_user_tokens_scope_are_refused_before_running(
    secure_server: str, people: dict[str, Any], selection: str
) -> None:
    fragment = "fragment Sneaky on Context { previous { messages { text } } }"
    if "$c" in selection:
        document = f"query($c: String, $u: String) {{ {selection} }}"
        variables = {"c": "web", "u": people["ann"]}
    else:  # root fields a user token may not call at all
        document, variables = f"{{ {selection} }}", {}
    if "Sneaky" in selection:
        document += fragment
    body = gql(secure_server, people["ann_token"], document, **variables)
    assert codes(body) == ["FORBIDDEN"], body
    assert body.get("data") is None


def test_attributes_with_compare_and_set_on_its_own_session(
    secure_server: str, people: dict[str, Any]
) -> None:
    token, session = people["ann_token"], people["ann_session"]
    write = """mutation($s: ID!, $a: JSON!, $v: Int, $o: AttributeWriteOptions) {
      setSessionAttributes(sessionId: $s, attributes: $a, expectedVersion: $v, options: $o) {
        version attributes
      }
    }"""
    version = ok(gql(secure_server, token, CONTEXT, s=session))["context"]["session"]["version"]
    done = ok(gql(secure_server, token, write, s=session, a={"user.theme": "dark"}, v=version))
    assert done["setSessionAttributes"]["attributes"]["user.theme"] == "dark"
    stale = gql(secure_server, token, write, s=session, a={"user.theme": "light"}, v=version)
    assert codes(stale) == ["CONFLICT"]
    other = gql(secure_server, token, write, s=people["bob_session"], a={"user.x": 1})
    assert codes(other) == ["FORBIDDEN"]
    options = gql(
        secure_server, token, write, s=session, a={"user.x": 1}, o={"policy": "KEEP_FIRST"}
    )
    assert codes(options) == ["FORBIDDEN"]


SET_SESSION = """mutation($s: ID!, $a: JSON!) {
  setSessionAttributes(sessionId: $s, attributes: $a) { attributes }
}"""
SET_USER = """mutation($u: ID!, $a: JSON!) {
  setUserAttributes(userId: $u, attributes: $a) { attributes }
}"""
AGENT_VIEW = """query($s: ID!) {
  context(sessionId: $s) { attributes session { attributes user { id attributes } } }
}"""


def test_a_user_never_writes_the_attributes_agents_and_triggers_trust(
    secure_server: str, people: dict[str, Any], keys: dict[str, str]
) -> None:
    """#28: a person set `vip: true` over the agent's user-level `vip: false` and a trigger
    rule fired. What a person writes goes under `user.`, apart from the business's keys."""
    token, session, agent = people["bob_token"], people["bob_session"], keys["agent"]
    seen = ok(gql(secure_server, agent, AGENT_VIEW, s=session))["context"]
    user_id = seen["session"]["user"]["id"]
    ok(gql(secure_server, agent, SET_USER, u=user_id, a={"vip": False}))
    for attributes in ({"vip": True}, {"user.vip": True, "tier": "gold"}, {"user.": 1}):
        refused = gql(secure_server, token, SET_SESSION, s=session, a=attributes)
        assert codes(refused) == ["FORBIDDEN"], refused
        assert "user." in refused["errors"][0]["message"]
    by_event = gql(
        secure_server,
        token,
        SEND,
        e=[event("web", people["bob"], "I am a VIP", attributes={"vip": True})],
    )
    assert codes(by_event) == ["FORBIDDEN"]  # the whole batch: the message is not stored either
    written = ok(gql(secure_server, token, SET_SESSION, s=session, a={"user.vip": True}))
    assert written["setSessionAttributes"]["attributes"]["user.vip"] is True
    ok(
        gql(
            secure_server,
            token,
            SEND,
            e=[event("web", people["bob"], "hi", attributes={"user.page": "/vip"})],
        )
    )
    after = ok(gql(secure_server, agent, AGENT_VIEW, s=session))["context"]
    # triggers read the user's attributes with the session's on top: no session `vip` can now
    # stand over the agent's user-level one; the person's claim is under its own name
    assert after["session"]["user"]["attributes"] == {"vip": False}
    assert after["attributes"] == {"user.vip": True, "user.page": "/vip"}
    texts = [
        m["text"] for m in ok(gql(secure_server, agent, CONTEXT, s=session))["context"]["messages"]
    ]
    assert "I am a VIP" not in texts


def test_a_deployment_narrows_what_users_may_write(
    secure_settings: Settings, keys: dict[str, str]
) -> None:
    narrowed = secure_settings.model_copy(update={"user_attribute_keys": "theme, page"})
    with serve(narrowed, dev=False) as url:
        person = f"narrow-{uuid.uuid4().hex[:8]}"
        token = user_token(url, keys["web"], "web", person)
        sent = ok(gql(url, token, SEND, e=[event("web", person, "hello")]))
        session = sent["ingestEvents"]["results"][0]["sessionId"]
        assert ok(gql(url, token, SET_SESSION, s=session, a={"user.theme": "dark"}))
        assert codes(gql(url, token, SET_SESSION, s=session, a={"user.vip": True})) == ["FORBIDDEN"]
    closed = secure_settings.model_copy(update={"user_attribute_keys": ""})
    assert closed.user_attribute_names() == frozenset()
    assert secure_settings.user_attribute_names() is None  # the default: any `user.` name


def test_continue_in_app_from_web_to_the_app(
    secure_server: str, people: dict[str, Any], keys: dict[str, str]
) -> None:
    create = """mutation($s: ID!) { createContinuationToken(sessionId: $s) { token } }"""
    resume = """mutation($t: String!, $c: String!, $u: String!) {
      resumeSession(token: $t, channel: $c, externalUserId: $u) { id channels }
    }"""
    web = people["ann_token"]
    assert codes(gql(secure_server, web, create, s=people["bob_session"])) == ["FORBIDDEN"]
    handed = ok(gql(secure_server, web, create, s=people["ann_session"]))
    continuation = handed["createContinuationToken"]["token"]
    app_user = f"app-{uuid.uuid4().hex[:8]}"
    app = user_token(secure_server, keys["mobile"], "mobile", app_user)
    # the app's token speaks for the app's identity only
    wrong = gql(secure_server, app, resume, t=continuation, c="mobile", u="someone-else")
    assert codes(wrong) == ["FORBIDDEN"]
    resumed = ok(gql(secure_server, app, resume, t=continuation, c="mobile", u=app_user))
    assert resumed["resumeSession"]["id"] == people["ann_session"]
    # the app now reads the conversation the person started on the web, and continues it
    context = ok(gql(secure_server, app, CONTEXT, c="mobile", u=app_user))["context"]
    assert context["session"]["id"] == people["ann_session"]
    assert "my parcel never came" in [m["text"] for m in context["messages"]]
    sent = ok(gql(secure_server, app, SEND, e=[event("mobile", app_user, "from the app")]))
    assert sent["ingestEvents"]["results"][0]["sessionId"] == people["ann_session"]
    # Bob's token still reaches nothing of Ann's
    assert codes(gql(secure_server, people["bob_token"], CONTEXT, s=people["ann_session"])) == [
        "FORBIDDEN"
    ]


def test_live_events_of_its_own_session(secure_server: str, people: dict[str, Any]) -> None:
    async def follow(session_id: str, token: str) -> dict[str, Any]:
        url = secure_server.replace("http://", "ws://") + "/graphql"
        async with connect(url, subprotocols=[Subprotocol("graphql-transport-ws")]) as socket:
            init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
            await socket.send(json.dumps(init))
            ack = await socket.recv()
            assert isinstance(ack, str)  # text frames, as graphql-transport-ws requires
            assert json.loads(ack)["type"] == "connection_ack"
            query = "subscription($s: ID!) { sessionEvents(sessionId: $s) { kind text seq } }"
            payload = {"query": query, "variables": {"s": session_id}}
            await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
            await asyncio.sleep(0.5)
            await asyncio.to_thread(
                gql, secure_server, token, SEND, e=[event("web", people["ann"], "live one")]
            )
            while True:
                message = json.loads(await asyncio.wait_for(socket.recv(), timeout=10))
                if message["type"] != "next" or message["payload"]["data"] is None:
                    return dict(message)
                if message["payload"]["data"]["sessionEvents"]["text"] == "live one":
                    return dict(message["payload"]["data"]["sessionEvents"])

    seen = asyncio.run(follow(people["ann_session"], people["ann_token"]))
    assert seen["kind"] == "MESSAGE"
    assert seen["seq"] >= 2
    refused = asyncio.run(follow(people["bob_session"], people["ann_token"]))
    assert refused["type"] == "error"
    assert refused["payload"][0]["extensions"]["code"] == "FORBIDDEN"


def test_serve_dev_issues_user_tokens_without_configuration(settings: Settings) -> None:
    unconfigured = settings.model_copy(update={"jwt_secret": None, "jwt_public_key_file": None})
    with serve(unconfigured, dev=True) as url:
        issued = httpx.post(
            f"{url}/graphql",
            json={"query": ISSUE, "variables": {"c": "web", "u": "dev-user"}},
        ).json()
        token = issued["data"]["issueUserToken"]["token"]
        sent = gql(url, token, SEND, e=[event("web", "dev-user", "hello from dev")])
        assert ok(sent)["ingestEvents"]["accepted"] == 1
        assert codes(gql(url, token, '{ user(id: "usr_x") { id } }')) == ["FORBIDDEN"]


def test_cors_lets_the_configured_web_pages_call_graphql(settings: Settings) -> None:
    shop = "https://shop.example.com"
    with serve(settings.model_copy(update={"cors_origins": f"{shop}/, https://m.example"})) as url:
        preflight = httpx.options(
            f"{url}/graphql",
            headers={
                "origin": shop,
                "access-control-request-method": "POST",
                "access-control-request-headers": "authorization, content-type",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == shop
        assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
        answer = httpx.post(
            f"{url}/graphql", json={"query": "{ __typename }"}, headers={"origin": shop}
        )
        assert answer.headers["access-control-allow-origin"] == shop
        elsewhere = httpx.post(
            f"{url}/graphql",
            json={"query": "{ __typename }"},
            headers={"origin": "https://evil.example"},
        )
        assert "access-control-allow-origin" not in elsewhere.headers


def test_shared_threads_the_person_only_takes_part_in_stay_out_of_reach(
    secure_server: str, secure_settings: Settings, keys: dict[str, str]
) -> None:
    """Bob writes in Ann's email thread (he takes part in her session): his token reads his own
    conversation, and neither his context nor his recall reaches her thread."""
    uid = uuid.uuid4().hex[:8]
    ann, bob = f"ann-{uid}@example.com", f"bob-{uid}@example.com"
    agent, thread = keys["agent"], f"thread-{uid}"
    own = gql(secure_server, agent, SEND, e=[event("email", bob, "my own question about invoices")])
    bobs = ok(own)["ingestEvents"]["results"][0]["sessionId"]
    started = event("email", ann, "our team invoice is wrong", threadId=thread)
    anns = ok(gql(secure_server, agent, SEND, e=[started]))["ingestEvents"]["results"]
    cc = event("email", bob, "agreed, the invoice total is off", threadId=thread)
    shared = ok(gql(secure_server, agent, SEND, e=[cc]))["ingestEvents"]["results"]
    assert shared[0]["sessionId"] == anns[0]["sessionId"] != bobs  # Bob's latest is Ann's thread
    token = issue_user_token(secure_settings, "email", bob, 600, "test").token
    context = ok(gql(secure_server, token, CONTEXT, c="email", u=bob))["context"]
    assert context["session"]["id"] == bobs
    assert [m["text"] for m in context["messages"]] == ["my own question about invoices"]
    recall = """query($u: String!) {
      recall(channel: "email", externalUserId: $u, query: "invoice") { hits { message { text } } }
    }"""
    hits = ok(gql(secure_server, token, recall, u=bob))["recall"]["hits"]
    assert [h["message"]["text"] for h in hits] == ["my own question about invoices"]
    shared_read = gql(secure_server, token, CONTEXT, s=anns[0]["sessionId"])
    assert codes(shared_read) == ["FORBIDDEN"]


def test_any_origin_is_an_explicit_opt_in_never_with_credentials(settings: Settings) -> None:
    """#28: THREADLINE_CORS_ORIGINS='*' silently allowed every origin, the WebSocket and the
    `null` origin included."""
    star = settings.model_copy(update={"cors_origins": "*"})
    assert "THREADLINE_CORS_ALLOW_ANY_ORIGIN" in (star.cors_problem() or "")
    with pytest.raises(ValueError, match="every web page"):
        star.cors_origin_list()
    for listed in ("null", "https://a.example, null"):
        assert "null" in (settings.model_copy(update={"cors_origins": listed}).cors_problem() or "")
    refused = run_threadline(
        "serve",
        "--dev",
        "--port",
        "0",
        env={"THREADLINE_CORS_ORIGINS": "*", "NEO4J_URI": "bolt://x"},
    )
    assert refused.returncode == 2
    assert "THREADLINE_CORS_ALLOW_ANY_ORIGIN" in refused.stderr

    anyone = star.model_copy(update={"cors_allow_any_origin": True})
    assert anyone.cors_origin_list() == ["*"]
    with serve(anyone) as url:
        preflight = httpx.options(
            f"{url}/graphql",
            headers={"origin": "https://any.example", "access-control-request-method": "POST"},
        )
        assert preflight.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in preflight.headers

        async def handshake(origin: str) -> bool:
            socket_url = url.replace("http://", "ws://") + "/graphql"
            try:
                async with connect(
                    socket_url,
                    subprotocols=[Subprotocol("graphql-transport-ws")],
                    additional_headers={"origin": origin},
                ):
                    return True
            except InvalidStatus:
                return False

        assert asyncio.run(handshake("https://any.example"))
        assert not asyncio.run(handshake("null"))
