"""Per-person envelope encryption's parts (graph/keys/): sealing under a data key, the master
key that wraps data keys (a local key file; AWS KMS, against moto's KMS server on loopback), and
the key store outside Neo4j, whose destroyed keys are gone from its files."""

from __future__ import annotations

import stat
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from graph.keys.envelope import (
    SealError,
    is_sealed,
    key_id_of,
    lookup_hash,
    new_data_key,
    open_sealed,
    seal,
)
from graph.keys.keyring import Keyring, Rewrapped, rewrap_all
from graph.keys.master import AwsKmsMasterKey, LocalMasterKey, MasterKeyError, WrappedKey
from graph.keys.store import SqliteKeyStore, create_key


def test_a_sealed_value_opens_only_under_its_key_and_context() -> None:
    key = new_data_key()
    sealed = seal("dk1", key, "42 Elm Street, Springfield", "attribute:address")
    assert is_sealed(sealed)
    assert key_id_of(sealed) == "dk1"
    assert "Elm" not in sealed
    assert open_sealed(sealed, key, "attribute:address") == "42 Elm Street, Springfield"
    assert seal("dk1", key, "same", "c") != seal("dk1", key, "same", "c")  # a fresh nonce each
    with pytest.raises(SealError):
        open_sealed(sealed, key, "attribute:email")  # moved to another field
    with pytest.raises(SealError):
        open_sealed(sealed, new_data_key(), "attribute:address")  # another person's key
    tampered = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    with pytest.raises(SealError):
        open_sealed(tampered, key, "attribute:address")
    assert not is_sealed("tl1 but not sealed")
    assert not is_sealed(42)


def test_lookup_hashes_find_a_value_only_with_the_secret() -> None:
    secret, other = b"s" * 32, b"t" * 32
    assert lookup_hash(secret, "identity", "web:visitor-42") == lookup_hash(
        secret, "identity", "web:visitor-42"
    )
    assert lookup_hash(secret, "identity", "web:visitor-42") != lookup_hash(
        other, "identity", "web:visitor-42"
    )
    assert lookup_hash(secret, "identity", "x") != lookup_hash(secret, "contact", "x")


def test_a_local_master_key_wraps_rotates_and_keeps_old_versions(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "master.json"
    master = LocalMasterKey.create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(MasterKeyError, match="never overwritten"):
        LocalMasterKey.create(path)
    data_key = new_data_key()
    wrapped = master.wrap("dk1", data_key)
    assert data_key not in wrapped.blob
    first = master.current_id
    second = master.rotate()
    assert second != first
    again = LocalMasterKey(path)  # what the next start reads
    assert again.current_id == second
    assert again.unwrap("dk1", wrapped) == data_key  # wrapped by the old version
    assert again.wrap("dk1", data_key).master_key_id == second
    with pytest.raises(MasterKeyError):
        again.unwrap("dk2", wrapped)  # the data key id is bound to its wrapping


def test_a_missing_or_wrong_master_key_says_so(tmp_path: Path) -> None:
    with pytest.raises(MasterKeyError, match="no master key file"):
        LocalMasterKey(tmp_path / "absent.json")
    (tmp_path / "junk.json").write_text("{not json")
    with pytest.raises(MasterKeyError, match="unreadable"):
        LocalMasterKey(tmp_path / "junk.json")
    wrapped = LocalMasterKey.create(tmp_path / "a.json").wrap("dk1", new_data_key())
    other = LocalMasterKey.create(tmp_path / "b.json")
    with pytest.raises(MasterKeyError, match="wrong key file"):
        other.unwrap("dk1", wrapped)


def test_destroyed_keys_are_gone_from_the_key_store_files(tmp_path: Path) -> None:
    master = LocalMasterKey.create(tmp_path / "master.json")
    store = SqliteKeyStore(tmp_path / "data-keys.sqlite")
    kept_id, _ = create_key(store, master, "usr_keep")
    gone_id, gone_key = create_key(store, master, "usr_gone")
    [old_id, _] = create_key(store, master, "usr_gone")
    gone_blob = store.wrapped([gone_id])[gone_id].blob
    assert store.wrapped_for("usr_gone") is not None
    assert master.unwrap(gone_id, store.wrapped([gone_id])[gone_id]) == gone_key

    assert store.destroy(["usr_gone"]) == 2
    assert store.wrapped([gone_id, old_id, kept_id]).keys() == {kept_id}
    assert store.wrapped_for("usr_gone") is None
    # neither the wrapped key nor its id is left in any file of the store (secure_delete, and
    # the write-ahead log emptied)
    for file in tmp_path.iterdir():
        if file.name.startswith("data-keys"):
            content = file.read_bytes()
            assert gone_blob not in content, file.name
            assert gone_id.encode() not in content, file.name
    store.close()


def test_rewrapping_swaps_only_a_key_nobody_changed_since(tmp_path: Path) -> None:
    master = LocalMasterKey.create(tmp_path / "master.json")
    store = SqliteKeyStore(tmp_path / "data-keys.sqlite")
    key_id, key = create_key(store, master, "usr_1")
    [(listed, old)] = store.page("", 10)
    assert listed == key_id
    master.rotate()
    new = master.wrap(key_id, key)
    assert store.replace_wrapped(key_id, old, new)
    assert not store.replace_wrapped(key_id, old, new)  # already swapped
    assert master.unwrap(key_id, store.wrapped([key_id])[key_id]) == key
    assert store.page(key_id, 10) == []
    store.close()


def test_an_aws_kms_master_key_wraps_and_unwraps(aws_endpoint: str) -> None:
    import boto3

    kms = boto3.client("kms", endpoint_url=aws_endpoint)
    first = kms.create_key(Description="threadline test")["KeyMetadata"]["KeyId"]
    master = AwsKmsMasterKey(first, endpoint_url=aws_endpoint)
    data_key = new_data_key()
    wrapped = master.wrap("dk1", data_key)
    assert first in wrapped.master_key_id
    assert master.unwrap("dk1", wrapped) == data_key
    with pytest.raises(MasterKeyError):
        master.unwrap("dk2", wrapped)  # the encryption context names the data key

    # rotation: a new KMS key wraps from now on; the old one still unwraps what it wrapped
    second = kms.create_key(Description="threadline test, rotated")["KeyMetadata"]["KeyId"]
    rotated = AwsKmsMasterKey(second, endpoint_url=aws_endpoint)
    assert rotated.unwrap("dk1", wrapped) == data_key
    assert second in rotated.wrap("dk1", data_key).master_key_id

    with pytest.raises(MasterKeyError, match="AWS KMS key"):
        AwsKmsMasterKey("no-such-key", endpoint_url=aws_endpoint)
    kms.disable_key(KeyId=first)
    with pytest.raises(MasterKeyError, match="not enabled"):
        AwsKmsMasterKey(first, endpoint_url=aws_endpoint)
    assert WrappedKey(wrapped.master_key_id, wrapped.blob) == wrapped


def _keyring(
    folder: Path, cache_seconds: float = 60.0, clock: Callable[[], float] = time.monotonic
) -> Keyring:
    path = folder / "master.json"
    master = LocalMasterKey(path) if path.exists() else LocalMasterKey.create(path)
    store = SqliteKeyStore(folder / "data-keys.sqlite")
    return Keyring(master, store, cache_seconds=cache_seconds, clock=clock)


def test_a_keyring_seals_for_a_person_and_erasure_makes_it_noise(tmp_path: Path) -> None:
    keyring = _keyring(tmp_path)
    sealed = keyring.seal("usr_a", "ana@example.com", "attribute:email")
    other = keyring.seal("usr_b", "bo@example.com", "attribute:email")
    assert key_id_of(sealed) != key_id_of(other)  # one data key per person
    assert key_id_of(keyring.seal("usr_a", "x", "c")) == key_id_of(sealed)
    # another process on the same key store opens it, and finds by the same lookup hashes
    again = _keyring(tmp_path)
    assert again.open(sealed, "attribute:email") == "ana@example.com"
    assert again.lookup("identity", "web:v-42") == keyring.lookup("identity", "web:v-42")
    with pytest.raises(SealError):
        again.open(sealed, "attribute:phone")

    assert keyring.destroy(["usr_a"]) == 1
    assert keyring.open(sealed, "attribute:email") is None  # this process forgets at once
    assert _keyring(tmp_path).open(sealed, "attribute:email") is None
    assert keyring.open(other, "attribute:email") == "bo@example.com"
    # the lookup secret and the key-encryption key are nobody's keys: erasing never destroys them
    assert keyring.destroy(["threadline:lookup", "threadline:kek"]) == 0
    assert _keyring(tmp_path).lookup("identity", "web:v-42") == keyring.lookup(
        "identity", "web:v-42"
    )


def test_another_process_forgets_a_destroyed_key_within_its_cache_time(tmp_path: Path) -> None:
    now = [0.0]
    reader = _keyring(tmp_path, cache_seconds=60.0, clock=lambda: now[0])
    writer = _keyring(tmp_path)
    sealed = writer.seal("usr_a", "secret", "c")
    assert reader.open(sealed, "c") == "secret"
    writer.destroy(["usr_a"])
    assert reader.open(sealed, "c") == "secret"  # still held (never on disk)
    now[0] = 61.0
    assert reader.open(sealed, "c") is None


def test_a_keyring_refuses_a_master_key_that_did_not_wrap_its_keys(tmp_path: Path) -> None:
    _keyring(tmp_path).seal("usr_a", "x", "c")
    (tmp_path / "master.json").rename(tmp_path / "old-master.json")
    with pytest.raises(MasterKeyError, match="wrong key file"):
        _keyring(tmp_path)  # a new key file: the stored keys do not unwrap


class CountingMaster:
    """A master key that counts how often it is asked (a KMS bills, and blocks, per call)."""

    def __init__(self, master: LocalMasterKey) -> None:
        self.master, self.wraps, self.unwraps = master, 0, 0

    @property
    def current_id(self) -> str:
        return self.master.current_id

    def wrap(self, data_key_id: str, data_key: bytes) -> WrappedKey:
        self.wraps += 1
        return self.master.wrap(data_key_id, data_key)

    def unwrap(self, data_key_id: str, wrapped: WrappedKey) -> bytes:
        self.unwraps += 1
        return self.master.unwrap(data_key_id, wrapped)


def test_the_master_key_is_asked_once_per_process_not_once_per_person(tmp_path: Path) -> None:
    master = CountingMaster(LocalMasterKey.create(tmp_path / "master.json"))
    store = SqliteKeyStore(tmp_path / "data-keys.sqlite")
    writer = Keyring(master, store)
    sealed = [writer.seal(f"usr_{n}", f"value {n}", "c") for n in range(30)]
    assert (master.wraps, master.unwraps) == (1, 0)  # the key-encryption key, made once
    wrappings = {w.master_key_id for _, w in store.page("", 100)}
    assert wrappings == {master.current_id, writer.wrapper.current_id}

    reader_master = CountingMaster(LocalMasterKey(tmp_path / "master.json"))
    reader = Keyring(reader_master, SqliteKeyStore(tmp_path / "data-keys.sqlite"), cache_seconds=0)
    assert [reader.open(v, "c") for v in sealed] == [f"value {n}" for n in range(30)]
    assert [reader.open(v, "c") for v in sealed[:3]] == ["value 0", "value 1", "value 2"]
    assert (reader_master.wraps, reader_master.unwraps) == (0, 1)  # another process: once


def test_rotation_rewraps_the_kek_moves_old_keys_under_it_and_resumes(tmp_path: Path) -> None:
    master = LocalMasterKey.create(tmp_path / "master.json")
    store = SqliteKeyStore(tmp_path / "data-keys.sqlite")
    for n in range(5):  # data keys wrapped by the master key itself, as before KEKs
        create_key(store, master, f"usr_old{n}")
    keyring = _keyring(tmp_path)
    owners = [f"usr_old{n}" for n in range(5)] + [f"usr_{n}" for n in range(20)]
    sealed = {owner: keyring.seal(owner, f"value of {owner}", "c") for owner in owners}
    new_version = master.rotate()

    def interrupt(progress: Rewrapped) -> None:
        if progress.seen >= 10:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        rewrap_all(master, store, page=10, progress=interrupt)
    done = rewrap_all(master, store, page=10)  # run again: what is left
    assert done.seen == 27  # 25 people, the lookup secret, the KEK
    by_id = dict(store.page("", 100))
    keks = {key_id for key_id in by_id if key_id.startswith("kek")}
    assert {by_id[k].master_key_id for k in keks} == {new_version}
    assert {w.master_key_id for k, w in by_id.items() if k not in keks} == {
        f"kek:{kek}" for kek in keks
    }
    assert rewrap_all(master, store).rewrapped == 0
    reopened = _keyring(tmp_path)
    assert all(reopened.open(v, "c") == f"value of {k}" for k, v in sealed.items())


def test_the_settings_name_an_aws_kms_master_key(aws_endpoint: str, tmp_path: Path) -> None:
    import boto3

    from graph.config import Settings
    from graph.keys.configured import keyring_for

    kms = boto3.client("kms", endpoint_url=aws_endpoint)
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    settings = Settings(
        master_key=f"aws-kms:{key_id}", aws_kms_endpoint=aws_endpoint, cache_dir=tmp_path
    )
    keyring = keyring_for(settings)
    assert isinstance(keyring.master, AwsKmsMasterKey)
    sealed = keyring.seal("usr_a", "ana@example.com", "attribute:email")
    assert keyring_for(settings).open(sealed, "attribute:email") == "ana@example.com"
    assert (tmp_path / "keys" / "data-keys.sqlite").exists()
    assert not (tmp_path / "keys" / "master.json").exists()


def test_attribute_sealing_keeps_declared_keys_clear_and_reads_a_tampered_value_as_null(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from graph.keys.personal import PersonalSealer

    sealer = PersonalSealer(_keyring(tmp_path), ("tier", "vip_*"))
    assert sealer.seal("usr_a", "tier", '"gold"') == '"gold"'
    assert sealer.seal("usr_a", "vip_level", "3") == "3"
    sealed = sealer.seal("usr_a", "email", '"ana@example.com"')
    assert is_sealed(sealed)
    assert sealer.open(sealed, "attribute") == '"ana@example.com"'
    tampered = sealed[:-3] + ("AAA" if not sealed.endswith("AAA") else "BBB")
    assert sealer.open(tampered, "attribute") is None
    assert "does not open" in caplog.text


def test_new_peoples_keys_are_made_together_and_nobody_gets_a_second(tmp_path: Path) -> None:
    keyring = _keyring(tmp_path)
    other = _keyring(tmp_path)  # another process, which already knows usr_known
    known = key_id_of(other.seal("usr_known", "x", "c"))
    before = keyring.store.count()
    added: list[int] = []
    add_many = keyring.store.add_many

    def counted(keys: list[tuple[str, str, WrappedKey]]) -> None:
        added.append(len(keys))
        add_many(keys)

    keyring.store.add_many = counted  # type: ignore[method-assign]
    keyring.prepare([f"usr_{n}" for n in range(20)] + ["usr_known"])
    assert added == [20]  # one write for the batch; usr_known keeps the key it has
    assert keyring.store.count() == before + 20
    assert key_id_of(keyring.seal("usr_known", "y", "c")) == known
    sealed = keyring.seal("usr_7", "value", "c")
    assert other.open(sealed, "c") == "value"
    keyring.prepare(["usr_7", "usr_known"])
    assert added == [20]  # nothing new to make
