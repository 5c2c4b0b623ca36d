"""The history a recall ranks, read from the store: each session's recall blocks and the
messages after them (cypher/recall/history.cypher), with the recall's filters and window applied.
Kept column by column — a 50,000-turn history is 50,000 ids, not 50,000 objects: the ranking
makes candidates only of the messages with a signal (graph/recall/search.py) — with one matrix
of the embeddings by the question's model and one array of every message's keyword term hashes
(enrichment/terms.py), so the question's words are matched here, over the person's messages
only. A session whose blocks an earlier release wrote (another format) is read again message by
message, and its blocks rebuilt in the background."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from enrichment.embeddings import vector_norms
from enrichment.terms import term_hashes
from graph.domain.recall import Candidate
from graph.recall.block_cache import BLOCKS, BlockCache, VersionedCache
from graph.store.recall_blocks import (
    COLUMNS,
    Block,
    StaleBlockFormat,
    columns_of,
    drop_blocks,
    refresh_blocks,
    unpack,
)

if TYPE_CHECKING:
    from graph.recall.request import RecallRequest
    from graph.store.database import Database

MAX_HISTORY = 100_000  # newest messages of one history a recall ranks

log = logging.getLogger(__name__)
_EMPTY_HASHES = np.zeros(0, dtype=np.uint32)
_EMPTY_ROWS = np.zeros(0, dtype=np.int64)


@dataclass
class History:
    """The messages in scope, column by column: each session's messages in seq order, one
    session after another. Row `vector_rows[i]` has the embedding `vectors[i]`."""

    ids: list[str] = field(default_factory=list)
    sessions: list[str] = field(default_factory=list)
    seqs: list[int] = field(default_factory=list)
    ats: list[int] = field(default_factory=list)  # epoch milliseconds
    channels: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    keys: list[tuple[str, ...]] = field(default_factory=list)  # entity keys
    intents: list[tuple[str, ...]] = field(default_factory=list)
    vector_rows: list[int] = field(default_factory=list)
    vectors: npt.NDArray[np.int8] | None = None
    term_hashes: npt.NDArray[np.uint32] = field(default_factory=lambda: _EMPTY_HASHES)
    term_rows: npt.NDArray[np.int64] = field(default_factory=lambda: _EMPTY_ROWS)  # row of each

    def __len__(self) -> int:
        return len(self.ids)

    # Worked out once per history, when the ranking first needs them (an assembled history is
    # shared by the recalls that find it unchanged, graph/recall/history.py: ASSEMBLED).

    @cached_property
    def keyed_rows(self) -> list[int]:
        """The rows that mention an entity."""
        return [i for i, keys in enumerate(self.keys) if keys]

    @cached_property
    def intent_rows(self) -> list[int]:
        """The rows that express an intent."""
        return [i for i, intents in enumerate(self.intents) if intents]

    @cached_property
    def at_array(self) -> npt.NDArray[np.int64]:
        return np.array(self.ats, dtype=np.int64)

    @cached_property
    def vector_norms(self) -> npt.NDArray[np.float32] | None:
        """Each embedding's length (`vectors`' rows)."""
        return None if self.vectors is None else vector_norms(self.vectors)

    @cached_property
    def _positions(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Each row's session (numbered in order) and seq, as arrays."""
        sessions = np.zeros(len(self.ids), dtype=np.int64)
        if len(self.ids) > 1:
            changes = np.array(
                [a != b for a, b in zip(self.sessions, self.sessions[1:], strict=False)], dtype=bool
            )
            sessions[1:] = np.cumsum(changes)
        return sessions, np.array(self.seqs, dtype=np.int64)

    def neighbours_of(self, rows: list[int]) -> list[int]:
        """The rows just before and after each of `rows` in its session (seq - 1 and seq + 1)."""
        if not rows:
            return []
        sessions, seqs = self._positions
        at = np.asarray(rows, dtype=np.int64)
        found = []
        for step in (-1, 1):
            other = at + step
            inside = (other >= 0) & (other < len(self.ids))
            at_in, other = at[inside], other[inside]
            same = (sessions[other] == sessions[at_in]) & (np.abs(seqs[other] - seqs[at_in]) == 1)
            found.append(other[same])
        rows_found: list[int] = np.concatenate(found).tolist()
        return rows_found

    def candidate(self, i: int) -> Candidate:
        return Candidate(
            self.ids[i],
            self.sessions[i],
            self.seqs[i],
            self.ats[i],
            self.keys[i],
            self.roles[i],
            self.intents[i],
        )

    def candidates(self) -> list[Candidate]:
        """Every row as a candidate (benchmarks rank whole histories this way)."""
        return [self.candidate(i) for i in range(len(self))]

    def _extend(self, session_id: str, columns: dict[str, list[Any]]) -> None:
        size = len(columns["ids"])
        self.ids += columns["ids"]
        self.sessions += [session_id] * size
        self.seqs += columns["seqs"]
        self.ats += columns["ats"]
        self.channels += columns["channels"]
        self.roles += columns["roles"]
        self.keys += columns["keys"]
        self.intents += columns["intents"]


class _Filter:
    """A recall's filters (none: every message passes)."""

    def __init__(self, request: RecallRequest | None = None) -> None:
        self.channels = self.roles = None
        self.since = self.until = None
        if request is not None:
            self.channels = set(request.channels) if request.channels is not None else None
            self.roles = set(request.roles) if request.roles is not None else None
            self.since = int(request.since.timestamp() * 1000) if request.since else None
            self.until = int(request.until.timestamp() * 1000) if request.until else None
        self.everything = (self.channels, self.roles, self.since, self.until) == (None,) * 4

    def passes(self, channel: str, role: str, at_ms: int) -> bool:
        return (
            (self.channels is None or channel in self.channels)
            and (self.roles is None or role in self.roles)
            and (self.since is None or at_ms >= self.since)
            and (self.until is None or at_ms < self.until)
        )


def blocks_of(
    session_id: str, version: str, data: list[bytes], cache: BlockCache | None
) -> tuple[Block, ...]:
    """A session's blocks: unpacked from what Neo4j sent (and kept in the cache), or, when it
    sent none because the cache holds that version, from the cache. StaleBlockFormat when an
    earlier release wrote them."""
    if not data and cache is not None and (held := cache.get(session_id, version)) is not None:
        return held
    blocks = tuple(unpack(d) for d in data)
    if cache is not None and blocks:
        cache.put(session_id, version, blocks, sum(len(d) for d in data))
    return blocks


class _Assembly:
    """A history being put together from recall/history's sessions, one after another."""

    def __init__(self, keep: _Filter, model: str | None) -> None:
        self.keep = keep
        self.model = model
        self.history = History()
        # the parts of the history's arrays, each with the row its positions start at: put
        # together once, in `done`
        self.terms: list[tuple[npt.NDArray[np.uint32], npt.NDArray[Any], int]] = []
        self.vectors: list[tuple[npt.NDArray[np.int8], npt.NDArray[np.int64], int]] = []
        # each session: the row after its blocks' rows, and the last seq its blocks hold
        self.ends: dict[str, tuple[int, int]] = {}

    def add(self, sessions: list[list[Any]], cache: BlockCache | None) -> list[str]:
        """Add each session ([id, version, blocks, later messages]); returns the sessions whose
        blocks are in an earlier format (left out: read them again without blocks)."""
        stale = []
        for session_id, version, data, later in sessions:
            try:
                blocks = blocks_of(session_id, version, data, cache)
            except StaleBlockFormat:
                stale.append(session_id)
                continue
            last_in_blocks = 0
            for block in blocks:
                if block.columns["ids"]:
                    last_in_blocks = max(last_in_blocks, block.columns["seqs"][-1])
                    self._block(session_id, block)
            self.ends[session_id] = (len(self.history.ids), last_in_blocks)
            # a block written between this read's steps may hold the first of these already
            tail = [
                m for m in later if m[1] > last_in_blocks and self.keep.passes(m[3], m[4], m[2])
            ]
            if tail:
                self._messages(session_id, tail)
        return stale

    def _block(self, session_id: str, block: Block) -> None:
        if self.keep.everything:
            self._whole_block(session_id, block)
            return
        columns, embedded = block.columns, block.embedded
        hashes, positions = block.term_hashes, block.term_rows.astype(np.int64)
        if self.model is None or block.model != self.model:
            embedded = []
        passing = np.array(
            [
                self.keep.passes(c, r, a)
                for c, r, a in zip(
                    columns["channels"], columns["roles"], columns["ats"], strict=True
                )
            ],
            dtype=bool,
        )
        columns = {k: [v for v, ok in zip(columns[k], passing, strict=True) if ok] for k in COLUMNS}
        position = np.cumsum(passing) - 1
        chosen = [n for n, i in enumerate(embedded) if passing[i]]
        kept = passing[positions]
        start = len(self.history)
        self.history._extend(session_id, columns)
        if kept.any():
            self.terms.append((hashes[kept], position[positions[kept]], start))
        if chosen:
            at = position[np.asarray(embedded, dtype=np.int64)[chosen]]
            self.vectors.append((block.vectors[chosen], at, start))

    def _whole_block(self, session_id: str, block: Block) -> None:
        """A block with no filter (a recall's usual case): its columns as they are."""
        start = len(self.history.ids)
        self.history._extend(session_id, block.columns)
        if len(block.term_hashes):
            self.terms.append((block.term_hashes, block.term_rows, start))
        if block.embedded and self.model is not None and block.model == self.model:
            self.vectors.append((block.vectors, block.embedded_rows, start))

    def _messages(self, session_id: str, messages: list[list[Any]]) -> None:
        start = len(self.history)
        self.history._extend(session_id, columns_of(messages))
        per_message = [term_hashes(m[8]) for m in messages]
        if any(per_message):
            hashes = np.array([h for f in per_message for h in f], dtype=np.uint32)
            sizes = [len(f) for f in per_message]
            self.terms.append((hashes, np.repeat(np.arange(len(messages)), sizes), start))
        loose = [(n, m[7]) for n, m in enumerate(messages) if isinstance(m[7], bytes)]
        if loose:
            matrix = np.frombuffer(b"".join(v for _, v in loose), dtype=np.int8)
            at = np.array([n for n, _ in loose], dtype=np.int64)
            self.vectors.append((matrix.reshape(len(loose), -1), at, start))

    def done(self) -> History:
        """The history, the newest `MAX_HISTORY` kept."""
        history = self.whole()
        if len(history) > MAX_HISTORY:
            return _newest(history)
        return history

    def whole(self) -> History:
        """The history with its arrays put together."""
        history = self.history
        vectors = [part for part in self.vectors if len(part[0])]
        if len({matrix.shape[1] for matrix, _, _ in vectors}) == 1:  # one model, one size
            history.vectors = np.concatenate([matrix for matrix, _, _ in vectors])
            history.vector_rows = _rows(vectors).tolist()
        if self.terms:
            history.term_hashes = np.concatenate([hashes for hashes, _, _ in self.terms])
            history.term_rows = _rows(self.terms)
        return history


def _rows(parts: Sequence[tuple[Any, npt.NDArray[Any], int]]) -> npt.NDArray[np.int64]:
    """The history rows of parts given as (values, positions in the part, the part's first row),
    in one pass."""
    positions = np.concatenate([at for _, at, _ in parts]).astype(np.int64, copy=False)
    starts = np.repeat([start for _, _, start in parts], [len(at) for _, at, _ in parts])
    rows: npt.NDArray[np.int64] = positions + starts
    return rows


def assemble(
    sessions: list[list[Any]],
    request: RecallRequest,
    model: str | None,
    cache: BlockCache | None = None,
) -> History:
    """The history of the sessions as recall/history returns them ([id, version, blocks, later
    messages] each), filtered, the newest `MAX_HISTORY` kept. Sessions whose blocks are in an
    earlier format are left out (`read_history` reads them again)."""
    assembly = _Assembly(_Filter(request), model)
    assembly.add(sessions, cache)
    return assembly.done()


def _newest(history: History) -> History:
    """The newest `MAX_HISTORY` rows, in their order."""
    newest = sorted(range(len(history)), key=lambda i: (-history.ats[i], history.ids[i]))
    kept = sorted(newest[:MAX_HISTORY])
    out = History()
    for name in ("ids", "sessions", "seqs", "ats", "channels", "roles", "keys", "intents"):
        column = getattr(history, name)
        setattr(out, name, [column[i] for i in kept])
    if history.vectors is not None:
        row_of = {old: new for new, old in enumerate(kept)}
        chosen = [n for n, i in enumerate(history.vector_rows) if i in row_of]
        out.vector_rows = [row_of[history.vector_rows[n]] for n in chosen]
        out.vectors = history.vectors[chosen]
    if len(history.term_rows):
        new_row = np.full(len(history), -1, dtype=np.int64)
        new_row[kept] = np.arange(len(kept))
        mapped = new_row[history.term_rows]
        out.term_hashes, out.term_rows = history.term_hashes[mapped >= 0], mapped[mapped >= 0]
    return out


@dataclass(frozen=True)
class Assembled:
    """A history of blocks only, put together (no filter), and where each session's blocks end
    in it: the rows `read_history` splices the messages after the blocks in at."""

    history: History
    ends: dict[str, tuple[int, int]]  # session -> (row after its blocks' rows, last seq in them)

    @property
    def size(self) -> int:
        """Bytes held, roughly: the arrays, and a pointer per row of each column."""
        h = self.history
        arrays = h.term_hashes.nbytes + h.term_rows.nbytes
        return arrays + (h.vectors.nbytes if h.vectors is not None else 0) + 80 * len(h)


def with_tails(assembled: Assembled, tails: list[tuple[str, list[list[Any]]]]) -> History:
    """The assembled history with each session's messages after its blocks in place (right after
    its blocks' rows, so a session's rows stay together and in seq order). Without any, the
    assembled history itself (read only)."""
    base, ends = assembled.history, assembled.ends
    order = {session_id: n for n, session_id in enumerate(ends)}
    inserts = sorted(
        ((ends[sid][0], order[sid], sid, messages) for sid, messages in tails if messages),
        key=lambda t: (t[0], t[1]),
    )
    if not inserts:
        return base
    out = History()
    names = ("ids", "sessions", "seqs", "ats", "channels", "roles", "keys", "intents")
    added = _Assembly(_Filter(), None)  # collects the tails' terms and vectors
    added.history = out
    previous = 0
    at, counts = [], []
    for end, _, session_id, messages in inserts:
        for name in names:
            getattr(out, name).extend(getattr(base, name)[previous:end])
        added._messages(session_id, messages)
        at.append(end)
        counts.append(len(messages))
        previous = end
    for name in names:
        getattr(out, name).extend(getattr(base, name)[previous:])
    shifts = np.concatenate([[0], np.cumsum(counts)])

    def moved(rows: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        shifted: npt.NDArray[np.int64] = rows + shifts[np.searchsorted(at, rows, side="right")]
        return shifted

    terms = [*([(base.term_hashes, moved(base.term_rows), 0)] if len(base.term_rows) else [])]
    terms += added.terms
    if terms:
        out.term_hashes = np.concatenate([hashes for hashes, _, _ in terms])
        out.term_rows = _rows(terms)
    vectors = added.vectors
    if base.vectors is not None and len(base.vectors):
        rows = moved(np.asarray(base.vector_rows, dtype=np.int64))
        vectors = [(base.vectors, rows, 0), *vectors]
    if vectors and len({matrix.shape[1] for matrix, _, _ in vectors}) == 1:
        out.vectors = np.concatenate([matrix for matrix, _, _ in vectors])
        out.vector_rows = _rows(vectors).tolist()
    return out


# (model, session ids) -> their blocks put together, for the tuple of the sessions' versions
AssembledCache = VersionedCache[tuple[str | None, tuple[str, ...]], Assembled]
ASSEMBLED = AssembledCache()  # the process's own (`threadline serve` sizes it from the settings)

_rebuilding: set[asyncio.Task[None]] = set()


async def read_history(
    db: Database,
    session_ids: list[str],
    request: RecallRequest,
    model: str | None,
    cache: BlockCache | None = BLOCKS,
    assembled: AssembledCache | None = ASSEMBLED,
) -> History:
    """The history of these sessions; the blocks `cache` holds current are not read again, and
    when every session's blocks are as `assembled` last put them together (a recall without
    filters), neither are they put together again: the messages after them are spliced in.
    Sessions with blocks an earlier release wrote are read again message by message, and their
    blocks rebuilt in the background."""
    if not session_ids:
        return History()
    known = cache.known(session_ids) if cache is not None else {}
    [record] = await db.read(
        "recall/history", sessionIds=session_ids, model=model, known=known, reread=[]
    )
    sessions = record["sessions"]
    wanted = _Filter(request)
    if assembled is not None and wanted.everything:
        whole = _from_assembled(sessions, model, cache, assembled)
        if whole is not None:
            return _newest(whole) if len(whole) > MAX_HISTORY else whole
    assembly = _Assembly(wanted, model)
    stale = assembly.add(sessions, cache)
    if stale:
        [again] = await db.read(
            "recall/history", sessionIds=stale, model=model, known={}, reread=stale
        )
        assembly.add(again["sessions"], None)
        task = asyncio.create_task(_rebuild(db, stale, model))
        _rebuilding.add(task)
        task.add_done_callback(_rebuilding.discard)
    return assembly.done()


def _from_assembled(
    sessions: list[list[Any]],
    model: str | None,
    cache: BlockCache | None,
    assembled: AssembledCache,
) -> History | None:
    """The whole history from the blocks as last put together (or put together now, and kept)
    and the messages after them; None when a session's blocks are in an earlier format."""
    key = (model, tuple(session_id for session_id, _, _, _ in sessions))
    versions = tuple(version for _, version, _, _ in sessions)
    held = assembled.get(key, versions)
    if held is None:
        assembly = _Assembly(_Filter(), model)
        if assembly.add([[sid, version, data, []] for sid, version, data, _ in sessions], cache):
            return None
        held = Assembled(assembly.whole(), assembly.ends)
        assembled.put(key, versions, held, held.size)
    tails = [
        (sid, [m for m in later if m[1] > held.ends[sid][1]])
        for sid, _, _, later in sessions
        if later
    ]
    return with_tails(held, tails)


async def _rebuild(db: Database, session_ids: list[str], model: str | None) -> None:
    """Replace blocks an earlier release wrote (recall reads those sessions message by message
    until then)."""
    try:
        await drop_blocks(db, session_ids)
        await refresh_blocks(db, session_ids, model)
    except Exception:  # the next recall tries again
        log.warning(
            "rebuilding the recall blocks of %d sessions failed", len(session_ids), exc_info=True
        )
