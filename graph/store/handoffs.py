"""Agents and handoffs: which registered bot or human agent handles a session, and who handed it
to whom."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from graph.domain.errors import BadInputError, NotFoundError
from graph.domain.events import MAX_ID_LENGTH
from graph.domain.records import AgentRecord, HandoffRecord, SessionRecord, native_time, to_millis
from graph.live.events import publish_handoff
from graph.store.sessions import only_row

if TYPE_CHECKING:
    from graph.store.database import Database

AGENT_KINDS = ("BOT", "HUMAN")
MAX_REASON = 1000
MAX_NAME = 200


def _check_agent_id(agent_id: str) -> None:
    if not agent_id.strip() or len(agent_id) > MAX_ID_LENGTH:
        raise BadInputError(f"agentId must be 1..{MAX_ID_LENGTH} characters", field="agentId")


async def upsert_agent(db: Database, agent_id: str, kind: str, name: str | None) -> AgentRecord:
    """Register an agent, or change its kind or name."""
    _check_agent_id(agent_id)
    if kind not in AGENT_KINDS:
        raise BadInputError(f"kind must be one of {AGENT_KINDS}", field="kind")
    if name is not None and len(name) > MAX_NAME:
        raise BadInputError(f"name must be at most {MAX_NAME} characters", field="name")
    records = await db.write(
        "agents/upsert", id=agent_id, kind=kind, name=name, now=to_millis(datetime.now(UTC))
    )
    return AgentRecord.from_map(records[0]["agent"])


async def get_agent(db: Database, agent_id: str) -> AgentRecord | None:
    records = await db.read("read/agent", id=agent_id)
    return AgentRecord.from_map(records[0]["agent"]) if records else None


async def handoff(
    db: Database,
    session_id: str,
    agent_id: str,
    reason: str | None,
    at: datetime | None = None,
) -> SessionRecord:
    """Record that `agent_id` (registered with `upsert_agent`) now handles the session
    (HANDLED_BY {from, to, reason, at}). Agents are never deleted, so checking first is safe."""
    _check_agent_id(agent_id)
    if reason is not None and len(reason) > MAX_REASON:
        raise BadInputError(f"reason must be at most {MAX_REASON} characters", field="reason")
    records = await db.write(
        "sessions/handoff",
        sessionId=session_id,
        agentId=agent_id,
        reason=reason,
        now=to_millis(at or datetime.now(UTC)),
    )
    if not records and await get_agent(db, agent_id) is None:
        raise NotFoundError(
            f"no agent {agent_id!r} (register it with upsertAgent)", field="agentId"
        )
    session = SessionRecord.from_record(only_row(records, session_id))
    publish_handoff(db.live, session, reason)
    return session


async def session_handoffs(db: Database, session_id: str) -> list[HandoffRecord]:
    records = await db.read("read/session_handoffs", sessionId=session_id)
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
