"""User and identity queries."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.permissions import allow
from api.request import Info
from api.users.types import User
from graph.domain.as_of import check_as_of
from graph.domain.callers import CallerRole
from graph.store.history import user_then
from graph.store.users import resolve_identity


@strawberry.type
class UserQueries:
    @strawberry.field(
        extensions=allow(CallerRole.AGENT, CallerRole.ANALYST),
        description="One user by id, or null; with `asOf`, as it was at that instant (server "
        "time): identities, merges, attributes, facts and attribute history then — a merge made "
        "later is not applied, one reverted later still is. NOT_FOUND when it did not exist yet.",
    )
    async def user(
        self,
        info: Info,
        id: strawberry.ID,  # noqa: A002
        as_of: datetime | None = None,
    ) -> User | None:
        at = check_as_of(as_of)
        if at is not None:
            then = await user_then(info.context.db, str(id), at)
            return User.from_record(then.user, then) if then else None
        record = await info.context.users.load(str(id))
        return User.from_record(record) if record else None

    @strawberry.field(
        extensions=allow(CallerRole.AGENT),
        description="The user known on `channel` as `externalId`, or null.",
    )
    async def resolve_identity(self, info: Info, channel: str, external_id: str) -> User | None:
        user_id = await resolve_identity(info.context.db, channel, external_id)
        record = await info.context.users.load(user_id) if user_id else None
        return User.from_record(record) if record else None
