"""The audit trail: who (key id / JWT subject), what (operation, target ids), when, and outcome.

Entries are buffered in memory and appended in batches by a background task (one UNWIND CREATE
per flush), so auditing a read costs the request a list append. Target ids are stored as keyed
hashes (`graph.compliance.pseudonyms`): admins filter by the plain id, which is hashed the same
way, and an
erased user's ids do not survive in the trail. Tokens, message text and other arguments are never
recorded. Nothing in the API updates or deletes an entry.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from graph.compliance.pseudonyms import Pseudonymizer
from graph.domain.records import native_time, to_millis

if TYPE_CHECKING:
    from pydantic import SecretStr

    from graph.store.database import Database

log = logging.getLogger("threadline.audit")

MAX_ENTRIES = 1000  # per write
MAX_PENDING = 200_000  # buffered while Neo4j is unreachable; beyond it the oldest are dropped


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    subject: str
    role: str
    operation: str
    targets: list[str]  # keyed hashes of the ids the operation touched
    outcome: str  # OK, or the error code
    request_id: str
    id: str = ""

    @classmethod
    def from_map(cls, row: dict[str, Any]) -> AuditEntry:
        at = native_time(row["at"])
        if at is None:
            raise RuntimeError("an audit entry without a time")
        return cls(
            at,
            row["subject"],
            row["role"],
            row["operation"],
            list(row["targets"] or []),
            row["outcome"],
            row["requestId"],
            row["id"],
        )


@dataclass(frozen=True)
class AuditFilter:
    since: datetime | None = None
    until: datetime | None = None
    subject: str | None = None
    operation: str | None = None
    target: str | None = None  # a plain id; compared by its keyed hash
    outcome: str | None = None
    limit: int = 100


class AuditLog:
    """Buffered, append-only writer of audit entries for one process."""

    def __init__(
        self, db: Database, pseudonym_key: SecretStr | None, interval: float = 0.2
    ) -> None:
        self.db = db
        self.pseudonym_key = pseudonym_key
        self.interval = interval
        # the hashing key may live in the graph: read on first use, so the log can be built with
        # the app (targets stay plain in the buffer until the flush hashes them)
        self._pseudonymize: Pseudonymizer | None = None
        self._pending: list[dict[str, Any]] = []
        self._lock = asyncio.Lock()

    def record(
        self,
        subject: str,
        role: str,
        operation: str,
        targets: set[str],
        outcome: str,
        request_id: str | None = None,  # a GraphQL request's id; else a fresh one
    ) -> None:
        if len(self._pending) >= MAX_PENDING:
            log.error("audit buffer full (Neo4j unreachable?): dropping the oldest entry")
            del self._pending[0]
        self._pending.append(
            {
                "id": uuid.uuid4().hex,
                "at": to_millis(datetime.now(UTC)),
                "subject": subject,
                "role": role,
                "operation": operation,
                "targets": sorted(targets),
                "outcome": outcome,
                "requestId": request_id or uuid.uuid4().hex[:16],
            }
        )

    def record_system(self, operation: str, targets: set[str], outcome: str) -> None:
        """What Threadline did on its own (a trigger firing): subject `system`."""
        self.record("system", "system", operation, targets, outcome)

    async def pseudonymize(self, value: str) -> str:
        """The keyed hash standing in for an id in the trail."""
        if self._pseudonymize is None:
            self._pseudonymize = await Pseudonymizer.for_database(self.db, self.pseudonym_key)
        return self._pseudonymize(value)

    async def _hashed(self, entry: dict[str, Any]) -> dict[str, Any]:
        targets = [await self.pseudonymize(target) for target in entry["targets"]]
        return entry | {"targets": sorted(targets)}

    async def flush(self) -> int:
        """Write what is buffered (targets hashed now); entries stay buffered if it fails."""
        async with self._lock:
            written = 0
            while self._pending:
                batch = self._pending[:MAX_ENTRIES]
                hashed = [
                    entry
                    | {"targets": sorted([await self.pseudonymize(t) for t in entry["targets"]])}
                    for entry in batch
                ]
                await self.db.write("audit/append", entries=hashed)
                del self._pending[: len(batch)]
                written += len(batch)
            return written

    async def run(self) -> None:
        """Flush every `interval` until cancelled, then once more."""
        try:
            while True:
                await asyncio.sleep(self.interval)
                try:
                    await self.flush()
                except Exception:  # kept buffered; retried at the next interval
                    log.exception("audit flush failed (%d entries pending)", len(self._pending))
        finally:
            with contextlib.suppress(Exception):
                await self.flush()

    async def query(self, wanted: AuditFilter) -> list[AuditEntry]:
        await self.flush()  # an admin sees their own reads up to now
        records = await self.db.read(
            "audit/query",
            since=to_millis(wanted.since or datetime(1970, 1, 1, tzinfo=UTC)),
            until=to_millis(wanted.until or datetime.now(UTC)),
            subject=wanted.subject,
            operation=wanted.operation,
            target=await self.pseudonymize(wanted.target) if wanted.target else None,
            outcome=wanted.outcome,
            limit=max(1, min(wanted.limit, 1000)),
        )
        return [AuditEntry.from_map(r["entry"]) for r in records]
