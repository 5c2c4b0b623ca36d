"""The keys of everyone, as the rest of the code sees them: seal a person's value, open a sealed
value, find a value by its keyed hash, destroy a person's keys. Data keys are wrapped by a
key-encryption key (graph/keys/kek.py, itself wrapped by the master key), unwrapped once and
kept in memory for `cache_seconds` (a destroyed key may stay that long in another process's
memory, never on disk). The secret of the lookup hashes is one more data key
in the key store (owner `LOOKUP_OWNER`, never destroyed), so every process shares it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from graph.keys.envelope import SealError, key_id_of, lookup_hash, new_data_key, open_sealed, seal
from graph.keys.kek import KEK_OWNER, WRAPPED_BY_KEK, KeyEncryptionKeys, is_kek_id
from graph.keys.master import MasterKey
from graph.keys.store import KeyStore, create_key, new_key_id

LOOKUP_OWNER = "threadline:lookup"  # not a user id: those start with usr_
DEFAULT_CACHE_SECONDS = 60.0


@dataclass(frozen=True)
class _Held:
    key: bytes
    at: float


class Keyring:
    def __init__(
        self,
        master: MasterKey,
        store: KeyStore,
        *,
        cache_seconds: float = DEFAULT_CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.master, self.store = master, store
        self.wrapper = KeyEncryptionKeys(master, store)  # asks the master key once per KEK
        self.cache_seconds, self._clock = cache_seconds, clock
        self._keys: dict[str, _Held] = {}  # data key id -> key
        self._current: dict[str, str] = {}  # owner -> their data key id
        self._lock = threading.Lock()
        self._lookup_secret = self._owner_key(LOOKUP_OWNER)[1]

    def seal(self, owner: str, value: str, context: str) -> str:
        """`value` sealed under the owner's data key (made on first use)."""
        key_id, key = self._owner_key(owner)
        return seal(key_id, key, value, context)

    def open(self, value: str, context: str) -> str | None:
        """The clear text of a sealed value; None when its key was destroyed (the person was
        erased). SealError when it does not open under its key (altered, or another field's)."""
        key_id = key_id_of(value)
        if key_id is None:
            raise SealError("not a sealed value")
        key = self.keys([key_id]).get(key_id)
        return open_sealed(value, key, context) if key is not None else None

    def keys(self, key_ids: Iterable[str]) -> dict[str, bytes]:
        """The data keys of these ids that exist, unwrapped (held `cache_seconds`)."""
        now = self._clock()
        found: dict[str, bytes] = {}
        missing: list[str] = []
        with self._lock:
            for key_id in set(key_ids):
                held = self._keys.get(key_id)
                if held is not None and now - held.at <= self.cache_seconds:
                    found[key_id] = held.key
                else:
                    missing.append(key_id)
        if missing:
            for key_id, wrapped in self.store.wrapped(missing).items():
                key = self.wrapper.unwrap(key_id, wrapped)
                found[key_id] = key
                with self._lock:
                    self._keys[key_id] = _Held(key, now)
        return found

    def lookup(self, context: str, value: str) -> str:
        """The keyed hash a value is found by (an identity by its channel id)."""
        return lookup_hash(self._lookup_secret, context, value)

    def destroy(self, owners: Iterable[str]) -> int:
        """Destroy every data key of these owners (erasure): what they sealed never opens again,
        in the store or in any copy of it. How many keys there were."""
        owners = [o for o in set(owners) if o not in (LOOKUP_OWNER, KEK_OWNER)]  # nobody's
        destroyed = self.store.destroy(owners)
        with self._lock:
            for owner in owners:
                self._current.pop(owner, None)
            self._keys.clear()  # every process forgets within cache_seconds; this one at once
        return destroyed

    def prepare(self, owners: Iterable[str]) -> None:
        """Make the data keys of those of `owners` who have none, stored together (one write
        to the key store for a batch of new people, rather than one each)."""
        with self._lock:
            unknown = sorted({o for o in owners if o not in self._current})
        if not unknown:
            return
        absent = [
            (owner, new_key_id(), new_data_key())
            for owner in unknown
            if self.store.wrapped_for(owner) is None
        ]
        if not absent:
            return
        self.store.add_many(
            [(key_id, owner, self.wrapper.wrap(key_id, key)) for owner, key_id, key in absent]
        )
        now = self._clock()
        with self._lock:
            for owner, key_id, key in absent:
                self._current[owner] = key_id
                self._keys[key_id] = _Held(key, now)

    def _owner_key(self, owner: str) -> tuple[str, bytes]:
        with self._lock:
            key_id = self._current.get(owner)
        if key_id is not None and (key := self.keys([key_id]).get(key_id)) is not None:
            return key_id, key
        found = self.store.wrapped_for(owner)
        if found is not None:
            key_id, wrapped = found
            key = self.wrapper.unwrap(key_id, wrapped)
        else:
            key_id, key = create_key(self.store, self.wrapper, owner)
        with self._lock:
            self._current[owner] = key_id
            self._keys[key_id] = _Held(key, self._clock())
        return key_id, key


@dataclass(frozen=True)
class Rewrapped:
    seen: int
    rewrapped: int
    last_id: str


def rewrap_all(
    master: MasterKey,
    store: KeyStore,
    *,
    after: str = "",
    page: int = 500,
    progress: Callable[[Rewrapped], None] | None = None,
) -> Rewrapped:
    """After a rotation, re-wrap every key-encryption key not wrapped by the master key's
    current version, and move every data key still wrapped by the master key itself (written
    before KEKs) under a KEK; in id order from `after`. The data never changes, only its keys'
    wrapping. Resumable: what is already wrapped so is skipped, so running it again after an
    interruption finishes the job."""
    keks = KeyEncryptionKeys(master, store)
    seen = rewrapped = 0
    last = after
    while rows := store.page(last, page):
        for key_id, wrapped in rows:
            if is_kek_id(key_id):
                stale = wrapped.master_key_id != master.current_id
                wrapper: MasterKey = master
            else:
                stale = not wrapped.master_key_id.startswith(WRAPPED_BY_KEK)
                wrapper = keks
            if stale:
                key = master.unwrap(key_id, wrapped)
                if store.replace_wrapped(key_id, wrapped, wrapper.wrap(key_id, key)):
                    rewrapped += 1
        seen += len(rows)
        last = rows[-1][0]
        if progress is not None:
            progress(Rewrapped(seen, rewrapped, last))
    return Rewrapped(seen, rewrapped, last)
