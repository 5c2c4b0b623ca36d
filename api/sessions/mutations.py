"""Session mutations."""

from __future__ import annotations

import strawberry

from api.request import Info
from api.sessions.types import Session
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
