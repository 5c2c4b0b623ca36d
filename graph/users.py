"""Users and their channel identities."""

from __future__ import annotations

from typing import TYPE_CHECKING

import cypher
from graph.records import IdentityRecord, UserRecord, native_time

if TYPE_CHECKING:
    from graph.database import Database


async def get_users(db: Database, user_ids: list[str]) -> dict[str, UserRecord]:
    """The users that exist among `user_ids`, with their identities, in one round trip."""
    records, _, _ = await db.driver.execute_query(
        cypher.load("read/users"), ids=user_ids, database_=db.name, routing_="r"
    )
    return {
        row["id"]: UserRecord(
            row["id"],
            native_time(row["createdAt"]),
            [IdentityRecord.from_map(i) for i in row["identities"]],
        )
        for row in records
    }


async def get_user(db: Database, user_id: str) -> UserRecord | None:
    return (await get_users(db, [user_id])).get(user_id)


async def resolve_identity(db: Database, channel: str, external_id: str) -> str | None:
    """The id of the user known on `channel` as `external_id`, if any."""
    records, _, _ = await db.driver.execute_query(
        cypher.load("read/resolve_identity"),
        key=f"{channel}:{external_id}",
        database_=db.name,
        routing_="r",
    )
    return str(records[0]["id"]) if records else None
