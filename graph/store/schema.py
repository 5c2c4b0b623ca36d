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
# message_embedding (256 dimensions) became message_embedding_64.
LEGACY_INDEXES = ("message_text", "message_embedding")
# One-time data migrations (name, statement), each recorded by a (:Migration {name}) node.
DATA_MIGRATIONS = (
    ("message_entity_keys", "admin/backfill_entity_keys"),
    ("attribute_history", "admin/backfill_attribute_history"),
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
    async with db.session() as session:
        stale = await session.run(cypher.load("admin/synchronous_fulltext_indexes"))
        for record in [r async for r in stale]:  # declared eventually consistent since
            if record["name"] in declared:
                await (
                    await session.run(cypher.load("admin/drop_index"), name=record["name"])
                ).consume()
        present = await session.run(cypher.load("admin/show_constraints"))
        legacy = [r["name"] async for r in present if r["name"] in LEGACY_CONSTRAINTS]
        if legacy:
            await (await session.run(cypher.load("admin/backfill_dedup_keys"))).consume()
            for name in legacy:
                drop = await session.run(cypher.load("admin/drop_constraint"), name=name)
                await drop.consume()
        for name, statement in DATA_MIGRATIONS:
            found = await session.run(cypher.load("admin/migration_done"), name=name)
            marker = await found.single()
            if not (marker and marker["done"]):
                await (await session.run(cypher.load(statement))).consume()
                await (await session.run(cypher.load("admin/mark_migration"), name=name)).consume()
        for name in LEGACY_INDEXES:
            await (await session.run(cypher.load("admin/drop_index"), name=name)).consume()
        for statement in statements:
            await (await session.run(statement)).consume()
        wait = await session.run(cypher.load("admin/await_indexes"), timeoutSeconds=timeout_seconds)
        await wait.consume()
    return len(statements)


async def missing_schema(db: Database) -> list[str]:
    """Constraints/indexes the schema files declare that are absent or not yet ONLINE."""
    expected = expected_names()
    indexes = await db.records("admin/show_indexes")
    online = {r["name"] for r in indexes if r["state"] == "ONLINE"}
    constraints = await db.records("admin/show_constraints")
    present = {r["name"] for r in constraints}
    return sorted(expected["CONSTRAINT"] - present) + sorted(expected["INDEX"] - online)
