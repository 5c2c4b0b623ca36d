"""The `context` query."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.memory.types import Context, Recall
from api.permissions import allow
from api.request import Info
from api.scalars import Speaker
from api.selection import selection_of, selects_under
from api.user_scope import is_end_user, require_own_identity, require_own_sessions
from graph.domain.as_of import check_as_of
from graph.domain.callers import CallerRole
from graph.domain.errors import ForbiddenError
from graph.recall.request import RecallRequest
from graph.recall.service import recall
from graph.store.context import ContextSelector, get_context, identity_key_of


def _selector(
    info: Info,
    operation: str,
    user_id: strawberry.ID | None,
    session_id: strawberry.ID | None,
    channel: str | None,
    external_user_id: str | None,
) -> ContextSelector:
    principal = info.context.principal
    if is_end_user(principal):  # its own identity, or a session checked by the caller
        if user_id is not None:
            raise ForbiddenError(f"{operation}: a user token selects its own identity or session")
        if session_id is None:
            require_own_identity(principal, channel, external_user_id, "externalUserId")
    if external_user_id is not None and (principal is None or not principal.sees_pii):
        # looking a person up by phone number or email is resolving an identity: it would
        # tell an analyst whether that person is a customer
        raise ForbiddenError(
            f"{operation} by channel identity needs PII access (agents, admins); "
            "analysts select by userId or sessionId",
            field="externalUserId",
        )
    return ContextSelector(
        user_id=str(user_id) if user_id is not None else None,
        session_id=str(session_id) if session_id is not None else None,
        channel=channel,
        external_user_id=external_user_id,
        owned_only=is_end_user(principal),
    )


@strawberry.type
class ContextQueries:
    @strawberry.field(
        extensions=allow(CallerRole.AGENT, CallerRole.ANALYST, CallerRole.USER),
        description="The cross-channel context of a user's current session, a given session, "
        "or the user behind a channel identity (exactly one of the three; by identity for "
        "roles with PII access only; a user token: its own identity or session). With `asOf`, "
        "as it was at that instant (server time): the session the user was in then, its "
        "messages stored by then, its status and attributes then, the user's identities and "
        "merges then.",
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
        as_of: datetime | None = None,
    ) -> Context:
        selector = _selector(info, "context", user_id, session_id, channel, external_user_id)
        principal, db = info.context.principal, info.context.db
        if session_id is not None:
            await require_own_sessions(principal, db, [str(session_id)])
        selection = selection_of(info)
        record = await get_context(
            info.context.db,
            selector,
            last_messages,
            include_previous,
            info.context.max_context_messages,
            as_of=check_as_of(as_of),
            brief_steps=info.context.conversation_rules.steps if "brief" in selection else None,
            message_links=selects_under(selection, "messages", {"entities", "intents"}),
        )
        if is_end_user(principal) and session_id is None and as_of is not None:
            # by identity, as it was: the session current then is picked from the history,
            # which knows shared threads too (the current read asks for owned ones only)
            await require_own_sessions(principal, db, [record.session.id])
        return Context.from_record(record, selection)

    @strawberry.field(
        extensions=allow(CallerRole.AGENT, CallerRole.ANALYST, CallerRole.USER),
        description="Memory recall: the messages of a person's whole cross-channel history (a "
        "user, merged users included, or the user behind a channel identity) or of one session "
        "that best answer `query` — by keywords (English stemming), the entities it names "
        '(ORDER_ID:A1001, an email...), the time it names ("last May"), embeddings when on, '
        "and the conversation's structure. No LLM; deterministic. Filters: channels, roles, "
        "since/until (message time); `neighbors` adds the turns around each hit.",
    )
    async def recall(
        self,
        info: Info,
        query: str,
        user_id: strawberry.ID | None = None,
        channel: str | None = None,
        external_user_id: str | None = None,
        session_id: strawberry.ID | None = None,
        limit: int = 10,
        channels: list[str] | None = None,
        roles: list[Speaker] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        neighbors: int = 0,
    ) -> Recall:
        selector = _selector(info, "recall", user_id, session_id, channel, external_user_id)
        identity_key_of(selector)  # exactly one selector, before any work
        if session_id is not None:
            await require_own_sessions(info.context.principal, info.context.db, [str(session_id)])
        request = RecallRequest(
            query=query,
            limit=limit,
            channels=channels,
            roles=[r.value for r in roles] if roles is not None else None,
            since=since,
            until=until,
            neighbors=neighbors,
        )
        record = await recall(
            info.context.db,
            selector,
            request,
            enricher=info.context.question_enricher,
            embedder=info.context.embedder,
        )
        return Recall.from_record(record)
