"""The `context` query."""

from __future__ import annotations

import strawberry

from api.auth import allow
from api.context.types import Context
from api.request import Info
from graph.compliance.auth import CallerRole
from graph.domain.errors import ForbiddenError
from graph.store.context import ContextSelector, get_context


@strawberry.type
class ContextQueries:
    @strawberry.field(
        extensions=allow(CallerRole.AGENT, CallerRole.ANALYST),
        description="The cross-channel context of a user's current session, a given session, "
        "or the user behind a channel identity (exactly one of the three; by identity for "
        "roles with PII access only).",
    )
    async def context(
        self,
        info: Info,
        user_id: strawberry.ID | None = None,
        session_id: strawberry.ID | None = None,
        channel: str | None = None,
        external_user_id: str | None = None,
        last_messages: int = 20,
        include_previous: int = 0,
    ) -> Context:
        principal = info.context.principal
        if external_user_id is not None and (principal is None or not principal.sees_pii):
            # looking a person up by phone number or email is resolving an identity: it would
            # tell an analyst whether that person is a customer
            raise ForbiddenError(
                "context by channel identity needs PII access (agents, admins); "
                "analysts select by userId or sessionId",
                field="externalUserId",
            )
        selector = ContextSelector(
            user_id=str(user_id) if user_id is not None else None,
            session_id=str(session_id) if session_id is not None else None,
            channel=channel,
            external_user_id=external_user_id,
        )
        record = await get_context(
            info.context.db,
            selector,
            last_messages,
            include_previous,
            info.context.max_context_messages,
        )
        return Context.from_record(record)
