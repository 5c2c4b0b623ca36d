"""Handoffs: which bot or human agent handles a session, and who handed it to whom."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import cypher
from graph.errors import BadInputError
from graph.events import MAX_ID_LENGTH
from graph.live_events import publish_handoff
from graph.records import SessionRecord, native_time, to_millis
from graph.sessions import only_row

if TYPE_CHECKING:
    from graph.database import Database

AGENT_KINDS = ("BOT", "HUMAN")
MAX_REASON = 1000


@dataclass(frozen=True)
class HandoffRecord:
    from_agent_id: str | None
    agent_id: str
    agent_kind: str
    reason: str | None
    at: datetime


async def handoff(
    db: Database, session_id: str, agent_id: str, reason: str | None, kind: str = "HUMAN"
) -> SessionRecord:
    """Record that `agent_id` now handles the session (HANDLED_BY {from, to, reason, at})."""
    if not agent_id.strip() or len(agent_id) > MAX_ID_LENGTH:
        raise BadInputError(f"agentId must be 1..{MAX_ID_LENGTH} characters", field="agentId")
    if kind not in AGENT_KINDS:
        raise BadInputError(f"agentKind must be one of {AGENT_KINDS}", field="agentKind")
    if reason is not None and len(reason) > MAX_REASON:
        raise BadInputError(f"reason must be at most {MAX_REASON} characters", field="reason")
    records, _, _ = await db.driver.execute_query(
        cypher.load("sessions/handoff"),
        sessionId=session_id,
        agentId=agent_id,
        kind=kind,
        reason=reason,
        now=to_millis(datetime.now(UTC)),
        database_=db.name,
    )
    session = SessionRecord.from_record(only_row(records, session_id))
    publish_handoff(db.live, session, reason)
    return session


async def session_handoffs(db: Database, session_id: str) -> list[HandoffRecord]:
    records, _, _ = await db.driver.execute_query(
        cypher.load("read/session_handoffs"),
        sessionId=session_id,
        database_=db.name,
        routing_="r",
    )
    return [
        HandoffRecord(
            r["fromAgentId"],
            r["agentId"],
            r["agentKind"],
            r["reason"],
            native_time(r["at"]),  # type: ignore[arg-type]
        )
        for r in records
    ]
