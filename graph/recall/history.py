"""The history a recall ranks, read from the store: each session's recall blocks and the
messages after them (cypher/recall/history.cypher), with the recall's filters and window applied.
Kept column by column — a 50,000-turn history is 50,000 ids, not 50,000 objects: the ranking
makes candidates only of the messages with a signal (graph/recall/search.py) — with one matrix
of the embeddings by the question's model."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from graph.domain.recall import Candidate
from graph.recall.block_cache import BLOCKS, BlockCache
from graph.store.recall_blocks import COLUMNS, Block, columns_of, unpack

if TYPE_CHECKING:
    from graph.recall.request import RecallRequest
    from graph.store.database import Database

MAX_HISTORY = 100_000  # newest messages of one history a recall ranks


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
    keys: list[list[str]] = field(default_factory=list)  # entity keys
    intents: list[list[str]] = field(default_factory=list)
    vector_rows: list[int] = field(default_factory=list)
    vectors: npt.NDArray[np.int8] | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def candidate(self, i: int) -> Candidate:
        return Candidate(
            self.ids[i],
            self.sessions[i],
            self.seqs[i],
            self.ats[i],
            tuple(self.keys[i]),
            self.roles[i],
            tuple(self.intents[i]),
        )

    def candidates(self) -> list[Candidate]:
        """Every row as a candidate (benchmarks rank whole histories this way)."""
        return [self.candidate(i) for i in range(len(self))]

    def neighbours(self, i: int) -> list[int]:
        """The rows just before and after row i in its session (seq - 1 and seq + 1)."""
        found = []
        for j in (i - 1, i + 1):
            if (
                0 <= j < len(self.ids)
                and self.sessions[j] == self.sessions[i]
                and abs(self.seqs[j] - self.seqs[i]) == 1
            ):
                found.append(j)
        return found

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
    def __init__(self, request: RecallRequest) -> None:
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
    sent none because the cache holds that version, from the cache."""
    if not data and cache is not None and (held := cache.get(session_id, version)) is not None:
        return held
    blocks = tuple(unpack(d) for d in data)
    if cache is not None and blocks:
        cache.put(session_id, version, blocks, sum(len(d) for d in data))
    return blocks


def assemble(
    sessions: list[list[Any]],
    request: RecallRequest,
    model: str | None,
    cache: BlockCache | None = None,
) -> History:
    """The history of the sessions as recall/history returns them ([id, version, blocks, later
    messages] each), filtered, the newest `MAX_HISTORY` kept."""
    keep = _Filter(request)
    history = History()
    matrices: list[npt.NDArray[np.int8]] = []
    for session_id, version, data, later in sessions:
        last_in_blocks = 0
        for block in blocks_of(session_id, version, data, cache):
            columns, embedded = block.columns, block.embedded
            if not columns["ids"]:
                continue
            last_in_blocks = max(last_in_blocks, columns["seqs"][-1])
            if model is None or block.model != model:
                embedded = []
            chosen = list(range(len(embedded)))
            if not keep.everything:
                passing = [
                    keep.passes(c, r, a)
                    for c, r, a in zip(
                        columns["channels"], columns["roles"], columns["ats"], strict=True
                    )
                ]
                columns = {
                    k: [v for v, ok in zip(columns[k], passing, strict=True) if ok] for k in COLUMNS
                }
                position = list(np.cumsum(passing) - 1)
                chosen = [n for n, i in enumerate(embedded) if passing[i]]
                embedded = [int(position[embedded[n]]) for n in chosen]
            start = len(history)
            history._extend(session_id, columns)
            if embedded:
                history.vector_rows += [start + i for i in embedded]
                matrices.append(
                    block.vectors if len(chosen) == len(block.embedded) else block.vectors[chosen]
                )
        # a block written between this read's steps may hold the first of these already
        tail = [m for m in later if m[1] > last_in_blocks and keep.passes(m[3], m[4], m[2])]
        if tail:
            start = len(history)
            history._extend(session_id, columns_of(tail))
            loose = [(start + n, m[7]) for n, m in enumerate(tail) if isinstance(m[7], bytes)]
            if loose:
                history.vector_rows += [i for i, _ in loose]
                matrices.append(
                    np.frombuffer(b"".join(v for _, v in loose), dtype=np.int8).reshape(
                        len(loose), -1
                    )
                )
    matrices = [m for m in matrices if len(m)]
    if len({m.shape[1] for m in matrices}) == 1:  # one model, one size
        history.vectors = np.concatenate(matrices) if len(matrices) > 1 else matrices[0]
    else:
        history.vector_rows = []
    if len(history) > MAX_HISTORY:
        return _newest(history)
    return history


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
    return out


async def read_history(
    db: Database,
    session_ids: list[str],
    request: RecallRequest,
    model: str | None,
    cache: BlockCache | None = BLOCKS,
) -> History:
    """The history of these sessions; the blocks `cache` holds current are not read again."""
    if not session_ids:
        return History()
    known = cache.known(session_ids) if cache is not None else {}
    [record] = await db.read("recall/history", sessionIds=session_ids, model=model, known=known)
    return assemble(record["sessions"], request, model, cache)
