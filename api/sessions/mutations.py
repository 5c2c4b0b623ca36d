"""Session mutations."""

from __future__ import annotations

import strawberry

from api.request import Info
from api.scalars import JSON
from api.sessions.types import Session
from graph.attributes import set_session_attributes
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
