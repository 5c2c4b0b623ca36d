"""Re-run enrichment over stored messages, page by page, idempotently.

Each page (ordered by time, then id) is enriched again and rewritten in one transaction: old
MENTIONS/EXPRESSES go, new ones come, message-level values and `enrichmentVersion` are replaced,
and entities nothing mentions any more are removed. Running it twice gives the same graph.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from enrichment.embeddings import in_context
from graph.domain.records import native_time
from graph.keys.personal import Sealing
from graph.pipeline.enrich import (
    annotate,
    embed,
    message_fields,
    relationship_rows,
    write_relationships,
)
from graph.store.recall_blocks import refresh_blocks

FOREVER = datetime(9999, 1, 1, tzinfo=UTC)

if TYPE_CHECKING:
    from enrichment.annotations import Annotation
    from enrichment.embeddings import Embedder
    from enrichment.pipeline import Enricher
    from graph.store.database import Database, Row, Tx


async def _rewrite(
    tx: Tx,
    page: list[dict[str, Any]],
    annotations: list[Annotation | None],
    sealing: Sealing | None = None,
) -> None:
    rows: list[dict[str, Any]] = []
    mentions: list[dict[str, Any]] = []
    intents: list[dict[str, Any]] = []
    for row, annotation in zip(page, annotations, strict=True):
        fields = message_fields(annotation)
        more_mentions, more_intents = relationship_rows(row["id"], annotation, row["at"])
        if sealing is not None and more_mentions and row["ownerId"] is not None:
            fields["entityKeys"], more_mentions = sealing.mentions(
                row["ownerId"], fields["entityKeys"], more_mentions
            )
        rows.append({"id": row["id"]} | fields)
        mentions += more_mentions
        intents += more_intents
    await tx.execute("recall/drop_message_blocks", ids=[row["id"] for row in page])
    record = await tx.single("enrichment/replace_annotations", messages=rows)
    previous_keys = record["entityKeys"] if record else []
    await write_relationships(tx, mentions, intents)
    if previous_keys:
        await tx.execute("enrichment/delete_orphan_entities", keys=previous_keys)


async def reenrich(
    db: Database,
    enricher: Enricher,
    since: datetime,
    until: datetime = FOREVER,
    *,
    page_size: int = 500,
    outdated_only: bool = False,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Re-enrich every message with `since <= at < until` (only those of another pipeline version
    with `outdated_only`); returns how many messages were rewritten."""
    after_at, after_id, done = since, "", 0
    while True:
        records = await db.read(
            "enrichment/messages_page",
            since=since,
            until=until,
            afterAt=after_at,
            afterId=after_id,
            limit=page_size,
            outdatedOnly=outdated_only,
            version=enricher.version,
            withOwners=db.sealing is not None,
        )
        if not records:
            return done
        page = [
            {
                "id": r["id"],
                "text": r["text"] or "",
                "at": native_time(r["at"]),
                "ownerId": r["ownerId"],
            }
            for r in records
        ]
        annotations = await annotate(enricher, [p["text"] for p in page], [p["at"] for p in page])
        await db.write_tx(_rewrite, page, annotations, db.sealing)
        done += len(page)
        after_at, after_id = page[-1]["at"], page[-1]["id"]
        if progress:
            progress(done)


async def embeddings_due(db: Database, model: str, since: datetime, until: datetime) -> int:
    [record] = await db.read(
        "enrichment/count_embeddings_due", model=model, since=since, until=until
    )
    return int(record["due"])


async def store_embeddings(db: Database, embedder: Embedder, records: list[Row]) -> int:
    """Embed messages (records of id, text and the previous message's text) in context and
    store the vectors; returns how many."""
    texts = [in_context(r["text"], r["previous"]) for r in records]
    vectors = await embed(embedder, texts)
    rows = [
        {"id": r["id"], "embedding": values}
        for r, (_, values) in zip(records, vectors, strict=True)
    ]
    if rows:
        [written] = await db.write("enrichment/set_embeddings", rows=rows, model=embedder.name)
        await refresh_blocks(db, list(written["sessionIds"]), embedder.name)
    return len(rows)


async def embed_messages(db: Database, embedder: Embedder, ids: list[str]) -> int:
    """Embed the messages `ids` (those still stored with their text) in context."""
    records = await db.read("enrichment/embedding_inputs", ids=ids)
    return await store_embeddings(db, embedder, records)


async def backfill_embeddings(
    db: Database,
    embedder: Embedder,
    since: datetime,
    until: datetime = FOREVER,
    *,
    page_size: int = 500,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Compute the embedding of every stored message in [since, until) that has none of this
    model (batched; resumable and idempotent: what is done is not done again); returns how
    many were computed."""
    after_at, after_id, done = since, "", 0
    while True:
        records = await db.read(
            "enrichment/embedding_page",
            model=embedder.name,
            since=since,
            until=until,
            afterAt=after_at,
            afterId=after_id,
            limit=page_size,
        )
        if not records:
            return done
        done += await store_embeddings(db, embedder, records)
        after_at, after_id = native_time(records[-1]["at"]) or after_at, records[-1]["id"]
        if progress:
            progress(done)
