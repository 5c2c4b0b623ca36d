"""Existing stores sealed in place: after THREADLINE_ENCRYPTION is turned on, `threadline
migrate` seals every attribute value and recorded change still in clear (written before), page by
page in (owner, key) order. Resumable: what is sealed is skipped, so running it again after an
interruption finishes the job; a value written meanwhile is never overwritten (the write-back
checks the value is still the clear one read)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from graph.store.database import Database

PAGE = 1_000  # attributes per page (with their recorded changes)


async def seal_stored_attributes(
    db: Database,
    progress: Callable[[int, int], None] | None = None,
    page: int = PAGE,
    owners: list[str] | None = None,
) -> int:
    """Seal what is still in clear (of `owners` only — "user:<id>", "session:<id>" — or of
    everyone); how many values were sealed. `progress(attributes seen, values sealed)` after
    each page. Nothing to do when encryption is off."""
    seal = db.attribute_sealing
    if seal is None:
        return 0
    owner, key, seen, sealed = "", "", 0, 0
    while rows := await db.read(
        "keys/clear_attributes", owner=owner, key=key, limit=page, owners=owners
    ):
        writes = []
        for row in rows:
            if row["person"] is None:  # a session without its owner: nobody's key to use
                continue
            for node, value in row["clear"]:
                stored = seal(row["person"], row["key"], value)
                if stored != value:  # not a key declared to stay in clear
                    writes.append({"node": node, "value": stored, "clear": value})
        if writes:
            [done] = await db.write("keys/seal_attributes", rows=writes)
            sealed += int(done["sealed"])
        seen += len(rows)
        owner, key = rows[-1]["owner"], rows[-1]["key"]
        if progress is not None:
            progress(seen, sealed)
    return sealed
