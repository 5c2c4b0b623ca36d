"""Key-encryption keys (KEKs) between the master key and the data keys. The master key (a KMS
in production) wraps a few KEKs, kept in the key store like any data key; a KEK wraps the data
keys in process (AES-256-GCM). A process asks the master key once per KEK — at start, when it
checks the master key — instead of once per person and cache period: no KMS round trip on a
request's path (boto3 would block the event loop), and a KMS bill that does not grow with the
people served. Destroying a person's data keys is unchanged (their rows go); rotating the master
key re-wraps the KEKs only.

Data keys wrapped directly by the master key (before KEKs) still unwrap through it, and
`threadline master-key rewrap` moves them under a KEK."""

from __future__ import annotations

import secrets
import threading

from graph.keys.envelope import new_data_key
from graph.keys.master import MasterKey, MasterKeyError, WrappedKey, aes_unwrap, aes_wrap
from graph.keys.store import KeyStore

KEK_OWNER = "threadline:kek"  # not a user id: never destroyed by an erasure
KEK_ID_PREFIX = "kek"  # a KEK's id in the key store (data keys are dk…)
WRAPPED_BY_KEK = "kek:"  # a data key's wrapping names its KEK: kek:<KEK id>


def is_kek_id(key_id: str) -> bool:
    return key_id.startswith(KEK_ID_PREFIX)


class KeyEncryptionKeys:
    """A `MasterKey` for the data keys: wraps with this process's KEK, unwraps with whichever
    KEK (or, for a key from before KEKs, the master key) wrapped a key. Its first KEK is the
    newest in the store, made (and wrapped by the master key) when there is none."""

    def __init__(self, master: MasterKey, store: KeyStore) -> None:
        self.master, self.store = master, store
        self._keks: dict[str, bytes] = {}
        self._lock = threading.Lock()
        found = store.wrapped_for(KEK_OWNER)
        if found is not None:
            kek_id, wrapped = found
            kek = master.unwrap(kek_id, wrapped)
        else:
            kek_id, kek = KEK_ID_PREFIX + secrets.token_hex(12), new_data_key()
            store.add(kek_id, KEK_OWNER, master.wrap(kek_id, kek))
        self._current = kek_id
        self._keks[kek_id] = kek

    @property
    def current_id(self) -> str:
        return WRAPPED_BY_KEK + self._current

    def wrap(self, data_key_id: str, data_key: bytes) -> WrappedKey:
        return aes_wrap(self._keks[self._current], self.current_id, data_key_id, data_key)

    def unwrap(self, data_key_id: str, wrapped: WrappedKey) -> bytes:
        if not wrapped.master_key_id.startswith(WRAPPED_BY_KEK):
            return self.master.unwrap(data_key_id, wrapped)  # wrapped before KEKs
        return aes_unwrap(
            self._kek(wrapped.master_key_id.removeprefix(WRAPPED_BY_KEK)), data_key_id, wrapped
        )

    def _kek(self, kek_id: str) -> bytes:
        with self._lock:
            kek = self._keks.get(kek_id)
        if kek is not None:
            return kek
        wrapped = self.store.wrapped([kek_id]).get(kek_id)
        if wrapped is None:
            raise MasterKeyError(f"no key-encryption key {kek_id!r} in the key store")
        kek = self.master.unwrap(kek_id, wrapped)  # another process's KEK: once
        with self._lock:
            self._keks[kek_id] = kek
        return kek
