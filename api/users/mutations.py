"""User mutations."""

from __future__ import annotations

import strawberry

from api.request import Info
from api.users.types import User
from graph.users import link_identity


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
