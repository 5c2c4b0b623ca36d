"""Merging two users who turn out to be one person — reversibly, with provenance.

`merge_users` moves the source's identities and sessions to the target on relationships tagged
with the merge id, records who/what merged them, when and why (a `Merge` node), and leaves the
source user in place `MERGED_INTO` the target. Nothing is deleted. `unmerge_user` moves exactly
the tagged identities and sessions back. Merges undo last-first: a user that was itself merged
onward must be unmerged from its own target before an earlier merge into it can be undone.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from graph.domain.errors import BadInputError, ConflictError, NotFoundError
from graph.domain.records import MergeRecord, to_millis
from graph.live.bus import LiveEventKind
from graph.live.events import publish_merge

if TYPE_CHECKING:
    from graph.store.database import Database, Tx

MAX_EVIDENCE = 1000
MAX_ACTOR = 200


def check_provenance(evidence: str | None, actor: str | None) -> None:
    if evidence is not None and len(evidence) > MAX_EVIDENCE:
        raise BadInputError(f"evidence must be at most {MAX_EVIDENCE} characters", field="evidence")
    if actor is not None and len(actor) > MAX_ACTOR:
        raise BadInputError(f"actor must be at most {MAX_ACTOR} characters", field="actor")


async def _lock_users(tx: Tx, ids: list[str]) -> dict[str, str | None]:
    """Lock the users (in id order: no deadlock between opposite merges); id → mergedInto."""
    return {
        r["id"]: r["mergedInto"] for r in await tx.records("users/lock_pair", ids=sorted(set(ids)))
    }


async def merge_in_tx(
    tx: Tx,
    source_id: str,
    target_id: str,
    evidence: str | None,
    actor: str | None,
    now: datetime,
) -> MergeRecord:
    """Merge inside a caller's transaction (also used by `resumeSession`)."""
    if source_id == target_id:
        raise BadInputError("cannot merge a user into itself", field="targetId")
    users = await _lock_users(tx, [source_id, target_id])
    for field, user_id in (("sourceId", source_id), ("targetId", target_id)):
        if user_id not in users:
            raise NotFoundError(f"no user {user_id!r}", field=field)
        if users[user_id] is not None:
            raise ConflictError(
                f"user {user_id!r} was already merged into {users[user_id]!r}",
                field=field,
                mergedInto=users[user_id],
            )
    merge_id = f"mrg_{uuid.uuid4().hex}"
    row = await tx.one(
        "users/merge",
        sourceId=source_id,
        targetId=target_id,
        mergeId=merge_id,
        evidence=evidence,
        actor=actor,
        now=to_millis(now),
    )
    return MergeRecord.from_map(row["merge"])


async def merge_users(
    db: Database, source_id: str, target_id: str, evidence: str | None, actor: str | None
) -> MergeRecord:
    """Merge `source_id` into `target_id`; `target_id` survives."""
    check_provenance(evidence, actor)
    merge = await db.write_tx(merge_in_tx, source_id, target_id, evidence, actor, datetime.now(UTC))
    publish_merge(db.live, merge, LiveEventKind.MERGE)
    return merge


async def _unmerge_tx(tx: Tx, merge_id: str, actor: str | None, reason: str | None) -> MergeRecord:
    found = await tx.single("users/find_merge", mergeId=merge_id)
    if found is None:
        raise NotFoundError(f"no merge {merge_id!r}", field="mergeId")
    if found["status"] != "ACTIVE":
        raise ConflictError(f"merge {merge_id!r} was already undone", field="mergeId")
    users = await _lock_users(tx, [found["sourceId"], found["targetId"]])
    onward = users.get(found["targetId"])
    if onward is not None:
        raise ConflictError(
            f"user {found['targetId']!r} was later merged into {onward!r}: undo that merge first",
            field="mergeId",
            mergedInto=onward,
        )
    now = datetime.now(UTC)
    row = await tx.one(
        "users/unmerge",
        mergeId=merge_id,
        actor=actor,
        reason=reason,
        now=to_millis(now),
    )
    return MergeRecord.from_map(row["merge"])


async def unmerge_user(
    db: Database, merge_id: str, actor: str | None = None, reason: str | None = None
) -> MergeRecord:
    """Undo a merge: the source's identities and sessions go back to it."""
    check_provenance(reason, actor)
    merge = await db.write_tx(_unmerge_tx, merge_id, actor, reason)
    publish_merge(db.live, merge, LiveEventKind.UNMERGE)
    return merge


async def user_merges(db: Database, user_id: str) -> list[MergeRecord]:
    records = await db.read("read/merges", userId=user_id)
    return [MergeRecord.from_map(r["merge"]) for r in records]
