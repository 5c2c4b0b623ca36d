"""Session queries."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.auth import allow
from api.request import Info
from api.sessions.types import Agent, Session
from graph.compliance.auth import CallerRole
from graph.domain.as_of import check_as_of
from graph.domain.errors import NotFoundError
from graph.store.handoffs import get_agent
from graph.store.history import session_then
from graph.store.sessions import get_session


@strawberry.type
class SessionQueries:
    @strawberry.field(
        extensions=allow(CallerRole.AGENT, CallerRole.ANALYST),
        description="One session by id, or null; with `asOf`, as it was at that instant "
        "(server time): status, attributes, messages, transitions and handoffs then — NOT_FOUND "
        "when it did not exist yet.",
    )
    async def session(
        self,
        info: Info,
        id: strawberry.ID,  # noqa: A002
        as_of: datetime | None = None,
    ) -> Session | None:
        at = check_as_of(as_of)
        if at is not None:
            then = await session_then(info.context.db, str(id), at)
            if then is None:
                if await get_session(info.context.db, str(id)) is None:
                    return None
                raise NotFoundError(f"session {id!r} did not exist yet at {as_of}", field="asOf")
            return Session.from_record(then.session, then)
        record = await get_session(info.context.db, str(id))
        return Session.from_record(record) if record else None

    @strawberry.field(
        extensions=allow(CallerRole.AGENT, CallerRole.ANALYST),
        description="One registered agent by id, or null.",
    )
    async def agent(self, info: Info, id: strawberry.ID) -> Agent | None:  # noqa: A002
        record = await get_agent(info.context.db, str(id))
        return Agent.from_record(record) if record else None
