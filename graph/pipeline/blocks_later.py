"""Recall blocks kept up to date just after commit when no embedding worker does it
(`THREADLINE_EMBEDDINGS=off`; with embeddings on, the embedding worker builds them after each
batch it stores). A session's blocks are rebuilt once `EVERY` of its messages were committed
since the last build: recall reads the messages after the blocks one by one, so a session's few
newest messages cost nothing to leave out, and a long conversation is never read message by
message (graph/store/recall_blocks.py). Memory stays bounded: at most `MAX_SESSIONS` sessions
are counted; beyond that the counts start again (the blocks are a cache: `threadline reenrich`
builds what is missing)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from graph.pipeline.drain import Draining
from graph.store.recall_blocks import refresh_blocks

if TYPE_CHECKING:
    from graph.store.database import Database

log = logging.getLogger("threadline.recall")

EVERY = 32  # committed messages of a session between two builds of its blocks
MAX_SESSIONS = 10_000  # sessions whose new messages are counted at once
BATCH = 64  # sessions per build transaction


class BlocksWorker(Draining):
    """One per process: `committed` the session of each committed message."""

    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db
        self.counts: dict[str, int] = {}
        self.due: list[str] = []
        self.built = 0  # blocks written

    def committed(self, session_ids: list[str]) -> None:
        if len(self.counts) > MAX_SESSIONS:
            self.counts.clear()
        for session_id in session_ids:
            count = self.counts.get(session_id, 0) + 1
            if count >= EVERY:
                self.counts.pop(session_id, None)
                self.due.append(session_id)
            else:
                self.counts[session_id] = count
        if self.due:
            self._wake()

    async def _drain(self) -> None:
        while self.due:
            batch, self.due = self.due[:BATCH], self.due[BATCH:]
            try:
                self.built += await refresh_blocks(self.db, batch, None)
            except Exception:  # the store is down: the next messages, or reenrich, build them
                log.exception("building the recall blocks of %d sessions failed", len(batch))
