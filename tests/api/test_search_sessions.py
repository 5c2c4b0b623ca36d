"""`searchSessions` over real HTTP: by person (merged users included), by entity (a key or
words the enrichment recognizes), by time, combined; typed errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.helpers.server import GraphQLClient

pytestmark = pytest.mark.integration

INGEST = "mutation($e: [EventInput!]!) { ingestEvents(events: $e) { results { sessionId } } }"
SEARCH = """
query($u: ID, $c: String, $e: String, $entity: String, $since: DateTime, $until: DateTime) {
  searchSessions(userId: $u, channel: $c, externalUserId: $e, entity: $entity, since: $since,
                 until: $until) { id userId channels }
}
"""


def data(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]
    return result


def say(gql: GraphQLClient, event_id: str, who: str, text: str) -> str:
    event = {"eventId": event_id, "channel": "web", "externalUserId": who, "text": text}
    return str(data(gql(INGEST, e=[event]))["ingestEvents"]["results"][0]["sessionId"])


def found(gql: GraphQLClient, **variables: Any) -> set[str]:
    return {s["id"] for s in data(gql(SEARCH, **variables))["searchSessions"]}


def test_sessions_by_person_entity_and_time(gql: GraphQLClient, uid: str) -> None:
    order = f"Q{int(uid[:8], 16) % 10**7:07d}"
    first = say(gql, f"{uid}-1", f"a-{uid}", f"Where is order {order}?")
    data(gql("mutation($s: ID!) { closeSession(sessionId: $s) { id } }", s=first))
    second = say(gql, f"{uid}-2", f"a-{uid}", "Something else entirely")
    other = say(gql, f"{uid}-3", f"b-{uid}", f"I also ordered {order}, order {order}")
    user = data(gql("query($s: ID!) { session(id: $s) { userId } }", s=first))["session"]["userId"]

    assert found(gql, u=user) == {first, second}
    assert found(gql, c="web", e=f"a-{uid}") == {first, second}
    assert found(gql, entity=f"ORDER_ID:{order}") == {first, other}
    assert found(gql, entity=f"order {order}") == {first, other}
    assert found(gql, u=user, entity=f"ORDER_ID:{order}") == {first}
    recent = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    assert {first, second, other} <= found(gql, since=recent)
    assert found(gql, u=user, until="2001-01-01T00:00:00Z") == set()


def test_search_needs_a_filter_and_known_people(gql: GraphQLClient, uid: str) -> None:
    def code(**variables: Any) -> str:
        body: Any = gql(SEARCH, **variables)
        return str(body["errors"][0]["extensions"]["code"])

    assert code() == "BAD_INPUT"
    assert code(entity="nothing to see here") == "BAD_INPUT"
    assert code(c="web") == "BAD_INPUT"
    assert code(c="web", e=f"nobody-{uid}") == "NOT_FOUND"
    assert code(u=f"usr_nobody{uid}") == "NOT_FOUND"
