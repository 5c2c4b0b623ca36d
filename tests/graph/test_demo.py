"""The demo dataset has every shape the analytics look for."""

from __future__ import annotations

import random

import pytest
from neo4j import Driver

from enrichment.pipeline import Enricher
from graph.local.demo import load_demo
from graph.store.database import Database

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


async def test_demo_has_switches_repeats_handoffs_expiries_and_returns(
    db: Database, driver: Driver, rules_enricher: Enricher
) -> None:
    seed = random.randrange(10**6)  # a dataset of its own, even on a reused database
    summary = await load_demo(db, rules_enricher, users=40, seed=seed)
    assert summary.users == 40
    assert set(summary.journeys) == {"switch", "resolved", "escalation", "abandoned", "returning"}
    assert summary.handoffs == summary.journeys["escalation"]
    prefix = f"demo-{seed}-40-"
    records, _, _ = driver.execute_query(
        "MATCH (m:Message) WHERE m.eventId STARTS WITH $p "
        "WITH DISTINCT m.sessionId AS id MATCH (s:Session {id: id}) "
        "RETURN sum(CASE WHEN size(s.channels) > 1 THEN 1 ELSE 0 END) AS switched, "
        "  sum(CASE WHEN EXISTS { (s)-[:CONTINUES]->() } THEN 1 ELSE 0 END) AS continued, "
        "  sum(CASE WHEN s.status IN ['CLOSED', 'ARCHIVED'] THEN 1 ELSE 0 END) AS expired, "
        "  sum(CASE WHEN EXISTS { (s)-[:HANDLED_BY]->(:Agent {kind: 'HUMAN'}) } THEN 1 ELSE 0 END)"
        "    AS handed",
        p=prefix,
    )
    row = records[0]
    assert row["switched"] == summary.journeys["switch"]
    assert row["handed"] == summary.handoffs
    assert row["continued"] >= 1
    assert row["expired"] >= summary.users // 2
    again = await load_demo(db, rules_enricher, users=40, seed=seed)
    assert (again.users, again.events, again.handoffs) == (0, 0, 0)
