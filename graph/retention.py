"""Retention: what happens to the messages of ARCHIVED sessions after N days.

`anonymize` (default) removes message text, metadata, the surface text of mentions and the
mentions of personal entities (email, phone), keeping sentiment, intents and other entities for
analytics; `purge` deletes the messages and events themselves. Sessions are processed in pages,
messages in batches, each session once (`retentionAppliedAt`). Runs from `threadline retention
run` and from the background sweeper of `serve` when `THREADLINE_RETENTION_DAYS` is set.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import cypher
from graph.records import to_millis

if TYPE_CHECKING:
    from graph.database import Database

PAGE = 200
BATCH = 5000


async def _run(db: Database, name: str, **params: Any) -> list[dict[str, Any]]:
    records, _, _ = await db.driver.execute_query(
        cypher.load(name), parameters_=params, database_=db.name
    )
    return [r.data() for r in records]


async def _batches(db: Database, name: str, **params: Any) -> tuple[int, set[str]]:
    total, keys = 0, set[str]()
    while True:
        [row] = await _run(db, name, limit=BATCH, **params)
        keys.update(row.get("entityKeys") or [])
        total += int(row["deleted"])
        if row["deleted"] < BATCH:
            return total, keys


async def apply_retention(
    db: Database, days: float, mode: str = "anonymize", now: datetime | None = None
) -> dict[str, int]:
    """Process every due session; returns sessions and messages (and events) affected."""
    if mode not in ("anonymize", "purge"):
        raise ValueError("retention mode must be anonymize or purge")
    moment = now or datetime.now(UTC)
    before = to_millis(moment - timedelta(days=days))
    counts = {"sessions": 0, "messages": 0, "events": 0, "entities": 0}
    while True:
        page = await _run(db, "gdpr/retention_sessions", before=before, limit=PAGE)
        for row in page:
            session_id = row["id"]
            if mode == "purge":
                messages, keys = await _batches(db, "gdpr/erase_messages", sessionId=session_id)
                events, _ = await _batches(db, "gdpr/erase_events", sessionId=session_id)
                counts["events"] += events
            else:
                messages, keys = await _batches(
                    db, "gdpr/retention_anonymize", sessionId=session_id, now=to_millis(moment)
                )
            counts["messages"] += messages
            if keys:
                [orphans] = await _run(db, "gdpr/erase_orphan_entities", keys=sorted(keys))
                counts["entities"] += int(orphans["deleted"])
            await _run(
                db, "gdpr/retention_done", sessionId=session_id, now=to_millis(moment), mode=mode
            )
            counts["sessions"] += 1
        if len(page) < PAGE:
            return counts
