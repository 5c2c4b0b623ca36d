"""Erasure reaches the disk: the erased person's words leave Neo4j's store and transaction logs
once the log holding them has rotated and a checkpoint has passed (docs/security.md)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from graph import gdpr
from graph.database import Database
from graph.events import EventInput
from graph.ingest import ingest_events
from graph.provision import Neo4jTarget
from graph.sessions import get_session

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


def files_holding(folder: Path, marker: str) -> list[str]:
    found = subprocess.run(
        ["grep", "-rlaF", marker, str(folder)], capture_output=True, text=True, check=False
    )
    return found.stdout.split()


async def test_erased_text_leaves_the_data_directory(
    db: Database, neo4j_target: Neo4jTarget, uid: str
) -> None:
    if neo4j_target.source != "local" or neo4j_target.home is None:
        pytest.skip("needs the data folder of a server this suite provisioned")
    data = neo4j_target.home / "data"
    marker = f"ERASEMARK{uid}"
    text = f"my name is {marker} and I live at 12 {marker} Street, please call me back soon"
    stored = await ingest_events(
        db,
        [
            EventInput(
                f"{uid}-1",
                "web",
                f"visitor-{marker}",
                text=text,
                attributes={"name": marker},
                metadata={"page": f"/{marker}"},
            )
        ],
    )
    user = await get_session(db, stored.results[0].session_id)
    assert user is not None
    await gdpr.erase_user(db, user.user_id)

    # other people keep writing: the log file holding the erased data rotates (1 MB here)
    filler = "other customers talk about their orders and deliveries " * 20
    for batch in range(3):
        await ingest_events(
            db,
            [
                EventInput(f"{uid}-fill-{batch}-{n}", "web", f"filler-{uid}", text=filler)
                for n in range(400)
            ],
        )
    deadline = time.monotonic() + 60  # a checkpoint every 5 s prunes it
    while (holding := files_holding(data, marker)) and time.monotonic() < deadline:
        time.sleep(1)
    assert holding == []
