"""The master key that wraps every person's data key, behind one small interface (`MasterKey`):
a local key file for development and tests, or a key in AWS KMS. The master key never leaves
its holder: a data key is sent to be wrapped and comes back wrapped (and the other way round).

A master key has versions (rotation adds one, `current` wraps from then on, the old ones still
unwrap what they wrapped): a wrapped key records which version wrapped it."""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from graph.keys.envelope import KEY_BYTES, NONCE_BYTES

FILE_FORMAT = "threadline-master-key/1"


class MasterKeyError(Exception):
    """The master key is missing, unreadable or not the one that wrapped a data key."""


@dataclass(frozen=True)
class WrappedKey:
    master_key_id: str  # the master key (version) that wrapped it
    blob: bytes


class MasterKey(Protocol):
    @property
    def current_id(self) -> str:
        """The master key (version) that wraps new data keys."""
        ...

    def wrap(self, data_key_id: str, data_key: bytes) -> WrappedKey: ...

    def unwrap(self, data_key_id: str, wrapped: WrappedKey) -> bytes: ...


def _aad(master_key_id: str, data_key_id: str) -> bytes:
    return f"threadline-data-key\x00{master_key_id}\x00{data_key_id}".encode()


def aes_wrap(key: bytes, wrapper_id: str, data_key_id: str, data_key: bytes) -> WrappedKey:
    """`data_key` wrapped in process by AES-256-GCM under `key` (the wrapping key `wrapper_id`),
    both ids authenticated with it."""
    nonce = os.urandom(NONCE_BYTES)
    blob = nonce + AESGCM(key).encrypt(nonce, data_key, _aad(wrapper_id, data_key_id))
    return WrappedKey(wrapper_id, blob)


def aes_unwrap(key: bytes, data_key_id: str, wrapped: WrappedKey) -> bytes:
    """What `aes_wrap` wrapped; MasterKeyError when it was not wrapped by `key` for this id."""
    nonce, sealed = wrapped.blob[:NONCE_BYTES], wrapped.blob[NONCE_BYTES:]
    try:
        data_key = AESGCM(key).decrypt(nonce, sealed, _aad(wrapped.master_key_id, data_key_id))
    except InvalidTag as error:
        raise MasterKeyError(f"data key {data_key_id!r} does not unwrap") from error
    if len(data_key) != KEY_BYTES:
        raise MasterKeyError(f"data key {data_key_id!r} is not {KEY_BYTES} bytes")
    return data_key


class LocalMasterKey:
    """Master keys in a JSON file readable by its owner only (0600), outside Neo4j's data
    directory: `{"format", "current", "keys": {id: base64 key}}`. For development and tests;
    in production the master key belongs in a KMS (`AwsKmsMasterKey`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._current, self._keys = _read_key_file(path)

    @classmethod
    def create(cls, path: Path) -> LocalMasterKey:
        """A new key file with one master key; refuses to overwrite one."""
        path.parent.mkdir(parents=True, exist_ok=True)
        key_id = _new_master_id()
        _write_key_file(path, key_id, {key_id: AESGCM.generate_key(bit_length=256)}, new=True)
        return cls(path)

    @property
    def current_id(self) -> str:
        return self._current

    def rotate(self) -> str:
        """A new master key version becomes current; the old ones stay to unwrap old keys."""
        key_id = _new_master_id()
        keys = self._keys | {key_id: AESGCM.generate_key(bit_length=256)}
        _write_key_file(self.path, key_id, keys, new=False)
        self._current, self._keys = key_id, keys
        return key_id

    def wrap(self, data_key_id: str, data_key: bytes) -> WrappedKey:
        return aes_wrap(self._keys[self._current], self._current, data_key_id, data_key)

    def unwrap(self, data_key_id: str, wrapped: WrappedKey) -> bytes:
        key = self._keys.get(wrapped.master_key_id)
        if key is None:
            raise MasterKeyError(
                f"{self.path} has no master key {wrapped.master_key_id!r} (the one that wrapped "
                f"data key {data_key_id!r}): the wrong key file?"
            )
        return aes_unwrap(key, data_key_id, wrapped)


class AwsKmsMasterKey:
    """A symmetric key in AWS KMS (`Encrypt`/`Decrypt` with an encryption context naming the
    data key): boto3 with the usual AWS credentials and region; `endpoint_url` for a local KMS
    (moto's server in the tests). Rotation: point `key_id` at a new KMS key (data keys wrapped
    by the old one still unwrap: KMS names its key in the ciphertext) and re-wrap."""

    def __init__(self, key_id: str, *, endpoint_url: str | None = None, client: Any = None) -> None:
        if client is None:
            client = aws_client("kms", endpoint_url, "an AWS KMS master key")
        self._client, self._key_id = client, key_id
        try:
            described = client.describe_key(KeyId=key_id)["KeyMetadata"]
        except Exception as error:  # botocore's errors: no such key, no access, no network
            raise MasterKeyError(f"AWS KMS key {key_id!r}: {error}") from error
        if not described.get("Enabled", False):
            raise MasterKeyError(f"AWS KMS key {key_id!r} is not enabled")
        self._arn = str(described["Arn"])

    @property
    def current_id(self) -> str:
        return self._arn

    def wrap(self, data_key_id: str, data_key: bytes) -> WrappedKey:
        answer = self._client.encrypt(
            KeyId=self._arn, Plaintext=data_key, EncryptionContext=_context(data_key_id)
        )
        return WrappedKey(str(answer["KeyId"]), bytes(answer["CiphertextBlob"]))

    def unwrap(self, data_key_id: str, wrapped: WrappedKey) -> bytes:
        try:
            answer = self._client.decrypt(
                CiphertextBlob=wrapped.blob,
                KeyId=wrapped.master_key_id,
                EncryptionContext=_context(data_key_id),
            )
        except Exception as error:
            raise MasterKeyError(f"data key {data_key_id!r} does not unwrap: {error}") from error
        return bytes(answer["Plaintext"])


def aws_client(service: str, endpoint_url: str | None, needed_by: str) -> Any:
    """A boto3 client (the usual AWS credentials and region); MasterKeyError without boto3."""
    try:
        import boto3
    except ImportError as error:
        raise MasterKeyError(f"{needed_by} needs boto3: pip install 'threadline[aws]'") from error
    return boto3.client(service, endpoint_url=endpoint_url)


def _context(data_key_id: str) -> dict[str, str]:
    return {"threadline-data-key": data_key_id}


def _new_master_id() -> str:
    return f"mk-{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(4)}"


def _read_key_file(path: Path) -> tuple[str, dict[str, bytes]]:
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError as error:
        raise MasterKeyError(f"no master key file {path} (make serve creates one)") from error
    except (OSError, ValueError) as error:
        raise MasterKeyError(f"master key file {path} is unreadable: {error}") from error
    if not isinstance(raw, dict) or raw.get("format") != FILE_FORMAT:
        raise MasterKeyError(f"{path} is not a {FILE_FORMAT} file")
    try:
        keys = {str(k): base64.b64decode(v, validate=True) for k, v in raw["keys"].items()}
        current = str(raw["current"])
    except (KeyError, AttributeError, ValueError) as error:
        raise MasterKeyError(f"master key file {path} is malformed: {error}") from error
    if current not in keys or any(len(k) != KEY_BYTES for k in keys.values()):
        raise MasterKeyError(f"master key file {path} is malformed")
    return current, keys


def _write_key_file(path: Path, current: str, keys: dict[str, bytes], *, new: bool) -> None:
    """Written whole to a new file (0600) and renamed over the old: never half a key file."""
    body = json.dumps(
        {
            "format": FILE_FORMAT,
            "current": current,
            "keys": {k: base64.b64encode(v).decode() for k, v in keys.items()},
        },
        indent=1,
    )
    if new and path.exists():
        raise MasterKeyError(f"{path} exists: a master key is never overwritten")
    partial = path.with_suffix(".tmp")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(body)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, path)
