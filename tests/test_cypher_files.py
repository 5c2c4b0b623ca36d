"""Every query file parses and plans on the real server; the schema applies idempotently."""

from __future__ import annotations

from typing import Any

import pytest
from neo4j import Driver
from neo4j.exceptions import ClientError

import cypher
from graph.store.database import Database
from graph.store.schema import migrate, missing_schema

pytestmark = pytest.mark.integration

QUERIES = [name for name in cypher.names() if not name.startswith(("schema/", "admin/"))]


def test_there_are_query_files_to_check() -> None:
    assert "ingest/prepare" in QUERIES
    assert "context/session_context" in QUERIES


def operators(plan: Any) -> list[str]:
    found = [plan["operatorType"].split("@")[0]]
    for child in plan.get("children", []):
        found += operators(child)
    return found


@pytest.mark.parametrize("name", QUERIES)
def test_query_file_explains_and_every_read_is_index_backed(driver: Driver, name: str) -> None:
    summary = driver.execute_query(f"EXPLAIN {cypher.load(name)}").summary
    assert summary.plan is not None, name
    scans = [op for op in operators(summary.plan) if op in {"NodeByLabelScan", "AllNodesScan"}]
    assert scans == [], f"{name} scans: {scans}"


@pytest.mark.parametrize("name", [n for n in cypher.names("admin")])
def test_admin_file_runs(driver: Driver, name: str) -> None:
    refused: tuple[str, str | None]
    try:  # auto-commit, as migrate runs them (CALL IN TRANSACTIONS needs it)
        with driver.session() as session:
            session.run(
                cypher.load(name), timeoutSeconds=10, name="no_such_index", database="neo4j"
            ).consume()
    except ClientError as error:  # Community has no db.checkpoint(): erasure tolerates that
        refused = (name, error.code)
    else:
        refused = (name, None)
    assert refused[1] is None or refused == (
        "admin/checkpoint",
        "Neo.ClientError.Procedure.ProcedureNotFound",
    )


@pytest.mark.anyio
async def test_schema_migration_runs_twice_and_leaves_everything_online(db: Database) -> None:
    first = await migrate(db)
    second = await migrate(db)
    assert first == second > 20
    assert await missing_schema(db) == []


@pytest.mark.anyio
async def test_migration_replaces_the_old_message_text_index(db: Database) -> None:
    """Stores created before recall had `message_text` (standard analyzer, text only, once
    synchronous): it goes, and `message_search` (English, text + sessionId, eventually
    consistent) takes its place."""
    await db.driver.execute_query(
        "CREATE FULLTEXT INDEX message_text IF NOT EXISTS FOR (n:Message) ON EACH [n.text]",
        database_=db.name,
    )
    await migrate(db)
    records, _, _ = await db.driver.execute_query(
        "SHOW FULLTEXT INDEXES YIELD name, state, properties, options "
        "WHERE name STARTS WITH 'message_' "
        "RETURN name, state, properties, options.indexConfig['fulltext.analyzer'] AS analyzer, "
        "options.indexConfig['fulltext.eventually_consistent'] AS eventual",
        database_=db.name,
    )
    assert [
        (r["name"], r["state"], r["properties"], r["analyzer"], r["eventual"]) for r in records
    ] == [("message_search", "ONLINE", ["text", "sessionId"], "english", True)]
    assert await missing_schema(db) == []


def test_loader_refuses_paths_outside_the_cypher_folder() -> None:
    with pytest.raises(cypher.UnknownQueryError):
        cypher.load("../pyproject")
    with pytest.raises(cypher.UnknownQueryError):
        cypher.load("no/such/query")


@pytest.mark.anyio
async def test_migration_backfills_entity_keys_of_older_messages_once(
    db: Database, uid: str
) -> None:
    from enrichment.pipeline import EnrichmentConfig, build_enricher
    from graph.domain.events import EventInput
    from graph.pipeline.ingest import ingest_events

    enricher = build_enricher(EnrichmentConfig(model="rules"))
    written = await ingest_events(
        db, [EventInput(f"{uid}-1", "web", uid, text="order A-7731 and SKU-5512")], enricher
    )
    message_id = written.results[0].message_id
    await db.driver.execute_query(  # as stored before messages kept their entity keys
        "MATCH (m:Message {id: $id}) REMOVE m.entityKeys WITH 1 AS one "
        "MATCH (done:Migration {name: 'message_entity_keys'}) DELETE done",
        id=message_id,
        database_=db.name,
    )
    await migrate(db)
    records, _, _ = await db.driver.execute_query(
        "MATCH (m:Message {id: $id}) RETURN m.entityKeys AS keys", id=message_id, database_=db.name
    )
    assert records[0]["keys"] == ["ORDER_ID:A7731", "SKU:5512"]
    marker, _, _ = await db.driver.execute_query(
        "MATCH (done:Migration {name: 'message_entity_keys'}) RETURN count(done) AS n",
        database_=db.name,
    )
    assert marker[0]["n"] == 1


@pytest.mark.anyio
async def test_migration_gives_older_attributes_a_history_once(db: Database, uid: str) -> None:
    owner = f"session:ses_{uid}"
    await db.driver.execute_query(  # an attribute stored before changes were kept
        "CREATE (:Attribute {owner: $owner, key: 'tier', value: '\"gold\"', channel: 'web', "
        "version: 3, updatedAt: datetime('2026-01-02T03:04:05Z')}) WITH 1 AS one "
        "MATCH (done:Migration {name: 'attribute_history'}) DELETE done",
        owner=owner,
        database_=db.name,
    )
    await migrate(db)
    await migrate(db)  # marked done: not run twice
    records, _, _ = await db.driver.execute_query(
        "MATCH (c:AttributeChange {owner: $owner}) RETURN c.key AS key, c.value AS value, "
        "c.version AS version, c.recordedAt = c.at AS recordedThen, c.writer AS writer",
        owner=owner,
        database_=db.name,
    )
    assert [r.data() for r in records] == [
        {
            "key": "tier",
            "value": '"gold"',
            "version": 3,
            "recordedThen": True,
            "writer": "migration",
        }
    ]
    await db.driver.execute_query(
        "MATCH (n) WHERE (n:Attribute OR n:AttributeChange) AND n.owner = $owner DETACH DELETE n",
        owner=owner,
        database_=db.name,
    )


@pytest.mark.anyio
async def test_migration_drops_float_embeddings_and_their_vector_index(
    db: Database, uid: str
) -> None:
    """Stores from before embeddings were kept as bytes: the 64-dimension vector index goes,
    float embeddings go with their model (the backfill computes them again), bytes stay."""
    from graph.domain.events import EventInput
    from graph.pipeline.ingest import ingest_events

    written = await ingest_events(
        db, [EventInput(f"{uid}-{n}", "web", uid, text=f"message {n}") for n in range(2)]
    )
    old, new = (r.message_id for r in written.results)
    await db.driver.execute_query(
        "CREATE VECTOR INDEX message_embedding_64 IF NOT EXISTS FOR (n:Message) ON (n.embedding) "
        "OPTIONS {indexConfig: {`vector.dimensions`: 64, `vector.similarity_function`: 'cosine'}}",
        database_=db.name,
    )
    await db.driver.execute_query(
        "MATCH (m:Message {id: $old}) SET m.embedding = [0.5, 0.5], m.embeddingModel = 'x' "
        "WITH 1 AS one MATCH (m:Message {id: $new}) SET m.embedding = $bytes, "
        "m.embeddingModel = 'y' WITH 1 AS one "
        "OPTIONAL MATCH (done:Migration {name: 'embedding_bytes'}) DELETE done",
        old=old,
        new=new,
        bytes=bytes([1, 2]),
        database_=db.name,
    )
    await migrate(db)
    records, _, _ = await db.driver.execute_query(
        "UNWIND [$old, $new] AS id MATCH (m:Message {id: id}) "
        "RETURN m.embedding AS embedding, m.embeddingModel AS model",
        old=old,
        new=new,
        database_=db.name,
    )
    assert [(r["embedding"], r["model"]) for r in records] == [(None, None), (bytes([1, 2]), "y")]
    indexes, _, _ = await db.driver.execute_query(
        "SHOW VECTOR INDEXES YIELD name RETURN name", database_=db.name
    )
    assert indexes == []
    assert await missing_schema(db) == []
