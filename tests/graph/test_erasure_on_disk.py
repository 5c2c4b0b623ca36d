"""Erasure reaches the disk as far as Neo4j lets it: the erased person's words leave the
transaction logs once the logs holding them have rotated out and a checkpoint has passed, and
leave the fulltext index (docs/security.md). Neo4j's own exceptions, documented there: a deleted
record's bytes stay in the store files (`neostore.*`) until Neo4j reuses the record — no bound
(a run found them after every later write of this test) — and a deleted identifier's bytes can
stay in a range-index page until the page is rewritten."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from graph.compliance import gdpr
from graph.domain.events import EventInput
from graph.local.provision import Neo4jTarget
from graph.pipeline.ingest import ingest_events
from graph.store.database import Database
from graph.store.schema import rebuild_fulltext
from graph.store.sessions import get_session

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


def files_holding(folder: Path, marker: str) -> list[str]:
    """Files under `folder` holding `marker` in any case (Lucene keeps terms lowercased)."""
    found = subprocess.run(
        ["grep", "-rlaiF", marker, str(folder)], capture_output=True, text=True, check=False
    )
    return found.stdout.split()


def outside_range_indexes(files: list[str]) -> list[str]:
    return [f for f in files if "/schema/index/range-" not in f]


def outside_store_files(files: list[str]) -> list[str]:
    """Not the record stores of data/databases (the transaction logs live in data/transactions)."""
    return [f for f in files if not ("/databases/" in f and Path(f).name.startswith("neostore."))]


async def test_erased_text_leaves_the_data_directory(
    db: Database, neo4j_target: Neo4jTarget, uid: str
) -> None:
    if neo4j_target.source != "local" or neo4j_target.home is None:
        pytest.skip("needs the data folder of a server this suite provisioned")
    data = neo4j_target.home / "data"
    marker, handle = f"ERASEMARK{uid}", f"ERASEID{uid}"
    text = f"my name is {marker} and I live at 12 {marker} Street, please call me back soon"
    stored = await ingest_events(
        db,
        [
            EventInput(
                f"{uid}-1",
                "web",
                f"visitor-{handle}",
                text=text,
                attributes={"name": marker},
                metadata={"page": f"/{marker}"},
            )
        ],
    )
    user = await get_session(db, stored.results[0].session_id)
    assert user is not None
    await gdpr.erase_user(db, user.user_id)

    # other people keep writing: the log files holding the erased data (the erasing transaction
    # records what it deleted too) rotate out (256 KB files here)
    filler = "other customers talk about their orders and deliveries " * 20
    for batch in range(4):
        await ingest_events(
            db,
            [
                EventInput(f"{uid}-fill-{batch}-{n}", "web", f"filler-{uid}", text=filler)
                for n in range(400)
            ],
        )
    deadline = time.monotonic() + 60  # a checkpoint every 5 s prunes them

    def remaining() -> list[str]:
        found = files_holding(data, marker) + outside_range_indexes(files_holding(data, handle))
        return outside_store_files(found)

    while (holding := remaining()) and time.monotonic() < deadline:
        time.sleep(1)
    assert holding == []


async def test_rebuilding_the_fulltext_index_purges_erased_words(
    db: Database, neo4j_target: Neo4jTarget, uid: str
) -> None:
    """`threadline fulltext rebuild`: the index is built again from what is stored, so no file
    of it holds an erased message's words — at once, not after a merge — and it still finds
    what is there."""
    if neo4j_target.source != "local" or neo4j_target.home is None:
        pytest.skip("needs the data folder of a server this suite provisioned")
    marker, kept = f"PURGEMARK{uid}", f"KEEPMARK{uid}"
    erased = await ingest_events(
        db, [EventInput(f"{uid}-1", "web", f"gone-{uid}", text=f"my secret word is {marker}")]
    )
    await ingest_events(
        db, [EventInput(f"{uid}-2", "web", f"stays-{uid}", text=f"the word {kept} stays")]
    )
    session = await get_session(db, erased.results[0].session_id)
    assert session is not None
    await gdpr.erase_user(db, session.user_id)

    await rebuild_fulltext(db)
    index = neo4j_target.home / "data" / "databases"
    assert [f for f in files_holding(index, marker) if "/schema/index/" in f] == []
    found, _, _ = await db.driver.execute_query(
        "CALL db.index.fulltext.queryNodes('message_search', $q) YIELD node RETURN node.text AS t",
        q=kept.lower(),
        database_=db.name,
    )
    assert [r["t"] for r in found] == [f"the word {kept} stays"]
