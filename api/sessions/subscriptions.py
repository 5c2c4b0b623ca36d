"""Live session updates over WebSocket (graphql-transport-ws)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry

from api import metrics, pii
from api.convert import from_record as convert_record
from api.memory.types import Brief
from api.permissions import allow
from api.request import Info
from api.scalars import JSON
from api.user_scope import is_end_user, require_own_sessions
from graph.domain.callers import CallerRole
from graph.domain.errors import BadInputError, ForbiddenError
from graph.live.bus import LiveEvent, LiveEventKind
from graph.store.context import ContextSelector, get_context

strawberry.enum(LiveEventKind, name="SessionEventKind", description="What changed.")


@strawberry.type(description="One committed change in a session (or of a user).")
class SessionEvent:
    kind: LiveEventKind
    at: datetime
    session_id: strawberry.ID | None
    user_id: strawberry.ID | None
    channel: str | None
    role: str | None = strawberry.field(description="MESSAGE/EVENT: who said it.")
    message_id: strawberry.ID | None
    seq: int | None
    text: str | None = strawberry.field(extensions=pii.free_text())
    attributes: JSON = strawberry.field(
        description="ATTRIBUTES: the changed keys' values.", extensions=pii.attribute_values()
    )
    agent_id: strawberry.ID | None = strawberry.field(
        description="HANDOFF: the new handler; MESSAGE: the agent who said it."
    )
    status: str | None = strawberry.field(description="STATUS: the new lifecycle status.")
    cause: str | None = strawberry.field(
        description="STATUS/HANDOFF: why; MERGE/UNMERGE: the merge's evidence.",
        extensions=pii.cause(),
    )
    other_user_id: strawberry.ID | None = strawberry.field(
        description="MERGE/UNMERGE: the other user of the merge — for a user merged away, the "
        "survivor, whose events to follow from now on."
    )

    @classmethod
    def from_live(cls, event: LiveEvent) -> SessionEvent:
        return convert_record(cls, event)

    @strawberry.field(
        description="HANDOFF: the session's handoff brief, read when the handoff is delivered, "
        "so the desktop taking over opens on the gist."
    )
    async def brief(self, info: Info) -> Brief | None:
        if self.kind is not LiveEventKind.HANDOFF or self.session_id is None:
            return None
        record = await get_context(
            info.context.db,
            ContextSelector(session_id=str(self.session_id)),
            0,
            brief_steps=info.context.conversation_rules.steps,
        )
        return Brief.from_record(record.brief) if record.brief is not None else None


@strawberry.type
class SessionSubscriptions:
    @strawberry.subscription(
        extensions=allow(CallerRole.AGENT, CallerRole.USER),
        description="Changes as they commit — new messages on any channel, attribute changes, "
        "handoffs, status changes — for a session, a user (all their sessions and user "
        "attributes), or both. Ends with LAGGED if the client falls 1000 events behind. A user "
        "token follows one of its own sessions (sessionId).",
    )
    async def session_events(
        self,
        info: Info,
        session_id: strawberry.ID | None = None,
        user_id: strawberry.ID | None = None,
    ) -> AsyncGenerator[SessionEvent, None]:
        # checked here, not in the stream, so a bad subscription fails (and is audited) at once
        if session_id is None and user_id is None:
            raise BadInputError("sessionEvents needs sessionId, userId or both", field="sessionId")
        if is_end_user(info.context.principal):
            if user_id is not None or session_id is None:
                raise ForbiddenError("a user token follows its own session: sessionId only")
            await require_own_sessions(info.context.principal, info.context.db, [str(session_id)])
        session = str(session_id) if session_id is not None else None
        user = str(user_id) if user_id is not None else None
        return _stream(info, session, user)


async def _stream(
    info: Info, session_id: str | None, user_id: str | None
) -> AsyncGenerator[SessionEvent, None]:
    async with info.context.db.live.subscribe(session_id, user_id) as events:
        metrics.LIVE_SUBSCRIBERS.inc()
        try:
            async for event in events:
                yield SessionEvent.from_live(event)
        finally:
            metrics.LIVE_SUBSCRIBERS.dec()
