"""The key store a fleet shares (graph/keys/dynamodb_store.py), against moto's DynamoDB server on
loopback: every instance sees a key the moment another made it, an erasure deletes every key the
person had, a rewrap walks the keys and resumes, and the settings select it beside AWS KMS."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.config import Settings
from graph.keys.configured import keyring_for
from graph.keys.dynamodb_store import DynamoDbKeyStore
from graph.keys.keyring import Keyring, rewrap_all
from graph.keys.master import AwsKmsMasterKey, LocalMasterKey, WrappedKey
from graph.keys.store import create_key


def test_keys_are_shared_found_by_owner_and_destroyed_with_every_one_they_had(
    aws_endpoint: str, tmp_path: Path
) -> None:
    master = LocalMasterKey.create(tmp_path / "master.json")
    one = DynamoDbKeyStore("threadline-keys", endpoint_url=aws_endpoint)  # made when missing
    other = DynamoDbKeyStore("threadline-keys", endpoint_url=aws_endpoint)  # another instance
    kept_id, kept = create_key(one, master, "usr_keep")
    first_id, _ = create_key(one, master, "usr_gone")
    newest_id, newest = create_key(other, master, "usr_gone")
    found = one.wrapped_for("usr_gone")
    assert found is not None
    assert found[0] == newest_id
    assert master.unwrap(newest_id, found[1]) == newest
    many = [create_key(one, master, f"usr_{n}")[0] for n in range(120)]  # > one BatchGetItem
    assert other.wrapped([kept_id, *many, "dk_absent"]).keys() == {kept_id, *many}
    assert master.unwrap(kept_id, other.wrapped([kept_id])[kept_id]) == kept
    assert other.count() == 123

    assert other.destroy(["usr_gone", "usr_nobody"]) == 2
    assert one.wrapped([first_id, newest_id]) == {}
    assert one.wrapped_for("usr_gone") is None
    assert one.count() == 121


def test_pages_resume_after_their_last_key_and_a_swap_is_compare_and_set(
    aws_endpoint: str, tmp_path: Path
) -> None:
    master = LocalMasterKey.create(tmp_path / "master.json")
    store = DynamoDbKeyStore("threadline-pages", endpoint_url=aws_endpoint)
    made = {create_key(store, master, f"usr_{n}")[0] for n in range(25)}
    seen: list[str] = []
    after = ""
    while page := store.page(after, 10):
        assert len(page) <= 10
        seen += [key_id for key_id, _ in page]
        after = page[-1][0]
    assert sorted(seen) == sorted(made)  # each once, owners' items left out

    key_id, old = store.page("", 1)[0]
    new = WrappedKey("mk-other", b"rewrapped")
    assert store.replace_wrapped(key_id, old, new)
    assert not store.replace_wrapped(key_id, old, new)  # nobody's key is swapped twice
    assert store.wrapped([key_id])[key_id] == new


def test_a_fleet_on_aws_kms_and_dynamodb_seals_opens_rotates_and_erases(
    aws_endpoint: str, tmp_path: Path
) -> None:
    import boto3

    kms = boto3.client("kms", endpoint_url=aws_endpoint)
    first_kms_key = kms.create_key()["KeyMetadata"]["KeyId"]
    settings = Settings(
        master_key=f"aws-kms:{first_kms_key}",
        key_store="dynamodb:threadline-fleet",
        aws_kms_endpoint=aws_endpoint,
        aws_dynamodb_endpoint=aws_endpoint,
        cache_dir=tmp_path,
    )
    writer, reader = keyring_for(settings), keyring_for(settings)  # two API instances
    assert isinstance(writer.store, DynamoDbKeyStore)
    sealed = {n: writer.seal(f"usr_{n}", f"+44 7700 9000{n:02d}", "identity") for n in range(12)}
    assert all(reader.open(v, "identity") == f"+44 7700 9000{n:02d}" for n, v in sealed.items())
    assert reader.lookup("identity", "sms:+1") == writer.lookup("identity", "sms:+1")

    second_kms_key = kms.create_key()["KeyMetadata"]["KeyId"]
    rotated = settings.model_copy(update={"master_key": f"aws-kms:{second_kms_key}"})
    master = AwsKmsMasterKey(second_kms_key, endpoint_url=aws_endpoint)
    done = rewrap_all(master, writer.store)
    assert done.rewrapped == 1  # the key-encryption key; the data keys stay as they are
    kms.disable_key(KeyId=first_kms_key)  # the old KMS key is no longer needed
    after = keyring_for(rotated)
    assert all(after.open(v, "identity") == f"+44 7700 9000{n:02d}" for n, v in sealed.items())

    assert after.destroy(["usr_3"]) == 1
    fresh = Keyring(master, DynamoDbKeyStore("threadline-fleet", endpoint_url=aws_endpoint))
    assert fresh.open(sealed[3], "identity") is None
    assert fresh.open(sealed[4], "identity") == "+44 7700 900004"


def test_an_unreachable_table_is_one_clear_error(aws_endpoint: str) -> None:
    from graph.keys.master import MasterKeyError

    with pytest.raises(MasterKeyError, match="DynamoDB key store 'x'"):
        DynamoDbKeyStore("x", endpoint_url="http://127.0.0.1:9")  # nothing listens there
