"""Session queries."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import strawberry

from api.permissions import allow
from api.request import Info
from api.sessions.types import Agent, Session
from graph.domain.as_of import check_as_of
from graph.domain.callers import CallerRole
from graph.domain.errors import BadInputError, NotFoundError
from graph.domain.sealed import entity_key
from graph.pipeline.enrich import annotate
from graph.store.handoffs import get_agent
from graph.store.history import session_then, user_then
from graph.store.sessions import get_session, search_sessions
from graph.store.users import resolve_identity

ENTITY_KEY = re.compile(r"[A-Z][A-Z_]*:\S.*")


async def _person(
    info: Info, user_id: strawberry.ID | None, channel: str | None, external_user_id: str | None
) -> list[str] | None:
    """The ids of the person selected (the user and the users merged into it), or None."""
    if (channel is None) != (external_user_id is None):
        raise BadInputError("channel and externalUserId go together", field="channel")
    if user_id is not None and channel is not None:
        raise BadInputError("give userId or channel + externalUserId, not both", field="userId")
    found = str(user_id) if user_id is not None else None
    if channel is not None and external_user_id is not None:
        found = await resolve_identity(info.context.db, channel, external_user_id)
        if found is None:
            raise NotFoundError(
                f"no user known as {channel}:{external_user_id}", field="externalUserId"
            )
    if found is None:
        return None
    person = await user_then(info.context.db, found)
    if person is None:
        raise NotFoundError(f"no user {found!r}", field="userId")
    survivor = person.user.merged_into or found
    if survivor != found:  # a user merged away: the person is the survivor
        person = await user_then(info.context.db, survivor)
    return person.members if person is not None else [found]


async def _entity_keys(info: Info, entity: str) -> list[str]:
    """`ORDER_ID:A1001` as is; other text through the enrichment (`order A-1001`); a personal
    entity as stored (its keyed hash, with encryption on)."""
    if ENTITY_KEY.fullmatch(entity.strip()):
        return [entity_key(entity.strip())]
    (annotation,) = await annotate(info.context.enricher, [entity], [datetime.now(UTC)])
    keys = sorted({entity_key(m.key) for m in annotation.mentions}) if annotation else []
    if not keys:
        raise BadInputError(
            f"no entity recognized in {entity!r}: give a key such as ORDER_ID:A1001",
            field="entity",
        )
    return keys


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
        extensions=allow(CallerRole.AGENT),
        description="Sessions by who, what and when, most recently active first: a person "
        "(`userId`, merged users included, or `channel` + `externalUserId`), an `entity` "
        "mentioned in the session (a key such as `ORDER_ID:A1001`, or words the enrichment "
        "recognizes: `order A-1001`), and/or active between `since` and `until`. At least one "
        "filter; by time alone, `since`. `limit` 1..100.",
    )
    async def search_sessions(
        self,
        info: Info,
        user_id: strawberry.ID | None = None,
        channel: str | None = None,
        external_user_id: str | None = None,
        entity: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 20,
    ) -> list[Session]:
        user_ids = await _person(info, user_id, channel, external_user_id)
        entity_keys = await _entity_keys(info, entity) if entity is not None else None
        records = await search_sessions(
            info.context.db,
            user_ids=user_ids,
            entity_keys=entity_keys,
            since=since,
            until=until,
            limit=limit,
        )
        return [Session.from_record(r) for r in records]

    @strawberry.field(
        extensions=allow(CallerRole.AGENT, CallerRole.ANALYST),
        description="One registered agent by id, or null.",
    )
    async def agent(self, info: Info, id: strawberry.ID) -> Agent | None:  # noqa: A002
        record = await get_agent(info.context.db, str(id))
        return Agent.from_record(record) if record else None
