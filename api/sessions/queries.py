"""Session queries."""

from __future__ import annotations

import strawberry

from api.auth import allow
from api.request import Info
from api.sessions.types import Agent, Session
from graph.compliance.auth import CallerRole
from graph.store.handoffs import get_agent
from graph.store.sessions import get_session


@strawberry.type
class SessionQueries:
    @strawberry.field(
        extensions=allow(CallerRole.AGENT, CallerRole.ANALYST),
        description="One session by id, or null.",
    )
    async def session(self, info: Info, id: strawberry.ID) -> Session | None:  # noqa: A002
        record = await get_session(info.context.db, str(id))
        return Session.from_record(record) if record else None

    @strawberry.field(
        extensions=allow(CallerRole.AGENT, CallerRole.ANALYST),
        description="One registered agent by id, or null.",
    )
    async def agent(self, info: Info, id: strawberry.ID) -> Agent | None:  # noqa: A002
        record = await get_agent(info.context.db, str(id))
        return Agent.from_record(record) if record else None
