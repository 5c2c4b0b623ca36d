"""Session mutations."""

from __future__ import annotations

import strawberry

from api.permissions import allow, require_channel, require_session_channels
from api.request import Info
from api.scalars import JSON, AttributeWriteOptions, attribute_write
from api.sessions.types import Agent, ContinuationToken, Session
from api.user_scope import (
    is_end_user,
    require_own_identity,
    require_own_sessions,
    require_user_attribute_keys,
)
from graph.domain.callers import CallerRole
from graph.domain.errors import ForbiddenError
from graph.store.attributes import set_session_attributes
from graph.store.continuation import create_token, resume_session
from graph.store.handoffs import handoff, upsert_agent
from graph.store.sessions import close_session


@strawberry.type
class SessionMutations:
    @strawberry.mutation(
        extensions=allow(CallerRole.AGENT),
        description="Close a session. The next event for it starts a new session CONTINUES-linked "
        "to this one.",
    )
    async def close_session(
        self, info: Info, session_id: strawberry.ID, reason: str | None = None
    ) -> Session:
        return Session.from_record(await close_session(info.context.db, str(session_id), reason))

    @strawberry.mutation(
        extensions=allow(CallerRole.CONNECTOR, CallerRole.AGENT, CallerRole.USER),
        description='A single-use token (for a "Continue in app" link) that resumeSession '
        "redeems from another channel within ttlSeconds (at most 3600). Only its hash is stored. "
        "A connector restricted to channels may create one only for a session on one of them; "
        "a user token only for its own session.",
    )
    async def create_continuation_token(
        self, info: Info, session_id: strawberry.ID, ttl_seconds: int = 900
    ) -> ContinuationToken:
        await require_session_channels(info.context.principal, info.context.db, [str(session_id)])
        await require_own_sessions(info.context.principal, info.context.db, [str(session_id)])
        token = await create_token(info.context.db, str(session_id), ttl_seconds)
        return ContinuationToken(
            token=token.token,
            session_id=strawberry.ID(token.session_id),
            expires_at=token.expires_at,
        )

    @strawberry.mutation(
        extensions=allow(CallerRole.CONNECTOR, CallerRole.USER),
        description="Redeem a continuation token from a channel identity: the identity joins "
        "the session's user (an existing other user of that identity is merged in, reversibly) "
        "and the session is returned. INVALID_TOKEN (reason UNKNOWN, EXPIRED or USED) otherwise. "
        "A connector reads back the session's id, status and the messages on its channels, not "
        "the user, attributes or other sessions. A user token redeems for its own identity.",
    )
    async def resume_session(
        self, info: Info, token: str, channel: str, external_user_id: str
    ) -> Session:
        require_channel(info.context.principal, channel)
        require_own_identity(info.context.principal, channel, external_user_id, "externalUserId")
        record = await resume_session(info.context.db, token, channel, external_user_id)
        return Session.from_record(record)

    @strawberry.mutation(
        extensions=allow(CallerRole.AGENT),
        description="Hand the session to a registered agent (bot or human); recorded as "
        "HANDLED_BY. NOT_FOUND for an unknown session or agent.",
    )
    async def handoff(
        self,
        info: Info,
        session_id: strawberry.ID,
        agent_id: strawberry.ID,
        reason: str | None = None,
    ) -> Session:
        record = await handoff(info.context.db, str(session_id), str(agent_id), reason)
        return Session.from_record(record)

    @strawberry.mutation(
        extensions=allow(), description="Register an agent (kind BOT or HUMAN), or rename it."
    )
    async def upsert_agent(
        self,
        info: Info,
        id: strawberry.ID,  # noqa: A002 - the GraphQL argument is `id`
        kind: str,
        name: str | None = None,
    ) -> Agent:
        return Agent.from_record(await upsert_agent(info.context.db, str(id), kind, name))

    @strawberry.mutation(
        extensions=allow(CallerRole.AGENT, CallerRole.USER),
        description="Merge attributes (a JSON object) into a session, each key by its merge "
        "policy (configured per key pattern, or `options.policy` for every key of this call). "
        "With expectedVersion, a compare-and-set: CONFLICT (with the current version and "
        "values) if the session's attributes changed since. `options`: who writes, when, and "
        "how (AttributeWriteOptions). A user token only on its own session.",
    )
    async def set_session_attributes(
        self,
        info: Info,
        session_id: strawberry.ID,
        attributes: JSON,
        expected_version: int | None = None,
        options: AttributeWriteOptions | None = None,
    ) -> Session:
        await require_own_sessions(info.context.principal, info.context.db, [str(session_id)])
        if options is not None and is_end_user(info.context.principal):
            raise ForbiddenError("options: not for user tokens", field="options")
        require_user_attribute_keys(
            info.context.principal,
            attributes,
            info.context.user_attribute_names,
            "attributes",
        )
        request = attribute_write(attributes, expected_version, options)
        session, _ = await set_session_attributes(
            info.context.db, str(session_id), request, info.context.attribute_policies
        )
        return Session.from_record(session)
