"""`threadline reenrich` rewrites enrichment of stored messages, idempotently."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from neo4j import Driver

from enrichment.pipeline import EnrichmentConfig, build_enricher
from graph.config import Settings
from graph.domain.events import EventInput
from graph.pipeline.ingest import ingest_events
from graph.pipeline.reenrich import reenrich
from graph.store.database import Database

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


def annotations_of(
    driver: Driver, session_id: str
) -> list[tuple[int, str | None, list[str], list[str]]]:
    records, _, _ = driver.execute_query(
        "MATCH (m:Message {sessionId: $s}) "
        "RETURN m.seq AS seq, m.enrichmentVersion AS version, "
        "COLLECT { MATCH (m)-[:MENTIONS]->(e) RETURN e.key ORDER BY e.key } AS entities, "
        "COLLECT { MATCH (m)-[:EXPRESSES]->(i) RETURN i.name ORDER BY i.name } AS intents "
        "ORDER BY seq",
        s=session_id,
    )
    return [(r["seq"], r["version"], r["entities"], r["intents"]) for r in records]


async def test_reenrich_annotates_stored_messages_and_is_idempotent(
    db: Database, driver: Driver, uid: str
) -> None:
    # a private time window, so the test only touches its own messages on a shared server
    start = datetime(2001, 1, 1, tzinfo=UTC) + timedelta(minutes=random.randrange(10**6))
    order = f"Q-{random.randrange(10**6, 10**7)}"
    result = await ingest_events(
        db,
        [  # stored without enrichment
            EventInput(
                f"{uid}-1", "web", uid, occurred_at=start, text=f"where is my order {order}?"
            ),
            EventInput(
                f"{uid}-2", "web", uid, occurred_at=start + timedelta(seconds=1), text="thanks!"
            ),
        ],
    )
    session_id = result.results[0].session_id
    assert annotations_of(driver, session_id) == [(1, None, [], []), (2, None, [], [])]

    enricher = build_enricher(EnrichmentConfig(model="rules"))
    window = (start, start + timedelta(minutes=1))
    assert await reenrich(db, enricher, *window, page_size=1) == 2
    expected = [
        (1, enricher.version, [f"ORDER_ID:{order.replace('-', '')}"], ["order_status"]),
        (2, enricher.version, [], ["thanks"]),
    ]
    assert annotations_of(driver, session_id) == expected
    assert await reenrich(db, enricher, *window) == 2
    assert annotations_of(driver, session_id) == expected
    assert await reenrich(db, enricher, *window, outdated_only=True) == 0

    # the text changes (e.g. redaction): the entity nothing mentions any more disappears
    driver.execute_query(
        "MATCH (m:Message {sessionId: $s, seq: 1}) SET m.text = 'where is it?'", s=session_id
    )
    assert await reenrich(db, enricher, *window) == 2
    assert annotations_of(driver, session_id)[0][2] == []
    gone, _, _ = driver.execute_query(
        "MATCH (e:Entity {key: $k}) RETURN count(e) AS n", k=f"ORDER_ID:{order.replace('-', '')}"
    )
    assert gone[0]["n"] == 0


async def test_reenrich_command_line(db: Database, settings: Settings, uid: str) -> None:
    start = datetime(2002, 1, 1, tzinfo=UTC) + timedelta(minutes=random.randrange(10**6))
    await ingest_events(db, [EventInput(f"{uid}-1", "sms", uid, occurred_at=start, text="hi")])
    env = {**os.environ, "NEO4J_URI": str(settings.neo4j_uri)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "api.cli",
            "reenrich",
            "--model",
            "rules",
            "--since",
            start.isoformat(),
            "--until",
            (start + timedelta(seconds=1)).isoformat(),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "re-enriched 1 messages" in done.stderr
