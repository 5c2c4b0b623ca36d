"""`context { brief }` over real HTTP against the real Neo4j, enriched by the rule pipeline: a
conversation across two channels with a handoff, a step, a falling sentiment and an unanswered
question; the brief as of before the handoff; the brief pushed on the HANDOFF event; analysts
see it masked."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from graph.config import Settings
from graph.domain.callers import CallerRole
from tests.helpers.server import GraphQLClient, make_key
from tests.helpers.subscriptions import graphql, next_event, subscribe

pytestmark = pytest.mark.integration

INGEST = "mutation($e: [EventInput!]!) { ingestEvents(events: $e) { results { sessionId } } }"
BRIEF = """
query($s: ID!, $at: DateTime, $max: Int) {
  context(sessionId: $s, asOf: $at) {
    brief {
      issue { intent intents message { id seq channel text } }
      intents { intent message { seq } }
      handoffs { agentId reason }
      channelPath
      entities { key type value message { seq } }
      openQuestions { id seq text }
      stepsTaken { seq role text }
      sentiment trend slope falling
      keyTurns { id seq }
      messages truncated
      text(maxChars: $max)
    }
  }
}
"""
HANDOFF = (
    'mutation($s: ID!) { handoff(sessionId: $s, agentId: "ann", reason: "bot could not help")'
    " { handlerId } }"
)
LINES = [
    ("web", "USER", "Hi there"),
    ("web", "BOT", "Hello! How can I help?"),
    ("web", "USER", "Where is my order A-77001? It was due on Monday."),
    ("web", "BOT", "Please check the tracking link we emailed you."),
    ("web", "USER", "The link does not work, this is really annoying."),
]
LATER = [
    ("web", "AGENT", "I've escalated this to the courier, sorry about that."),
    ("whatsapp", "USER", "Still nothing. This is terrible, I want a refund!"),
    ("whatsapp", "USER", "Can I get my money back today? I am very upset and angry."),
]


def data(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]
    return result


def ingest(gql: GraphQLClient, uid: str, lines: list[tuple[str, str, str]], first: int) -> str:
    events = [
        {
            "eventId": f"{uid}-{first + n}",
            "channel": channel,
            "externalUserId": f"{channel}-{uid}",
            "role": role,
            "text": text,
            **({"agentId": "ann"} if role == "AGENT" else {}),
        }
        for n, (channel, role, text) in enumerate(lines)
    ]
    results = data(gql(INGEST, e=events))["ingestEvents"]["results"]
    return str(results[0]["sessionId"])


@pytest.fixture
def conversation(gql: GraphQLClient, uid: str) -> dict[str, str]:
    session = ingest(gql, uid, LINES, 0)
    user = data(gql("query($s: ID!) { session(id: $s) { userId } }", s=session))["session"]
    link = (
        'mutation($u: ID!, $e: String!) { linkIdentity(userId: $u, channel: "whatsapp", '
        "externalId: $e) { id } }"
    )
    data(gql(link, u=user["userId"], e=f"whatsapp-{uid}"))
    data(gql('mutation { upsertAgent(id: "ann", kind: "HUMAN") { id } }'))
    time.sleep(0.05)
    before = datetime.now(UTC).isoformat()
    time.sleep(0.05)
    data(gql(HANDOFF, s=session))
    assert ingest(gql, uid, LATER, len(LINES)) == session
    return {"session": session, "before": before}


def test_the_brief_of_a_handed_over_conversation(
    gql: GraphQLClient, conversation: dict[str, str]
) -> None:
    brief = data(gql(BRIEF, s=conversation["session"]))["context"]["brief"]
    assert brief["issue"]["intent"] == "refund"
    assert brief["issue"]["message"]["seq"] == 7
    assert brief["issue"]["message"]["channel"] == "whatsapp"
    assert [i["intent"] for i in brief["intents"]][:1] == ["order_status"]
    assert "refund" in [i["intent"] for i in brief["intents"]]
    assert brief["handoffs"] == [{"agentId": "ann", "reason": "bot could not help"}]
    assert brief["channelPath"] == ["web", "whatsapp"]
    assert ("ORDER_ID", "A77001") in {(e["type"], e["value"]) for e in brief["entities"]}
    assert [q["seq"] for q in brief["openQuestions"]] == [8]
    assert [(s["seq"], s["role"]) for s in brief["stepsTaken"]] == [(4, "BOT"), (6, "AGENT")]
    assert brief["trend"] == "FALLING"
    assert brief["falling"] is True
    assert brief["slope"] < 0
    assert len(brief["keyTurns"]) == 3
    assert brief["messages"] == 8
    assert brief["truncated"] is False
    assert brief["text"].startswith("Issue: refund")
    again = data(gql(BRIEF, s=conversation["session"]))["context"]["brief"]
    assert again["keyTurns"] == brief["keyTurns"]  # stable across calls
    short = data(gql(BRIEF, s=conversation["session"], max=40))["context"]["brief"]["text"]
    assert len(short) <= 40


def test_the_brief_as_it_was_before_the_handoff(
    gql: GraphQLClient, conversation: dict[str, str]
) -> None:
    brief = data(gql(BRIEF, s=conversation["session"], at=conversation["before"]))["context"][
        "brief"
    ]
    assert brief["handoffs"] == []
    assert brief["messages"] == 5
    assert brief["channelPath"] == ["web"]
    assert brief["openQuestions"] == []  # the bot answered the order question


def test_the_handoff_event_carries_the_brief(live_server: str, uid: str) -> None:
    query = (
        "subscription($s: ID) { sessionEvents(sessionId: $s) { kind agentId "
        "brief { issue { intent } channelPath openQuestions { seq } } } }"
    )

    async def scenario() -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=live_server, timeout=30) as http:
            events = [
                {
                    "eventId": f"{uid}-h{n}",
                    "channel": "web",
                    "externalUserId": f"web-h{uid}",
                    "role": role,
                    "text": text,
                }
                for n, (_, role, text) in enumerate(LINES[:3])
            ]
            found = await graphql(http, INGEST, e=events)
            session = found["ingestEvents"]["results"][0]["sessionId"]
            await graphql(http, 'mutation { upsertAgent(id: "ann", kind: "HUMAN") { id } }')
            socket = await subscribe(live_server, query, s=session)
            try:
                await asyncio.sleep(0.2)
                await graphql(http, HANDOFF, s=session)
                return await next_event(socket)
            finally:
                await socket.close()

    event = asyncio.run(scenario())
    assert event["kind"] == "HANDOFF"
    assert event["agentId"] == "ann"
    assert event["brief"] == {
        "issue": {"intent": "order_status"},
        "channelPath": ["web"],
        "openQuestions": [{"seq": 3}],  # the order question, not answered yet
    }


def test_analysts_see_the_brief_masked(
    live_server: str, settings: Settings, conversation: dict[str, str]
) -> None:
    _, token = make_key(settings, CallerRole.ANALYST)
    response = httpx.post(
        f"{live_server}/graphql",
        json={"query": BRIEF, "variables": {"s": conversation["session"]}},
        headers={"authorization": f"Bearer {token}"},
        timeout=30,
    )
    brief = data(response.json())["context"]["brief"]
    assert brief["issue"]["message"]["text"] == "[redacted]"
    assert brief["openQuestions"][0]["text"] == "[redacted]"
    assert "Still nothing" not in brief["text"]
    assert brief["issue"]["intent"] == "refund"
