"""Recall blocks: a session's messages as recall reads them, packed `BLOCK_SIZE` to a node.

Recall ranks a person's whole history. Read message by message, that costs Neo4j about 6 µs per
message and property (a 50,000-turn history: ~500 ms); read as blocks, one node and one property
per 128 messages of a session. A block holds, for each of its messages, what the ranking uses —
id, seq, time, channel, role, entity keys, intents, the hashes of its keyword terms
(enrichment/terms.py: recall matches the question's words in the API, not by a fulltext query
per word) — and the embeddings of those embedded, as one matrix of signed bytes
(`enrichment.embeddings.to_stored`).

Blocks are a cache of the messages, never the record: `Session.recallUpTo` says up to which seq
they are current, and recall reads the messages after it one by one (graph/recall/history.py).
They are built after the embedding worker stores a batch (a block covers messages up to the
first one still waiting for its embedding, so a later embedding never changes a block), and by
`reenrich`. Whatever changes a covered message drops its session's blocks (recall/drop_blocks:
re-enrichment, erasure, retention; recall/set_embeddings for a covered message embedded again)
and bumps `Session.recallVersion`; the builder reads without locking and writes only if the
version has not moved (so no session is locked while its blocks are packed: ingest writing to
the same session never waits for it).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import orjson

from enrichment.terms import term_hashes

if TYPE_CHECKING:
    from graph.store.database import Database, Tx

BLOCK_SIZE = 128  # messages (seqs) per block
MAGIC = b"TRB2"  # TRB1 (no terms): read again message by message, rebuilt (graph/recall/history.py)
_HEADER = struct.Struct("<4sII")  # magic, terms, JSON bytes

COLUMNS = ("ids", "seqs", "ats", "channels", "roles", "keys", "intents")


@dataclass(frozen=True)
class Block:
    """The messages of one block, column by column in seq order (`COLUMNS`: id, seq, time in
    epoch ms, channel, role, entity keys, intents), their keyword terms, and the embeddings of
    those that have one."""

    model: str | None
    columns: dict[str, list[Any]]
    embedded: list[int]  # positions of the messages with an embedding by `model`
    vectors: npt.NDArray[np.int8]  # one row per embedded message (shape: len(embedded) x dims)
    term_hashes: npt.NDArray[np.uint32]  # every message's distinct term hashes, one after another
    term_rows: npt.NDArray[np.uint8]  # the position of the message each term hash belongs to
    embedded_rows: npt.NDArray[np.int64]  # `embedded` as an array


class StaleBlockFormat(ValueError):
    """A block written by an earlier release (another `MAGIC`): its messages are read again."""


def columns_of(messages: list[list[Any]]) -> dict[str, list[Any]]:
    """Messages as rows [id, seq, at, channel, role, entity keys, intents, ...] turned into the
    `COLUMNS` of a block (recall/block_sources and recall/history return rows of this shape)."""
    return {
        "ids": [m[0] for m in messages],
        "seqs": [m[1] for m in messages],
        "ats": [m[2] for m in messages],
        "channels": [m[3] for m in messages],
        "roles": [m[4] for m in messages],
        "keys": [tuple(m[5]) if m[5] else () for m in messages],
        "intents": [tuple(m[6]) if m[6] else () for m in messages],
    }


def pack(model: str | None, messages: list[list[Any]]) -> bytes:
    """One block's bytes: a header, the term hashes (uint32, aligned after the 12-byte header
    padded to 16), the position each belongs to (uint8), the columns as JSON, then the
    embeddings' bytes in order. `messages`: as recall/block_sources returns them (at most 256)."""
    embedded = [n for n, m in enumerate(messages) if m[8] is not None]
    sizes = {len(messages[n][8]) for n in embedded}
    if len(sizes) > 1:
        raise ValueError(f"embeddings of different sizes in one block: {sorted(sizes)}")
    per_message = [term_hashes(m[7]) for m in messages]
    hashes = np.array([h for found in per_message for h in found], dtype="<u4")
    rows = np.repeat(np.arange(len(messages), dtype=np.uint8), [len(f) for f in per_message])
    meta = orjson.dumps({"model": model, "columns": columns_of(messages), "embedded": embedded})
    return b"".join(
        [
            _HEADER.pack(MAGIC, len(hashes), len(meta)),
            _PAD,
            hashes.tobytes(),
            rows.tobytes(),
            meta,
            *(messages[n][8] for n in embedded),
        ]
    )


_PAD = bytes(16 - _HEADER.size)


def unpack(data: bytes) -> Block:
    magic, count, size = _HEADER.unpack_from(data)
    if magic != MAGIC:
        raise StaleBlockFormat(f"not a {MAGIC.decode()} recall block")
    start = 16
    hashes = np.frombuffer(data, dtype="<u4", count=count, offset=start).astype(
        np.uint32, copy=False
    )
    start += 4 * count
    rows = np.frombuffer(data, dtype=np.uint8, count=count, offset=start)
    start += count
    meta = orjson.loads(data[start : start + size])
    columns = meta["columns"]
    for name in ("keys", "intents"):  # tuples: a cached block is no work for Python's GC
        columns[name] = [tuple(v) if v else () for v in columns[name]]
    embedded: list[int] = meta["embedded"]
    matrix = np.frombuffer(data, dtype=np.int8, offset=start + size)
    vectors = matrix.reshape(len(embedded), -1) if embedded else matrix.reshape(0, 0)
    at = np.array(embedded, dtype=np.int64)
    return Block(meta["model"], columns, embedded, vectors, hashes, rows, at)


def coverable(messages: list[list[Any]], model: str | None) -> list[list[Any]]:
    """The messages (seq order, as recall/block_sources returns them) a block may hold: up to
    the first that still waits for its embedding (a text, none by `model`; with embeddings off
    nothing waits)."""
    for n, m in enumerate(messages):
        if model is not None and m[7] and m[8] is None:
            return messages[:n]
    return messages


def session_blocks(
    from_block: int, messages: list[list[Any]], model: str | None
) -> tuple[list[dict[str, Any]], int | None]:
    """The blocks of one session from `from_block` on ({block, data}) and the seq they cover up
    to (None: nothing new to cover)."""
    covered = coverable(messages, model)
    if not covered:
        return [], None
    grouped: dict[int, list[list[Any]]] = {}
    for m in covered:
        grouped.setdefault((m[1] - 1) // BLOCK_SIZE, []).append(m)
    blocks = [
        {"block": number, "data": pack(model, group)} for number, group in sorted(grouped.items())
    ]
    return blocks, covered[-1][1]


async def stale_blocks(tx: Tx, session_ids: list[str], model: str | None) -> list[dict[str, Any]]:
    """The blocks to write for these sessions (those not current), read without locking."""
    sources = await tx.records(
        "recall/block_sources", sessionIds=session_ids, model=model, blockSize=BLOCK_SIZE
    )
    rows = []
    for source in sources:
        blocks, up_to = session_blocks(source["fromBlock"], source["messages"], model)
        if up_to is not None and up_to > source["upTo"]:
            rows.append(
                {
                    "sessionId": source["sessionId"],
                    "version": source["version"],
                    "fromBlock": source["fromBlock"],
                    "blocks": blocks,
                    "upTo": up_to,
                }
            )
    return rows


async def write_blocks(tx: Tx, rows: list[dict[str, Any]]) -> int:
    """Write what `stale_blocks` packed, for the sessions whose version has not moved."""
    if rows:
        await tx.execute("recall/write_blocks", sessions=rows)
    return sum(len(r["blocks"]) for r in rows)


async def _refresh(tx: Tx, session_ids: list[str], model: str | None) -> int:
    return await write_blocks(tx, await stale_blocks(tx, session_ids, model))


async def refresh_blocks(db: Database, session_ids: list[str], model: str | None) -> int:
    """(Re)build the blocks of these sessions that are not current; returns how many were
    written. `model`: the embedding model blocks keep vectors of (None: embeddings off)."""
    ids = sorted(set(session_ids))  # one lock order for every writer
    if not ids:
        return 0
    return await db.write_tx(_refresh, ids, model)


async def build_blocks(
    db: Database,
    model: str | None,
    *,
    page_size: int = 200,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Bring every session's blocks up to date (a store from before blocks, after `reenrich`);
    resumable: current sessions are skipped. Returns how many blocks were written."""
    after, written, seen = "", 0, 0
    while True:
        page = await db.read("recall/sessions_page", after=after, limit=page_size)
        if not page:
            return written
        written += await refresh_blocks(db, [r["id"] for r in page if r["stale"]], model)
        after, seen = page[-1]["id"], seen + len(page)
        if progress:
            progress(seen)


async def drop_blocks(db: Database, session_ids: list[str]) -> None:
    """Forget these sessions' blocks (their messages changed)."""
    if session_ids:
        await db.write("recall/drop_blocks", sessionIds=sorted(set(session_ids)))
