"""The recall blocks this process has read, unpacked, so the next recall of the same person reads
only what changed (graph/store/recall_blocks.py). A session's blocks are current for its
`(recallVersion, recallUpTo)`: whatever changes a covered message bumps the version, and new
blocks raise `recallUpTo`, so a pair names one content. recall/history sends the pairs it holds
(`known`) and Neo4j returns the blocks of the sessions whose pair moved, nothing for the others.

Bounded twice: by size (the blocks' packed bytes, least recently used first out) and by age (an
entry older than `max_age` is read again) — an erased person's sessions leave scope at once and
their blocks are not used after `max_age` and leave memory within ~1.1 x it (a put sweeps).
Each API process keeps its own; Neo4j stays the record. The same cache, generic, keeps the
histories put together from the blocks (graph/recall/history.py: ASSEMBLED)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

from graph.store.recall_blocks import Block

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")

DEFAULT_MAX_BYTES = 256 * 1024 * 1024
DEFAULT_MAX_AGE = 600.0  # seconds


@dataclass(frozen=True)
class _Entry(Generic[T]):
    version: Hashable  # a session's "recallVersion:recallUpTo" (or a tuple of them)
    blocks: T
    size: int  # bytes
    stored_at: float


class VersionedCache(Generic[K, T]):
    """Values by key, each current for one version; bounded by bytes (LRU) and age."""

    def __init__(
        self,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_age: float = DEFAULT_MAX_AGE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_bytes, self.max_age, self._clock = max_bytes, max_age, clock
        self._entries: OrderedDict[K, _Entry[T]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self._swept = clock()

    def configure(self, max_bytes: int, max_age: float) -> None:
        """New bounds (`threadline serve`: THREADLINE_RECALL_CACHE_MB, _SECONDS); emptied."""
        with self._lock:
            self.max_bytes, self.max_age = max_bytes, max_age
            self._entries.clear()
            self._size = 0

    @property
    def size(self) -> int:
        """The packed bytes held."""
        return self._size

    def known(self, keys: list[K]) -> dict[K, Hashable]:
        """The version held of each of these keys (those held and not too old)."""
        now = self._clock()
        with self._lock:
            return {
                key: entry.version
                for key in keys
                if (entry := self._entries.get(key)) is not None
                and now - entry.stored_at <= self.max_age
            }

    def get(self, key: K, version: Hashable) -> T | None:
        """The value held for this version of the key (not too old)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.version != version:
                return None
            if self._clock() - entry.stored_at > self.max_age:
                return None
            self._entries.move_to_end(key)
            return entry.blocks

    def put(self, key: K, version: Hashable, blocks: T, size: int) -> None:
        if size > self.max_bytes:
            return
        with self._lock:
            if (old := self._entries.pop(key, None)) is not None:
                self._size -= old.size
            now = self._clock()
            self._entries[key] = _Entry(version, blocks, size, now)
            self._size += size
            while self._size > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self._size -= evicted.size
            if now - self._swept > self.max_age / 10:
                self._sweep(now)

    def _sweep(self, now: float) -> None:
        """Drop what is older than `max_age` (at most every tenth of it: one pass over the
        entries), so an erased person's values leave memory, not only use, within ~1.1 x it."""
        self._swept = now
        for key in [k for k, e in self._entries.items() if now - e.stored_at > self.max_age]:
            self._size -= self._entries.pop(key).size

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0


BlockCache = VersionedCache[str, tuple[Block, ...]]  # session id -> its blocks, unpacked

BLOCKS = BlockCache()  # the process's own (`threadline serve` sizes it from the settings)
