"""User and identity queries."""

from __future__ import annotations

import strawberry

from api.auth import allow
from api.request import Info
from api.users.types import User
from graph.compliance.auth import CallerRole
from graph.store.users import resolve_identity


@strawberry.type
class UserQueries:
    @strawberry.field(
        extensions=allow(CallerRole.AGENT, CallerRole.ANALYST),
        description="One user by id, or null.",
    )
    async def user(self, info: Info, id: strawberry.ID) -> User | None:  # noqa: A002
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
