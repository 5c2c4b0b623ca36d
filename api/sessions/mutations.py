"""Session mutations."""

from __future__ import annotations

import strawberry

from api.request import Info
from api.scalars import JSON
from api.sessions.types import Session
from graph.attributes import set_session_attributes
from graph.handoffs import handoff
from graph.sessions import close_session


@strawberry.type
class SessionMutations:
    @strawberry.mutation(
        description="Close a session. The next event for it starts a new session CONTINUES-linked "
        "to this one."
    )
    async def close_session(
        self, info: Info, session_id: strawberry.ID, reason: str | None = None
    ) -> Session:
        return Session.from_record(await close_session(info.context.db, str(session_id), reason))

    @strawberry.mutation(
        description="Hand the session to an agent (bot or human); recorded as HANDLED_BY."
    )
    async def handoff(
        self,
        info: Info,
        session_id: strawberry.ID,
        agent_id: strawberry.ID,
        reason: str | None = None,
        agent_kind: str = "HUMAN",
    ) -> Session:
        record = await handoff(info.context.db, str(session_id), str(agent_id), reason, agent_kind)
        return Session.from_record(record)

    @strawberry.mutation(
        description="Set session attributes (a JSON object). With expectedVersion, a "
        "compare-and-set: CONFLICT (with the current version and values) if the session changed."
    )
    async def set_session_attributes(
        self,
        info: Info,
        session_id: strawberry.ID,
        attributes: JSON,
        expected_version: int | None = None,
        channel: str | None = None,
    ) -> Session:
        session, _ = await set_session_attributes(
            info.context.db, str(session_id), attributes, expected_version, channel
        )
        return Session.from_record(session)
