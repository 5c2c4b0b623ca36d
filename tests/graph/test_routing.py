"""The store gateway works through a routing URI (`neo4j://`, as for a cluster or Aura): reads
go to a reader, writes to the primary, and a read after a write sees it (bookmarks)."""

from __future__ import annotations

import pytest
from neo4j import AsyncNeo4jDriver

from graph.config import Settings
from graph.domain.events import EventInput
from graph.pipeline.ingest import ingest_events
from graph.store.database import Database
from graph.store.sessions import get_session

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


async def test_reads_and_writes_through_a_neo4j_routing_uri(settings: Settings, uid: str) -> None:
    assert settings.neo4j_uri is not None
    routed = settings.model_copy(
        update={"neo4j_uri": settings.neo4j_uri.replace("bolt://", "neo4j://", 1)}
    )
    db = Database.from_settings(routed)
    try:
        result = await ingest_events(
            db, [EventInput(f"{uid}-1", "web", uid, text="through the routing driver")]
        )
        session = await get_session(db, result.results[0].session_id)  # a routed read
        assert session is not None
        assert session.seq == 1  # the read saw the write it followed
        assert isinstance(db.driver, AsyncNeo4jDriver)  # the routing driver, not a direct one
        readers = await db.read("admin/routing_readers", database=db.name)
        assert readers[0]["readers"]  # the server's routing table names who serves reads
    finally:
        await db.close()
