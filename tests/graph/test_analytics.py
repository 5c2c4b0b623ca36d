"""Every analytic on a small hand-built graph with known answers, in a private time window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from neo4j import Driver

from graph.analytics.named import catalog, find, parse_header, run_analytic
from graph.domain.errors import BadInputError, NotFoundError
from graph.store.database import Database

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

BUILD = """
WITH datetime({epochMillis: $t0}) AS t0
CREATE (uA:User {id: $p + 'uA', createdAt: t0}), (uB:User {id: $p + 'uB', createdAt: t0}),
       (uC:User {id: $p + 'uC', createdAt: t0})
CREATE (:Identity {key: 'web:' + $p + 'a', channel: 'web'})-[:IDENTIFIES]->(uA),
       (:Identity {key: 'mobile:' + $p + 'a', channel: 'mobile'})-[:IDENTIFIES]->(uA),
       (:Identity {key: 'whatsapp:' + $p + 'b', channel: 'whatsapp'})-[:IDENTIFIES]->(uB),
       (:Identity {key: 'web:' + $p + 'c', channel: 'web'})-[:IDENTIFIES]->(uC),
       (:Identity {key: 'email:' + $p + 'c', channel: 'email'})-[:IDENTIFIES {mergeId: 'm'}]->(uC)
CREATE (sA:Session {id: $p + 'sA', status: 'ACTIVE', createdAt: t0,
          lastActivityAt: t0 + duration({seconds: 120}), channels: ['web', 'mobile'], seq: 3}),
       (sB:Session {id: $p + 'sB', status: 'CLOSED', closeReason: 'inactivity timeout',
          createdAt: t0 + duration({seconds: 10}), lastActivityAt: t0 + duration({seconds: 10}),
          channels: ['whatsapp'], seq: 1}),
       (sC:Session {id: $p + 'sC', status: 'IDLE', createdAt: t0 + duration({seconds: 20}),
          lastActivityAt: t0 + duration({seconds: 80}), channels: ['web'], seq: 2}),
       (sD:Session {id: $p + 'sD', status: 'ACTIVE', createdAt: t0 + duration({hours: 1}),
          lastActivityAt: t0 + duration({hours: 1}), channels: ['email'], seq: 1})
CREATE (uA)-[:HAS_SESSION]->(sA), (uB)-[:HAS_SESSION]->(sB), (uC)-[:HAS_SESSION]->(sC),
       (uC)-[:HAS_SESSION]->(sD), (sD)-[:CONTINUES]->(sC)
CREATE (order:Entity {key: 'ORDER_ID:T' + $p, type: 'ORDER_ID', value: 'T' + $p}),
       (email:Entity {key: 'EMAIL:' + $p + '@example.com', type: 'EMAIL',
                      value: $p + '@example.com'})
WITH *
UNWIND [
  ['a1', sA, 'web', 'USER', 1, 0, -0.5, 'NEGATIVE', ['delivery_problem'], 'order'],
  ['a2', sA, 'web', 'BOT', 2, 60, null, null, [], null],
  ['a3', sA, 'mobile', 'USER', 3, 120, -0.2, 'NEGATIVE', ['order_status'], 'order'],
  ['b1', sB, 'whatsapp', 'USER', 1, 10, 0.8, 'POSITIVE', ['thanks'], null],
  ['c1', sC, 'web', 'USER', 1, 20, 0.0, 'NEUTRAL', ['refund'], 'email'],
  ['c2', sC, 'web', 'AGENT', 2, 80, null, null, [], null],
  ['d1', sD, 'email', 'USER', 1, 3600, -0.6, 'NEGATIVE', ['refund'], 'email']
] AS row
WITH t0, order, email, row, row[1] AS s
CREATE (m:Message {id: $p + row[0], sessionId: s.id, channel: row[2], role: row[3], seq: row[4],
  at: t0 + duration({seconds: row[5]}), sentiment: row[6], sentimentLabel: row[7],
  intents: row[8]})
CREATE (m)-[:IN]->(s)
FOREACH (_ IN CASE row[9] WHEN 'order' THEN [1] ELSE [] END | CREATE (m)-[:MENTIONS]->(order))
FOREACH (_ IN CASE row[9] WHEN 'email' THEN [1] ELSE [] END | CREATE (m)-[:MENTIONS]->(email))
WITH count(*) AS created
MATCH (a1:Message {id: $p + 'a1'}), (a2:Message {id: $p + 'a2'}), (a3:Message {id: $p + 'a3'}),
      (c1:Message {id: $p + 'c1'}), (c2:Message {id: $p + 'c2'}), (sC:Session {id: $p + 'sC'})
CREATE (a1)-[:NEXT]->(a2), (a2)-[:NEXT]->(a3), (c1)-[:NEXT]->(c2)
MERGE (agent:Agent {id: $p + 'human'}) ON CREATE SET agent.kind = 'HUMAN'
CREATE (sC)-[:HANDLED_BY {reason: 'refund',
                          at: datetime({epochMillis: $t0}) + duration({seconds: 320})}]->(agent)
"""


EMPTY_DAY = """
OPTIONAL MATCH (s:Session) WHERE s.createdAt >= datetime({epochMillis: $since})
  AND s.createdAt < datetime({epochMillis: $until})
WITH count(s) AS sessions
OPTIONAL MATCH (m:Message) WHERE m.at >= datetime({epochMillis: $since})
  AND m.at < datetime({epochMillis: $until})
WITH sessions, count(m) AS messages
RETURN sessions + messages AS n
"""


@pytest.fixture
def t0(driver: Driver) -> datetime:
    """06:00 on the first day from 1971-01-01 on which the store holds no session and no
    message: that day's analytics are this test's alone, deterministically, however many runs a
    reused database has seen (no other test writes in those years)."""
    day = datetime(1971, 1, 1, 6, tzinfo=UTC)
    while True:
        since = int(day.timestamp() * 1000)
        records, _, _ = driver.execute_query(EMPTY_DAY, since=since, until=since + 86_400_000)
        if records[0]["n"] == 0:
            return day
        day += timedelta(days=1)


async def build(db: Database, uid: str, t0: datetime) -> dict[str, str]:
    await db.driver.execute_query(BUILD, p=f"an{uid}-", t0=int(t0.timestamp() * 1000))
    return {"since": t0.isoformat(), "until": (t0 + timedelta(days=1)).isoformat()}


async def rows(db: Database, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    return (await run_analytic(db, name, params)).as_dicts()


async def test_journey_analytics_on_a_known_graph(db: Database, uid: str, t0: datetime) -> None:
    window = await build(db, uid, t0)
    p = f"an{uid}-"

    switch = await rows(db, "channel_switch_rate", window)
    by_kind = {r["kind"]: r for r in switch if r["kind"] != "switch"}
    assert (by_kind["sessions"]["count"], by_kind["sessions"]["total"]) == (1, 4)
    assert by_kind["sessions"]["rate"] == 0.25
    assert (by_kind["users"]["count"], by_kind["users"]["total"]) == (2, 3)
    assert [(r["from"], r["to"], r["count"]) for r in switch if r["kind"] == "switch"] == [
        ("web", "mobile", 1)
    ]

    length = {r["channel"]: r for r in await rows(db, "session_length", window)}
    assert length["web"]["sessions"] == 2
    assert (length["web"]["meanSeconds"], length["web"]["medianSeconds"]) == (90.0, 90.0)
    assert length["web"]["p90Seconds"] == pytest.approx(114.0)
    assert length["web"]["meanMessages"] == 2.5
    assert (length["email"]["sessions"], length["email"]["meanSeconds"]) == (1, 0.0)

    assert await rows(db, "abandonment_points", window) == [
        {
            "lastIntent": "(none)",
            "lastRole": "AGENT",
            "channel": "web",
            "position": 2,
            "sessions": 1,
        }
    ]

    repeat = await rows(db, "repeat_rate", window)
    assert repeat == [
        {
            "entityType": "ALL",
            "sessionsWithSwitch": 1,
            "sessionsWithRepeat": 1,
            "repeats": 1,
            "rate": 1.0,
        },
        {
            "entityType": "ORDER_ID",
            "sessionsWithSwitch": 1,
            "sessionsWithRepeat": 1,
            "repeats": 1,
            "rate": 1.0,
        },
    ]

    day = t0.date().isoformat()
    assert await rows(db, "fallback_frequency", window) == [
        {"day": day, "channel": "email", "sessions": 1, "continued": 1, "rate": 1.0},
        {"day": day, "channel": "web", "sessions": 2, "continued": 0, "rate": 0.0},
        {"day": day, "channel": "whatsapp", "sessions": 1, "continued": 0, "rate": 0.0},
    ]

    handoffs = await rows(db, "handoff_stats", window)
    assert handoffs[0] == {
        "channel": "web",
        "intent": "refund",
        "sessions": 1,
        "handedOff": 1,
        "rate": 1.0,
        "meanSecondsToHandoff": 300.0,
    }
    assert sum(r["sessions"] for r in handoffs) == 4
    assert sum(r["handedOff"] for r in handoffs) == 1

    sentiment = {r["channel"]: r for r in await rows(db, "sentiment_by_channel", window)}
    assert (sentiment["web"]["messages"], sentiment["web"]["meanSentiment"]) == (2, -0.25)
    assert (sentiment["web"]["negativeShare"], sentiment["web"]["positiveShare"]) == (0.5, 0.0)
    assert sentiment["whatsapp"]["positiveShare"] == 1.0
    assert sentiment["email"]["negativeShare"] == 1.0

    top = await rows(db, "top_entities", window | {"limit": "5"})
    assert [(r["type"], r["mentions"], r["sessions"]) for r in top] == [
        ("EMAIL", 2, 2),
        ("ORDER_ID", 2, 1),
    ]
    assert sorted(top[1]["channels"]) == ["mobile", "web"]
    assert top[0]["key"] == f"EMAIL:{p}@example.com"

    mix = {(r["channel"], r["intent"]): r["share"] for r in await rows(db, "intent_mix", window)}
    assert mix == {
        ("email", "refund"): 1.0,
        ("mobile", "order_status"): 1.0,
        ("web", "delivery_problem"): 0.5,
        ("web", "refund"): 0.5,
        ("whatsapp", "thanks"): 1.0,
    }


async def test_whole_graph_analytics_by_difference(db: Database, uid: str, t0: datetime) -> None:
    now = {"now": (t0 + timedelta(days=2)).isoformat()}
    before_orphans = {r["status"]: r["sessions"] for r in await rows(db, "orphaned_sessions", now)}
    before_ids = {r["channels"]: r for r in await rows(db, "identity_graph", {})}
    await build(db, uid, t0)
    orphans = {r["status"]: r["sessions"] for r in await rows(db, "orphaned_sessions", now)}
    assert orphans["ACTIVE"] - before_orphans["ACTIVE"] == 2  # sA, sD past the idle timer
    assert orphans["IDLE"] - before_orphans["IDLE"] == 1  # sC past the close timer
    ids = {r["channels"]: r for r in await rows(db, "identity_graph", {})}

    def grew(channels: int, column: str) -> int:
        old = before_ids.get(channels, {}).get(column, 0)
        return int(ids[channels][column]) - int(old)

    assert (grew(1, "users"), grew(2, "users"), grew(2, "mergedUsers")) == (1, 2, 1)


def test_catalog_headers() -> None:
    names = {a.name for a in catalog()}
    assert names >= {
        "channel_switch_rate",
        "session_length",
        "abandonment_points",
        "repeat_rate",
        "fallback_frequency",
        "handoff_stats",
        "sentiment_by_channel",
        "top_entities",
        "intent_mix",
        "orphaned_sessions",
        "identity_graph",
    }
    for analytic in catalog():
        assert analytic.title, analytic.name
        assert analytic.description, analytic.name
        assert analytic.columns, analytic.name
    top = find("top_entities")
    assert [(p.name, p.type, p.default) for p in top.parameters][-1] == ("limit", "int", "20")
    parsed = parse_header(
        "x", "// title: X\n// description: one\n//   two\n// columns: a, b\nRETURN 1"
    )
    assert (parsed.description, parsed.columns) == ("one two", ["a", "b"])


async def test_bad_analytics_calls(db: Database) -> None:
    with pytest.raises(NotFoundError):
        await run_analytic(db, "nope", {})
    with pytest.raises(BadInputError, match="no parameter"):
        await run_analytic(db, "top_entities", {"limitt": 3})
    with pytest.raises(BadInputError, match="must be a int"):
        await run_analytic(db, "top_entities", {"limit": "many"})


async def test_ad_hoc_cypher_is_read_only(db: Database, driver: Driver, uid: str) -> None:
    from graph.analytics.named import read_only

    table = await read_only(db, "UNWIND range(1, 50) AS n RETURN n, n * n AS square", {}, 10, 5)
    assert table.columns == ["n", "square"]
    assert len(table.rows) == 10
    assert table.truncated
    with pytest.raises(BadInputError, match="read-only"):
        await read_only(db, "CREATE (:Probe {id: $id})", {"id": uid}, 10, 5)
    records, _, _ = driver.execute_query("MATCH (n:Probe {id: $id}) RETURN count(n) AS n", id=uid)
    assert records[0]["n"] == 0
    with pytest.raises(BadInputError, match="Cypher error"):
        await read_only(db, "MATCH (n RETURN n", {}, 10, 5)
