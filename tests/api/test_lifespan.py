"""`serve` runs the lifecycle sweeper in the background."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta

import pytest

from graph.config import Settings
from graph.domain.events import EventInput
from graph.pipeline.ingest import ingest_events
from graph.store.database import Database
from graph.store.sessions import get_session
from tests.helpers.server import serve

pytestmark = pytest.mark.integration


def test_the_app_sweeps_due_sessions_in_the_background(settings: Settings, uid: str) -> None:
    moment = datetime(2004, 1, 1, tzinfo=UTC) + timedelta(minutes=random.randrange(10**6))

    async def arrange() -> str:
        db = Database.from_settings(settings)
        try:
            result = await ingest_events(
                db, [EventInput(f"{uid}-1", "web", uid, occurred_at=moment, text="long ago")]
            )
            return result.results[0].session_id
        finally:
            await db.close()

    async def status(session_id: str) -> str:
        db = Database.from_settings(settings)
        try:
            session = await get_session(db, session_id)
            assert session is not None
            return session.status
        finally:
            await db.close()

    session_id = asyncio.run(arrange())
    with serve(settings.model_copy(update={"sweep_interval_seconds": 0.2})):
        for _ in range(50):
            if asyncio.run(status(session_id)) == "CLOSED":
                break
            asyncio.run(asyncio.sleep(0.1))
    assert asyncio.run(status(session_id)) == "CLOSED"
