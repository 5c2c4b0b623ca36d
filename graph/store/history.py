"""Reads of the past: attribute change history and users and sessions as they were (`asOf`).

Times are server (transaction) time: a message counts from when it was stored (`receivedAt`),
an attribute value from when its change was recorded — the state an agent could have read at
that instant. The replay rules (merges, ownership) are in `graph.domain.as_of`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from graph.domain.as_of import (
    MergeSpan,
    SessionThen,
    UserThen,
    members_at,
    merged_into_at,
    origin,
    owner_at,
    survivor_at,
)
from graph.domain.errors import NotFoundError
from graph.domain.records import (
    AttributeChangeRecord,
    IdentityRecord,
    SessionRecord,
    UserRecord,
    native_time,
    to_millis,
)

if TYPE_CHECKING:
    from graph.store.database import Database


def now_millis() -> int:
    return to_millis(datetime.now(UTC))


def merge_spans(rows: Sequence[dict[str, Any]]) -> list[MergeSpan]:
    return [
        MergeSpan(
            id=m["id"],
            source_id=m["sourceId"],
            target_id=m["targetId"],
            at=int(m["at"]),
            reverted_at=m.get("revertedAt"),
            identities=tuple(m.get("identities") or ()),
            sessions=tuple(m.get("sessions") or ()),
        )
        for m in rows
    ]


async def user_then(db: Database, user_id: str, at: int | None = None) -> UserThen | None:
    """The user as it was at `at` (epoch millis; None: now). None when there is no such user;
    NOT_FOUND when it did not exist yet then."""
    t = now_millis() if at is None else at
    records = await db.read("read/user_history", userId=user_id, until=t)
    if not records:
        return None
    row = records[0]
    if row["createdAt"] is not None and row["createdAt"] > t:
        raise NotFoundError(
            f"user {user_id!r} did not exist yet at {native_time(t):%Y-%m-%dT%H:%M:%S.%fZ}",
            field="asOf",
        )
    merges = merge_spans(row["merges"])
    members = members_at(user_id, merges, t)
    identities = [
        IdentityRecord.from_map(i)
        for i in row["identities"]
        if (i["linkedAt"] or 0) <= t
        and owner_at(origin(i["key"], i["owner"], merges), merges, t) == user_id
    ]
    changes = [AttributeChangeRecord.from_map(c) for c in row["changes"]]
    version = row["version"]
    if at is not None:  # the user's attribute write count then
        own = [c.owner_version or c.version for c in changes if c.owner_id == user_id]
        version = max(own, default=0)
    user = UserRecord(
        id=row["id"],
        created_at=native_time(row["createdAt"]),
        identities=identities,
        version=version,
        merged_into=merged_into_at(user_id, merges, t),
    )
    return UserThen(user, t, members, changes, merges)


async def session_then(db: Database, session_id: str, at: int) -> SessionThen | None:
    """The session as it was at `at` (epoch millis): None when it did not exist yet."""
    records = await db.read("read/session_as_of", id=session_id, asOf=at)
    if not records:
        return None
    row = records[0]
    merges = merge_spans(row["merges"])
    owner_now = row["userId"]
    owner = owner_at(origin(session_id, owner_now, merges, "sessions"), merges, at)
    record = SessionRecord.from_record({**row.data(), "userId": owner})
    changes = [AttributeChangeRecord.from_map(c) for c in row["changes"]]
    return SessionThen(record, at, changes)


async def attribute_history(
    db: Database, owners: Sequence[str], until: int | None = None
) -> list[AttributeChangeRecord]:
    """Every recorded change of the owners' attributes ('session:<id>'/'user:<id>'), oldest
    first, up to `until` (epoch millis; None: now)."""
    records = await db.read(
        "read/attribute_history", owners=list(owners), until=until or now_millis()
    )
    return [AttributeChangeRecord.from_map(r["change"]) for r in records]


OPEN = frozenset({"ACTIVE", "IDLE"})


async def context_session_then(
    db: Database, user_id: str | None, identity_key: str | None, at: int
) -> str:
    """The session a context read for a user (or the user behind an identity) would have shown
    at `at`: the person then (following the merges applying then to the survivor), its most
    recently active session open then, else its most recent. NOT_FOUND when there was none."""
    if identity_key is not None:
        holders = await db.read("read/identity_holder", key=identity_key)
        if not holders or (holders[0]["linkedAt"] or 0) > at:
            raise NotFoundError(f"no user known as {identity_key!r} then", field="externalUserId")
        start = str(holders[0]["id"])
    else:
        start = str(user_id)
    then = await user_then(db, start, at)
    if then is None:
        raise NotFoundError(f"no user {start!r}", field="userId")
    merges = then.merges
    person = start
    if identity_key is not None:  # where the identity was then
        person = owner_at(origin(identity_key, start, merges), merges, at)
    person = survivor_at(person, merges, at)
    rows = await db.read("context/sessions_then", userIds=then.people, asOf=at)
    candidates = []
    for row in rows:
        if row["owns"]:
            holder = owner_at(origin(row["id"], row["holder"], merges, "sessions"), merges, at)
        else:
            holder = row["holder"]
        if survivor_at(holder, merges, at) == person:
            rank = 0 if row["statusThen"] in OPEN else 1
            candidates.append((rank, -int(row["activityThen"]), row["id"]))
    if not candidates:
        raise NotFoundError(f"user {person!r} had no session at that time", field="asOf")
    return str(min(candidates)[2])
