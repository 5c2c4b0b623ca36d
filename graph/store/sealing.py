"""Existing stores sealed in place: after THREADLINE_ENCRYPTION is turned on, `threadline
migrate` seals every attribute value and recorded change still in clear (written before), page by
page in (owner, key) order, and moves every personal entity still keyed in clear (EMAIL:a@b.com)
to its keyed hash, each mention's value and text sealed for the owner of its session; channel
identities and platform threads move to their keyed hash too (their external and native ids
sealed), and the recipients and destinations of replies (Outbox items) are sealed. Resumable:
what is sealed is skipped, so running it again after an interruption finishes the job; a value
written meanwhile is never overwritten (the write-back checks the value is still the clear one
read)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from graph.domain.sealed import ENTITY, HASHED, SEALED_PREFIX
from graph.store.recall_blocks import drop_blocks

if TYPE_CHECKING:
    from graph.keys.personal import PersonalSealer
    from graph.store.database import Database, Row

PAGE = 1_000  # attributes per page (with their recorded changes)


async def seal_stored_attributes(
    db: Database,
    progress: Callable[[int, int], None] | None = None,
    page: int = PAGE,
    owners: list[str] | None = None,
) -> int:
    """Seal what is still in clear (of `owners` only — "user:<id>", "session:<id>" — or of
    everyone); how many values were sealed. `progress(attributes seen, values sealed)` after
    each page. Nothing to do when encryption is off."""
    seal = db.attribute_sealing
    if seal is None:
        return 0
    owner, key, seen, sealed = "", "", 0, 0
    while rows := await db.read(
        "keys/clear_attributes", owner=owner, key=key, limit=page, owners=owners
    ):
        writes = []
        for row in rows:
            if row["person"] is None:  # a session without its owner: nobody's key to use
                continue
            for node, value in row["clear"]:
                stored = seal(row["person"], row["key"], value)
                if stored != value:  # not a key declared to stay in clear
                    writes.append({"node": node, "value": stored, "clear": value})
        if writes:
            [done] = await db.write("keys/seal_attributes", rows=writes)
            sealed += int(done["sealed"])
        seen += len(rows)
        owner, key = rows[-1]["owner"], rows[-1]["key"]
        if progress is not None:
            progress(seen, sealed)
    return sealed


async def seal_stored_entities(
    db: Database,
    progress: Callable[[int], None] | None = None,
    page: int = 200,
    keys: list[str] | None = None,
) -> int:
    """Move the personal entities still keyed in clear (of `keys` only, or every one) to their
    keyed hash, their mentions' values and texts sealed; how many entities were moved.
    `progress(entities moved)` after each page. A mention in a session without an owner
    (nobody's key) is left, and its entity with it. Nothing to do when encryption is off."""
    sealer = db.sealer
    if sealer is None:
        return 0
    moved = 0
    for kind in sorted(sealer.personal_types):
        prefix, after = f"{kind}:", ""
        while rows := await db.read(
            "keys/clear_entities",
            prefix=prefix,
            hashed=prefix + HASHED,
            after=after,
            limit=page,
            keys=keys,
        ):
            entities = [_sealed_entity(sealer, row) for row in rows]
            [done] = await db.write("keys/seal_entities", entities=entities)
            await drop_blocks(db, list(done["sessionIds"]))
            moved += len(rows)
            after = rows[-1]["key"]
            if progress is not None:
                progress(moved)
    return moved


def _sealed_entity(sealer: PersonalSealer, row: Row) -> dict[str, Any]:
    seal = sealer.keyring.seal
    return {
        "oldKey": row["key"],
        "newKey": sealer.entity_key(row["key"]),
        "mentions": [
            {
                "messageId": m["messageId"],
                "start": m["start"],
                "value": seal(m["owner"], row["value"], ENTITY),
                "text": seal(m["owner"], m["text"], ENTITY) if m["text"] else m["text"],
            }
            for m in row["mentions"]
            if m["owner"] is not None
        ],
    }


async def seal_stored_identities(
    db: Database,
    progress: Callable[[int], None] | None = None,
    page: int = 200,
    keys: list[str] | None = None,
) -> int:
    """Re-key the identities still keyed in clear (of `keys` only, or every one) by their keyed
    hash, their external ids sealed for their user, with their people's messages and events
    (keys and dedup keys) and the links that name them as evidence; how many identities. An
    identity without a user is left. Nothing to do when encryption is off."""
    pages = "keys/clear_identities", "keys/rekey_identities"
    return await _rekey_by_pages(db, pages, _rekeyed_identities, progress, page, keys)


async def seal_stored_threads(
    db: Database,
    progress: Callable[[int], None] | None = None,
    page: int = 200,
    keys: list[str] | None = None,
) -> int:
    """Re-key the platform threads still keyed in clear (of `keys` only, or every one) by their
    keyed hash, their native ids sealed for the owner of their session; how many threads."""
    pages = "keys/clear_threads", "keys/rekey_threads"
    return await _rekey_by_pages(db, pages, _rekeyed_threads, progress, page, keys)


def _rekeyed_identities(sealer: PersonalSealer, rows: list[Row]) -> list[dict[str, Any]]:
    return [
        {
            "oldKey": row["key"],
            "newKey": sealer.identity_key(row["key"]),
            "sealed": sealer.seal_identity(row["userId"], row["externalId"]),
            "people": list(row["people"]),
            "sessionIds": list(row["sessionIds"]),
        }
        for row in rows
        if row["userId"] is not None and row["externalId"] is not None
    ]


def _rekeyed_threads(sealer: PersonalSealer, rows: list[Row]) -> list[dict[str, Any]]:
    return [
        {
            "oldKey": row["key"],
            "newKey": sealer.thread_key(row["key"]),
            "sealed": sealer.seal_thread(row["userId"], row["nativeId"])
            if row["userId"] is not None and row["nativeId"] is not None
            else None,
        }
        for row in rows
    ]


async def _rekey_by_pages(
    db: Database,
    statements: tuple[str, str],
    rekeyed: Callable[[PersonalSealer, list[Row]], list[dict[str, Any]]],
    progress: Callable[[int], None] | None,
    page: int,
    keys: list[str] | None,
) -> int:
    """Read pages of what is keyed in clear (`statements[0]`, in key order after `$after`) and
    write each page's new keys (`statements[1]`, `$rows`); how many rows were re-keyed. Nothing
    to do when encryption is off."""
    sealer = db.sealer
    if sealer is None:
        return 0
    read, write = statements
    moved, after = 0, ""
    while rows := await db.read(read, after=after, limit=page, keys=keys):
        if changed := rekeyed(sealer, rows):
            await db.write(write, rows=changed)
        moved += len(changed)
        after = rows[-1]["key"]
        if progress is not None:
            progress(moved)
    return moved


async def seal_stored_outbox(
    db: Database,
    progress: Callable[[int], None] | None = None,
    page: int = PAGE,
    session_ids: list[str] | None = None,
) -> int:
    """Seal the recipients and destinations of Outbox items still in clear (of `session_ids`
    only, or every one) for the owner of their session; how many items. An item whose session
    has no owner left is skipped."""
    sealer = db.sealer
    if sealer is None:
        return 0
    sealed, after = 0, ""
    while rows := await db.read(
        "keys/clear_outbox", after=after, limit=page, sessionIds=session_ids
    ):
        items = [_sealed_item(sealer, row) for row in rows if row["userId"] is not None]
        if items:
            await db.write("keys/seal_outbox", items=items)
        sealed += len(items)
        after = rows[-1]["id"]
        if progress is not None:
            progress(sealed)
    return sealed


def _sealed_item(sealer: PersonalSealer, row: Row) -> dict[str, Any]:
    def seal(value: str | None, how: Callable[[str, str], str]) -> str | None:
        if value is None or value.startswith(SEALED_PREFIX):
            return value
        return how(row["userId"], value)

    return {
        "id": row["id"],
        "recipient": seal(row["recipient"], sealer.seal_identity),
        "destination": seal(row["destination"], sealer.seal_thread),
        "clearRecipient": row["recipient"],
        "clearDestination": row["destination"],
    }


async def encryption_mode_problem(db: Database, encryption: bool) -> str | None:
    """Why this store must not be served with THREADLINE_ENCRYPTION `encryption`, or None.
    Identities are looked up by their keyed hash with encryption on and by their clear key
    with it off: a store written one way and served the other would meet every returning
    person as a new one. A store without identities is recorded as sealed by the first server
    with encryption on; a store written in clear becomes sealed through `threadline migrate`."""
    [mode] = await db.read("keys/store_mode")
    if encryption and not mode["sealed"]:
        if mode["hasIdentities"]:
            return (
                "THREADLINE_ENCRYPTION is on but this store was written with it off: run "
                "`threadline migrate` with THREADLINE_ENCRYPTION=true first (it seals what is "
                "stored, then records the store as sealed)"
            )
        await db.write("keys/record_sealed")
    if not encryption and mode["sealed"]:
        return (
            "this store is sealed (written with THREADLINE_ENCRYPTION on): serve it with "
            "THREADLINE_ENCRYPTION=true and its master key"
        )
    return None


async def record_sealed(db: Database) -> None:
    """After `threadline migrate` sealed everything: the store is served sealed from now on."""
    await db.write("keys/record_sealed")
