"""The master key, key store and keyring the settings name (THREADLINE_MASTER_KEY,
THREADLINE_KEY_STORE)."""

from __future__ import annotations

from pathlib import Path

from graph.config import Settings
from graph.keys.keyring import Keyring
from graph.keys.master import AwsKmsMasterKey, LocalMasterKey, MasterKey, MasterKeyError
from graph.keys.store import KeyStore, SqliteKeyStore

FILE, AWS_KMS, DYNAMODB = "file:", "aws-kms:", "dynamodb:"


def master_key_file(settings: Settings) -> Path | None:
    """The local key file the settings name (None: the master key is in a KMS)."""
    named = settings.master_key
    if named is None:
        return settings.key_folder() / "master.json"
    if named.startswith(FILE):
        return Path(named.removeprefix(FILE)).expanduser()
    if named.startswith(AWS_KMS):
        return None
    raise MasterKeyError(f"THREADLINE_MASTER_KEY={named!r}: expected file:PATH or aws-kms:KEY_ID")


def master_key_for(settings: Settings) -> MasterKey:
    path = master_key_file(settings)
    if path is not None:
        return LocalMasterKey(path)
    named = str(settings.master_key).removeprefix(AWS_KMS)
    return AwsKmsMasterKey(named, endpoint_url=settings.aws_kms_endpoint)


def create_master_key_file(settings: Settings) -> Path | None:
    """The local master key file, made if missing (`make serve`); None for a KMS master key."""
    path = master_key_file(settings)
    if path is not None and not path.exists():
        LocalMasterKey.create(path)
    return path


def keyring_for(settings: Settings) -> Keyring:
    """The keyring of the settings; MasterKeyError (one line) when the master key is missing,
    unreadable or not the one that wrapped the stored keys."""
    master = master_key_for(settings)
    return Keyring(master, key_store_for(settings), cache_seconds=settings.key_cache_seconds)


def key_store_for(settings: Settings) -> KeyStore:
    """The key store the settings name: a DynamoDB table every instance of a fleet shares
    (`dynamodb:TABLE`), else a SQLite file (one host, or hosts sharing a volume)."""
    named = settings.key_store or ""
    if named.startswith(DYNAMODB):
        from graph.keys.dynamodb_store import DynamoDbKeyStore

        return DynamoDbKeyStore(
            named.removeprefix(DYNAMODB), endpoint_url=settings.aws_dynamodb_endpoint
        )
    return SqliteKeyStore(settings.key_store_path())
