"""Schema migrations: the constraints and indexes of `cypher/schema/*.cypher`, idempotently."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import cypher

if TYPE_CHECKING:
    from graph.store.database import Database

# Deduplication was by eventId alone until it became (channel, sender, eventId): a database with
# these constraints gets its events' keys backfilled, then loses them.
LEGACY_CONSTRAINTS = ("message_event_id", "event_event_id")
# message_text (standard analyzer, text only) became message_search (English, text + sessionId);
# message_embedding (256 dimensions) became message_embedding_64, then went: a recall reads one
# person's embeddings by index seek, and nothing asked the store-wide vector index (docs/recall.md).
LEGACY_INDEXES = ("message_text", "message_embedding", "message_embedding_64")
# One-time data migrations (name, statement), each recorded by a (:Migration {name}) node.
DATA_MIGRATIONS = (
    ("message_entity_keys", "admin/backfill_entity_keys"),
    ("attribute_history", "admin/backfill_attribute_history"),
    ("embedding_bytes", "admin/drop_float_embeddings"),
)
NAME = re.compile(r"CREATE (?:FULLTEXT )?(CONSTRAINT|INDEX) (\w+) IF NOT EXISTS")


def schema_statements() -> list[str]:
    """Every schema statement, in file order (`001_constraints` before `002_indexes`)."""
    return [stmt for name in cypher.names("schema") for stmt in cypher.statements(name)]


def expected_names() -> dict[str, set[str]]:
    """Names of the constraints and indexes the schema files create."""
    found: dict[str, set[str]] = {"CONSTRAINT": set(), "INDEX": set()}
    for statement in schema_statements():
        if match := NAME.search(statement):
            found[match.group(1)].add(match.group(2))
    return found


async def migrate(db: Database, timeout_seconds: int = 300) -> int:
    """Apply every schema statement (no-ops when present); wait for indexes to be online."""
    statements = schema_statements()
    declared = expected_names()["INDEX"]
    # schema commands and `CALL … IN TRANSACTIONS` run auto-commit; the SHOW reads on the writer
    for record in await db.write("admin/synchronous_fulltext_indexes"):
        if record["name"] in declared:  # declared eventually consistent since
            await db.write_auto_commit("admin/drop_index", name=record["name"])
    present = await db.write("admin/show_constraints")
    legacy = [r["name"] for r in present if r["name"] in LEGACY_CONSTRAINTS]
    if legacy:
        await db.write_auto_commit("admin/backfill_dedup_keys")
        for name in legacy:
            await db.write_auto_commit("admin/drop_constraint", name=name)
    for name, statement in DATA_MIGRATIONS:
        [marker] = await db.write("admin/migration_done", name=name)
        if not marker["done"]:
            await db.write_auto_commit(statement)
            await db.write_auto_commit("admin/mark_migration", name=name)
    for name in LEGACY_INDEXES:
        await db.write_auto_commit("admin/drop_index", name=name)
    for statement in statements:
        await db.run_schema(statement)
    await db.write_auto_commit("admin/await_indexes", timeoutSeconds=timeout_seconds)
    return len(statements)


FULLTEXT = "message_search"


async def rebuild_fulltext(db: Database, timeout_seconds: int = 3600) -> None:
    """Drop the messages' fulltext index and build it again from the messages stored now: the
    words of erased messages leave its files (Lucene keeps a deleted document's terms in its
    segment files until a merge rewrites them). Keyword search waits for the index meanwhile
    (recall's other signals do not)."""
    [statement] = [s for s in schema_statements() if f" {FULLTEXT} " in s]
    await db.write_auto_commit("admin/drop_index", name=FULLTEXT)
    await db.run_schema(statement)
    await db.write_auto_commit("admin/await_indexes", timeoutSeconds=timeout_seconds)


async def missing_schema(db: Database) -> list[str]:
    """Constraints/indexes the schema files declare that are absent or not yet ONLINE."""
    expected = expected_names()
    indexes = await db.write("admin/show_indexes")
    online = {r["name"] for r in indexes if r["state"] == "ONLINE"}
    constraints = await db.write("admin/show_constraints")
    present = {r["name"] for r in constraints}
    return sorted(expected["CONSTRAINT"] - present) + sorted(expected["INDEX"] - online)
