"""User mutations."""

from __future__ import annotations

import strawberry

from api.permissions import allow
from api.request import Info
from api.scalars import JSON, AttributeWriteOptions, attribute_write
from api.users.types import Merge, User, UserToken
from graph.domain.callers import CallerRole
from graph.domain.errors import BadInputError, ForbiddenError, NotFoundError
from graph.store.attributes import Owner, set_attributes
from graph.store.merges import merge_users, unmerge_user
from graph.store.users import get_user, link_identity


@strawberry.type
class UserMutations:
    @strawberry.mutation(
        extensions=allow(CallerRole.CONNECTOR),
        description="A short-lived user token (a JWT, role `user`) for one channel identity: "
        "what a web page or app holds (the SDK's `getToken`). It writes that identity's "
        "messages and reads, subscribes to and continues only the sessions its person owns — "
        "never an API key in a browser. Your backend calls this after signing the person in, "
        "with a connector key granted it (`keys create --role connector --channel web "
        "--issue-user-tokens`), for that key's channels only; whoever may issue may read what "
        "its users can. "
        "ttlSeconds 1..86400. Needs THREADLINE_JWT_SECRET (with RS256 keys, your identity "
        "provider mints the same claims: docs/security.md).",
    )
    async def issue_user_token(
        self, info: Info, channel: str, external_user_id: str, ttl_seconds: int = 3600
    ) -> UserToken:
        principal = info.context.principal
        if principal is not None and not principal.may_issue_user_token(channel):
            raise ForbiddenError(
                f"this credential may not issue user tokens for channel {channel!r}: it needs "
                "a connector key created with --issue-user-tokens for that channel",
                field="channel",
            )
        authenticator = info.context.authenticator
        if authenticator is None:
            raise BadInputError("user tokens are not available on this server")
        issued = authenticator.issue_user_token(
            channel, external_user_id, ttl_seconds, principal.subject if principal else "-"
        )
        return UserToken(
            token=issued.token,
            channel=issued.channel,
            external_user_id=issued.external_user_id,
            expires_at=issued.expires_at,
        )

    @strawberry.mutation(
        extensions=allow(CallerRole.AGENT),
        description="Attach a channel identity to a user, so that channel continues the user's "
        "conversations. CONFLICT if the identity already belongs to someone else.",
    )
    async def link_identity(
        self,
        info: Info,
        user_id: strawberry.ID,
        channel: str,
        external_id: str,
        evidence: str | None = None,
        actor: str | None = None,
    ) -> User:
        record = await link_identity(
            info.context.db, str(user_id), channel, external_id, evidence, actor
        )
        return User.from_record(record)

    @strawberry.mutation(
        extensions=allow(CallerRole.AGENT),
        description="Merge the source user into the target (the survivor): the source's "
        "identities and sessions move to the target; the merge is recorded with evidence and "
        "actor and can be undone with unmergeUser. Nothing is deleted.",
    )
    async def merge_users(
        self,
        info: Info,
        source_id: strawberry.ID,
        target_id: strawberry.ID,
        evidence: str | None = None,
        actor: str | None = None,
    ) -> Merge:
        record = await merge_users(info.context.db, str(source_id), str(target_id), evidence, actor)
        return Merge.from_record(record)

    @strawberry.mutation(
        extensions=allow(CallerRole.AGENT),
        description="Undo a merge: the identities and sessions that came from the source user "
        "go back to it. Merges undo last-first (CONFLICT if the target was merged onward).",
    )
    async def unmerge_user(
        self,
        info: Info,
        merge_id: strawberry.ID,
        actor: str | None = None,
        reason: str | None = None,
    ) -> Merge:
        return Merge.from_record(await unmerge_user(info.context.db, str(merge_id), actor, reason))

    @strawberry.mutation(
        extensions=allow(CallerRole.AGENT),
        description="Merge attributes into a user (the person, across all sessions): the same "
        "merge policies and compare-and-set on the user's version as setSessionAttributes.",
    )
    async def set_user_attributes(
        self,
        info: Info,
        user_id: strawberry.ID,
        attributes: JSON,
        expected_version: int | None = None,
        options: AttributeWriteOptions | None = None,
    ) -> User:
        request = attribute_write(attributes, expected_version, options)
        await set_attributes(
            info.context.db, Owner.USER, str(user_id), request, info.context.attribute_policies
        )
        user = await get_user(info.context.db, str(user_id))
        if user is None:  # erased meanwhile
            raise NotFoundError(f"no user {user_id!r}", field="userId")
        return User.from_record(user)
