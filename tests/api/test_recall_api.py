"""The `recall` query over HTTP: what an agent gets (hits, signals, neighbours, entities,
prompt-ready text), what an analyst gets (masked), who may call it, and typed errors."""

from __future__ import annotations

from typing import Any

import pytest

from graph.compliance.credentials import KEY_ROLES
from graph.config import Settings
from tests.helpers.server import graphql_as as call
from tests.helpers.server import make_key

pytestmark = pytest.mark.integration

INGEST = "mutation($e: [EventInput!]!) { ingestEvents(events: $e) { results { sessionId } } }"
RECALL = """
query($u: ID, $s: ID, $c: String, $e: String, $q: String!, $limit: Int, $n: Int, $max: Int) {
  recall(userId: $u, sessionId: $s, channel: $c, externalUserId: $e, query: $q, limit: $limit,
         neighbors: $n) {
    hits { score signals message { id seq channel role text userId }
           neighbors { seq role text } }
    entities { key type value mentions channels }
    text(maxChars: $max)
  }
}
"""
ID = 'query($e: String!) { context(channel: "web", externalUserId: $e) { user { id } } }'


def data(url: str, token: str, query: str, **variables: Any) -> dict[str, Any]:
    body = call(url, token, query, **variables)
    assert "errors" not in body, body
    return body["data"]  # type: ignore[no-any-return]


def code(url: str, token: str, query: str, **variables: Any) -> str:
    body = call(url, token, query, **variables)
    return str(body["errors"][0]["extensions"]["code"])


@pytest.fixture(scope="module")
def tokens(settings: Settings) -> dict[str, str]:
    return {role.name: make_key(settings, role)[1] for role in KEY_ROLES}


@pytest.fixture(scope="module")
def person(live_server: str, tokens: dict[str, str]) -> dict[str, str]:
    """A short history on the web: the agent asks for an address, the user gives it."""
    import uuid

    uid = uuid.uuid4().hex[:10]
    lines = [
        ("USER", "Hi, my new card never arrived"),
        ("AGENT", "Sorry! Which address should we send the new card to?"),
        ("USER", f"12 Harbor Road, Lakeside. Email me at jo.{uid}@example.com"),
        ("AGENT", "Done, a new card is on its way."),
        ("USER", "Also, is order B-4471 shipped?"),
    ]
    events = [
        {
            "eventId": f"{uid}-{n}",
            "channel": "web",
            "externalUserId": f"web-{uid}",
            "role": role,
            "text": text,
            "occurredAt": f"2026-05-0{1 + n}T10:00:00Z",
        }
        for n, (role, text) in enumerate(lines)
    ]
    data(live_server, tokens["CONNECTOR"], INGEST, e=events)
    user = data(live_server, tokens["AGENT"], ID, e=f"web-{uid}")["context"]["user"]["id"]
    return {"uid": uid, "user": user, "external": f"web-{uid}"}


def test_an_agent_gets_hits_signals_neighbours_entities_and_text(
    live_server: str, tokens: dict[str, str], person: dict[str, str]
) -> None:
    found = data(
        live_server,
        tokens["AGENT"],
        RECALL,
        c="web",
        e=person["external"],
        q="Which address did I give for the new card?",
        n=1,
    )["recall"]
    answer = next(h for h in found["hits"] if h["message"]["text"].startswith("12 Harbor Road"))
    assert "neighbour" in answer["signals"] or "keyword" in answer["signals"]
    assert [n["role"] for n in answer["neighbors"]] == ["AGENT", "AGENT"]
    assert answer["message"]["userId"] == person["user"]
    lines = found["text"].splitlines()
    assert lines[0].startswith("[2026-05-0")
    assert " web USER: 12 Harbor Road, Lakeside" in found["text"]
    # in time order, each turn once
    stamps = [line[:22] for line in lines if line]
    assert stamps == sorted(stamps)
    assert len(set(lines) - {""}) == len([line for line in lines if line])
    cut = data(
        live_server,
        tokens["AGENT"],
        RECALL,
        u=person["user"],
        q="Which address did I give for the new card?",
        n=1,
        max=80,
    )["recall"]["text"]
    assert 0 < len(cut) <= 80
    by_order = data(live_server, tokens["AGENT"], RECALL, u=person["user"], q="b4471")["recall"]
    assert by_order["hits"][0]["signals"][0] == "entity:ORDER_ID:B4471"
    assert by_order["entities"][0] == {
        "key": "ORDER_ID:B4471",
        "type": "ORDER_ID",
        "value": "B4471",
        "mentions": 1,
        "channels": ["web"],
    }


def test_an_analyst_sees_the_same_ranking_masked(
    live_server: str, tokens: dict[str, str], person: dict[str, str]
) -> None:
    question = f"jo.{person['uid']}@example.com card address"
    clear = data(live_server, tokens["AGENT"], RECALL, u=person["user"], q=question)["recall"]
    masked = data(live_server, tokens["ANALYST"], RECALL, u=person["user"], q=question)["recall"]
    assert [h["message"]["id"] for h in masked["hits"]] == [
        h["message"]["id"] for h in clear["hits"]
    ]
    assert {h["message"]["text"] for h in masked["hits"]} == {"[redacted]"}
    assert "Harbor" not in masked["text"]
    assert "example.com" not in masked["text"]
    assert all(line.endswith(": [redacted]") for line in masked["text"].splitlines() if line)
    email = f"EMAIL:jo.{person['uid']}@example.com"
    [given] = [n for n, h in enumerate(clear["hits"]) if "Harbor" in h["message"]["text"]]
    assert f"entity:{email}" in clear["hits"][given]["signals"]
    assert "entity:EMAIL:j***@example.com" in masked["hits"][given]["signals"]
    assert not any(email in s for h in masked["hits"] for s in h["signals"])
    assert {e["value"] for e in masked["entities"] if e["type"] == "EMAIL"} == {"j***@example.com"}
    assert (
        code(live_server, tokens["ANALYST"], RECALL, c="web", e=person["external"], q="card")
        == "FORBIDDEN"
    )


def test_who_may_recall(live_server: str, tokens: dict[str, str], person: dict[str, str]) -> None:
    assert code(live_server, tokens["CONNECTOR"], RECALL, u=person["user"], q="card") == "FORBIDDEN"
    assert data(live_server, tokens["ADMIN"], RECALL, u=person["user"], q="card")["recall"]["hits"]


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"q": "   "}, "BAD_INPUT"),
        ({"q": "x" * 10_000}, "LIMIT_EXCEEDED"),
        ({"q": "card", "limit": 0}, "BAD_INPUT"),
        ({"q": "card", "limit": 101}, "LIMIT_EXCEEDED"),
        ({"q": "card", "n": 9}, "BAD_INPUT"),
        ({"q": "card", "max": -1}, "BAD_INPUT"),
        ({"q": "card", "s": "ses_x"}, "BAD_INPUT"),  # two selectors
    ],
)
def test_bad_requests_get_typed_errors(
    live_server: str,
    tokens: dict[str, str],
    person: dict[str, str],
    variables: dict[str, Any],
    expected: str,
) -> None:
    assert code(live_server, tokens["AGENT"], RECALL, u=person["user"], **variables) == expected


def test_unknown_scopes_are_not_found(live_server: str, tokens: dict[str, str]) -> None:
    assert code(live_server, tokens["AGENT"], RECALL, u="usr_nobody", q="card") == "NOT_FOUND"
    assert code(live_server, tokens["AGENT"], RECALL, s="ses_nothing", q="card") == "NOT_FOUND"
