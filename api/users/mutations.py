"""User mutations."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.request import Info
from api.scalars import JSON, MergePolicy
from api.users.types import User
from graph.attributes import AttributeWrite, Owner, set_attributes
from graph.users import get_user, link_identity


@strawberry.type
class UserMutations:
    @strawberry.mutation(
        description="Attach a channel identity to a user, so that channel continues the user's "
        "conversations. CONFLICT if the identity already belongs to someone else."
    )
    async def link_identity(
        self, info: Info, user_id: strawberry.ID, channel: str, external_id: str
    ) -> User:
        return User.from_record(
            await link_identity(info.context.db, str(user_id), channel, external_id)
        )

    @strawberry.mutation(
        description="Merge attributes into a user (the person, across all sessions): the same "
        "merge policies and compare-and-set on the user's version as setSessionAttributes."
    )
    async def set_user_attributes(
        self,
        info: Info,
        user_id: strawberry.ID,
        attributes: JSON,
        expected_version: int | None = None,
        channel: str | None = None,
        at: datetime | None = None,
        policy: MergePolicy | None = None,
        channel_order: list[str] | None = None,
    ) -> User:
        request = AttributeWrite(
            attributes, expected_version, channel, at, policy, tuple(channel_order or ())
        )
        await set_attributes(info.context.db, Owner.USER, str(user_id), request)
        user = await get_user(info.context.db, str(user_id))
        assert user is not None  # users are never deleted by another write
        return User.from_record(user)
