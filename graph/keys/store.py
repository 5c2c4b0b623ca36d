"""Where each person's data keys live, wrapped by the master key: **outside Neo4j**, so that
destroying a person's keys reaches every copy of Neo4j's files (a backup taken before an erasure
holds their sealed values and no key to open them). The key store is the one thing that must not
be kept long in backups: its own backups expire within the erasure deadline.

`SqliteKeyStore` is one file (`THREADLINE_KEY_STORE`, by default beside the local master key),
written with SQLite's `secure_delete` (a deleted key's bytes are overwritten, not left in a free
page) and a write-ahead log emptied after every destruction. One API host, or hosts sharing a
volume; a fleet shares a DynamoDB table (graph/keys/dynamodb_store.py)."""

from __future__ import annotations

import secrets
import sqlite3
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from graph.keys.envelope import new_data_key
from graph.keys.master import MasterKey, WrappedKey

_SCHEMA = """
CREATE TABLE IF NOT EXISTS data_keys (
  id TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  master_key_id TEXT NOT NULL,
  wrapped BLOB NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS data_keys_owner ON data_keys (owner, created_at);
"""


class KeyStore(Protocol):
    def wrapped_for(self, owner: str) -> tuple[str, WrappedKey] | None:
        """The owner's newest data key (id and wrapped key); None if they have none."""
        ...

    def wrapped(self, key_ids: Iterable[str]) -> dict[str, WrappedKey]:
        """The wrapped keys of these ids that exist (a destroyed key is simply absent)."""
        ...

    def add(self, key_id: str, owner: str, wrapped: WrappedKey) -> None: ...

    def add_many(self, keys: list[tuple[str, str, WrappedKey]]) -> None:
        """Several (key id, owner, wrapped key) at once."""
        ...

    def destroy(self, owners: Iterable[str]) -> int:
        """Delete every key of these owners, for good; how many there were."""
        ...

    def count(self) -> int: ...

    def page(self, after: str, limit: int) -> list[tuple[str, WrappedKey]]:
        """Keys in the store's own stable order, after the key `after` ("": from the start):
        master-key rotation walks them, and resumes from the last one it saw."""
        ...

    def replace_wrapped(self, key_id: str, old: WrappedKey, new: WrappedKey) -> bool:
        """Swap a key's wrapping if it is still `old` (compare-and-set); whether it did."""
        ...


def new_key_id() -> str:
    return "dk" + secrets.token_hex(12)


class SqliteKeyStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA secure_delete = ON")
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = FULL")
        self._db.executescript(_SCHEMA)
        path.chmod(0o600)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def wrapped_for(self, owner: str) -> tuple[str, WrappedKey] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT id, master_key_id, wrapped FROM data_keys WHERE owner = ? "
                "ORDER BY created_at DESC, id DESC LIMIT 1",
                (owner,),
            ).fetchone()
        return (row[0], WrappedKey(row[1], bytes(row[2]))) if row else None

    def wrapped(self, key_ids: Iterable[str]) -> dict[str, WrappedKey]:
        ids = sorted(set(key_ids))
        found: dict[str, WrappedKey] = {}
        with self._lock:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for key_id, master_key_id, blob in self._db.execute(
                    f"SELECT id, master_key_id, wrapped FROM data_keys WHERE id IN ({marks})",  # noqa: S608 - placeholders only
                    chunk,
                ):
                    found[key_id] = WrappedKey(master_key_id, bytes(blob))
        return found

    def add(self, key_id: str, owner: str, wrapped: WrappedKey) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO data_keys (id, owner, master_key_id, wrapped, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (key_id, owner, wrapped.master_key_id, wrapped.blob, _now()),
            )

    def add_many(self, keys: list[tuple[str, str, WrappedKey]]) -> None:
        """In one transaction: one sync to disk for a batch of new people."""
        now = _now()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany(
                    "INSERT INTO data_keys (id, owner, master_key_id, wrapped, created_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [(k, owner, w.master_key_id, w.blob, now) for k, owner, w in keys],
                )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def destroy(self, owners: Iterable[str]) -> int:
        owners = sorted(set(owners))
        if not owners:
            return 0
        with self._lock:
            marks = ",".join("?" * len(owners))
            deleted = self._db.execute(
                f"DELETE FROM data_keys WHERE owner IN ({marks})",  # noqa: S608 - placeholders only
                owners,
            ).rowcount
            # the log's copy of the deleted rows goes too: into the file (zeroed there by
            # secure_delete), then the log is truncated to nothing
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return int(deleted)

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM data_keys").fetchone()[0])

    def page(self, after: str, limit: int) -> list[tuple[str, WrappedKey]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, master_key_id, wrapped FROM data_keys WHERE id > ? ORDER BY id LIMIT ?",
                (after, limit),
            ).fetchall()
        return [(r[0], WrappedKey(r[1], bytes(r[2]))) for r in rows]

    def replace_wrapped(self, key_id: str, old: WrappedKey, new: WrappedKey) -> bool:
        with self._lock:
            changed = self._db.execute(
                "UPDATE data_keys SET master_key_id = ?, wrapped = ? "
                "WHERE id = ? AND master_key_id = ? AND wrapped = ?",
                (new.master_key_id, new.blob, key_id, old.master_key_id, old.blob),
            ).rowcount
        return bool(changed)


def create_key(store: KeyStore, master: MasterKey, owner: str) -> tuple[str, bytes]:
    """A new data key for `owner`, stored wrapped; the key id and the key."""
    key_id, key = new_key_id(), new_data_key()
    store.add(key_id, owner, master.wrap(key_id, key))
    return key_id, key


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")
