"""Users and their channel identities."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from graph.domain.errors import BadInputError, ConflictError, NotFoundError
from graph.domain.events import CHANNEL_PATTERN, MAX_ID_LENGTH, identity_key
from graph.domain.records import IdentityRecord, UserRecord, native_time
from graph.store.merges import check_provenance

if TYPE_CHECKING:
    from graph.store.database import Database


async def get_users(db: Database, user_ids: list[str]) -> dict[str, UserRecord]:
    """The users that exist among `user_ids`, with their identities, in one round trip."""
    records = await db.read("read/users", ids=user_ids)
    return {
        row["id"]: UserRecord(
            row["id"],
            native_time(row["createdAt"]),
            [IdentityRecord.from_map(i) for i in row["identities"]],
            int(row["version"]),
            row["mergedInto"],
        )
        for row in records
    }


async def get_user(db: Database, user_id: str) -> UserRecord | None:
    return (await get_users(db, [user_id])).get(user_id)


async def resolve_identity(db: Database, channel: str, external_id: str) -> str | None:
    """The id of the user known on `channel` as `external_id`, if any."""
    records = await db.read("read/resolve_identity", key=identity_key(channel, external_id))
    return str(records[0]["id"]) if records else None


async def link_identity(
    db: Database,
    user_id: str,
    channel: str,
    external_id: str,
    evidence: str | None = None,
    actor: str | None = None,
) -> UserRecord:
    """Attach `channel:external_id` to a user (idempotent; a merged user's survivor). An identity
    that already belongs to another user is a CONFLICT: merging two people is `mergeUsers`' job,
    not a side effect. `actor` and `evidence` record who/what linked it and why."""
    check_provenance(evidence, actor)
    if not CHANNEL_PATTERN.fullmatch(channel):
        raise BadInputError("channel must match [a-z0-9_-]{1,32}", field="channel")
    if not external_id.strip() or len(external_id) > MAX_ID_LENGTH:
        raise BadInputError(f"externalId must be 1..{MAX_ID_LENGTH} characters", field="externalId")
    records = await db.write(
        "users/link_identity",
        userId=user_id,
        key=identity_key(channel, external_id),
        channel=channel,
        externalId=_stored_external_id(db, user_id, external_id),
        now=datetime.now(UTC),
        actor=actor,
        evidence=evidence,
    )
    if not records:
        raise NotFoundError(f"no user {user_id!r}", field="userId")
    owner, user_id = records[0]["ownerId"], records[0]["userId"]
    if owner != user_id:
        raise ConflictError(
            f"{channel}:{external_id} already belongs to another user",
            field="externalId",
            userId=owner,
        )
    user = await get_user(db, user_id)
    if user is None:  # erased meanwhile
        raise NotFoundError(f"no user {user_id!r}", field="userId")
    return user


def _stored_external_id(db: Database, user_id: str, external_id: str) -> str:
    """An identity's external id as stored: sealed for its user with encryption on (a merged
    user's survivor still opens it: erasure destroys the keys of everyone merged in)."""
    sealing = db.sealing
    return sealing.identity(user_id, external_id) if sealing is not None else external_id
