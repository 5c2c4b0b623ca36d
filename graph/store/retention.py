"""Retention: what happens to the messages of ARCHIVED sessions after N days.

`anonymize` (default) removes message text, metadata, the surface text of mentions and the
mentions of personal entities (email, phone), keeping sentiment, intents and other entities for
analytics; `purge` deletes the messages and events themselves. Sessions are processed in pages,
messages in batches, each session once (`retentionAppliedAt`). Runs from `threadline retention
run` and from the background sweeper of `serve` when `THREADLINE_RETENTION_DAYS` is set.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from graph.domain.records import to_millis

if TYPE_CHECKING:
    from graph.store.database import Database

PAGE = 200
BATCH = 5000


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
        page = await db.write_rows("gdpr/retention_sessions", before=before, limit=PAGE)
        for row in page:
            session_id = row["id"]
            if mode == "purge":
                messages, keys = await db.write_in_batches(
                    "gdpr/erase_messages", BATCH, sessionId=session_id, userIds=None
                )
                events, _ = await db.write_in_batches(
                    "gdpr/erase_events", BATCH, sessionId=session_id, userIds=None
                )
                counts["events"] += events
            else:
                messages, keys = await db.write_in_batches(
                    "gdpr/retention_anonymize",
                    BATCH,
                    sessionId=session_id,
                    now=to_millis(moment),
                )
            counts["messages"] += messages
            if keys:
                [orphans] = await db.write_rows("gdpr/erase_orphan_entities", keys=sorted(keys))
                counts["entities"] += int(orphans["deleted"])
            await db.write_rows(
                "gdpr/retention_done", sessionId=session_id, now=to_millis(moment), mode=mode
            )
            counts["sessions"] += 1
        if len(page) < PAGE:
            return counts
