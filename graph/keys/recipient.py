"""Exports sealed for the one who receives them: an export written with a recipient's public key
can be read only with their private key, wherever the file travels or is kept.

HPKE (RFC 9180) from `cryptography` — DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM —
over the export cut into chunks of up to 1 MiB, so an export of any size streams. Each chunk is
one HPKE message (its own encapsulated key); its position and whether it is the last are the
HPKE `info`, authenticated with it, so chunks cannot be reordered, dropped or cut short without
the reader noticing.

    file   = MAGIC, chunk*          (the last chunk has flag 1; nothing follows it)
    chunk  = flag (1 byte), length (4 bytes, big-endian), HPKE message (enc || ciphertext)

Keys are PEM files: the recipient makes a pair (`threadline export-key new`) and hands over the
public one; the private one (PKCS#8, 0600) never comes near Threadline."""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

MAGIC = b"TLX1\n"  # Threadline export, sealed for a recipient, version 1
CHUNK = 1 << 20
SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
_HEAD = struct.Struct(">BI")  # flag, length


class RecipientKeyError(ValueError):
    """A key file that is not an X25519 key of the kind asked for, or an export that does not
    open with it (another recipient's, altered, reordered or cut short)."""


def new_key_pair(private_path: Path, public_path: Path) -> None:
    """A recipient's key pair as PEM files; the private one readable by its owner only, never
    overwritten."""
    key = X25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(private)
    public_path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def load_public_key(path: Path) -> X25519PublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as error:
        raise RecipientKeyError(f"{path}: not a PEM public key ({error})") from error
    if not isinstance(key, X25519PublicKey):
        raise RecipientKeyError(f"{path}: an X25519 public key is needed")
    return key


def load_private_key(path: Path) -> X25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as error:
        raise RecipientKeyError(f"{path}: not a PEM private key ({error})") from error
    if not isinstance(key, X25519PrivateKey):
        raise RecipientKeyError(f"{path}: an X25519 private key is needed")
    return key


def _info(index: int, last: bool) -> bytes:
    return b"threadline export v1 chunk %d %s" % (index, b"last" if last else b"more")


class SealedWriter:
    """A binary stream that seals what is written to it, chunk by chunk, for `recipient`;
    `close` seals the last chunk (an export must be closed to be readable)."""

    def __init__(self, out: BinaryIO, recipient: X25519PublicKey, chunk: int = CHUNK) -> None:
        self._out, self._recipient, self._chunk = out, recipient, chunk
        self._pending = bytearray()
        self._index = 0
        out.write(MAGIC)

    def write(self, data: bytes) -> int:
        self._pending += data
        while len(self._pending) > self._chunk:
            self._seal(bytes(self._pending[: self._chunk]), last=False)
            del self._pending[: self._chunk]
        return len(data)

    def close(self) -> None:
        self._seal(bytes(self._pending), last=True)
        self._pending.clear()
        self._out.flush()

    def _seal(self, plain: bytes, last: bool) -> None:
        sealed = SUITE.encrypt(plain, self._recipient, info=_info(self._index, last))
        self._out.write(_HEAD.pack(1 if last else 0, len(sealed)) + sealed)
        self._index += 1


def opened(source: BinaryIO, key: X25519PrivateKey) -> Iterator[bytes]:
    """The export's plain bytes, chunk by chunk; RecipientKeyError as soon as something does
    not open or is missing."""
    if source.read(len(MAGIC)) != MAGIC:
        raise RecipientKeyError("not an export sealed for a recipient (TLX1)")
    index = 0
    while True:
        head = source.read(_HEAD.size)
        if len(head) < _HEAD.size:
            raise RecipientKeyError("the export is cut short: its last chunk is missing")
        flag, length = _HEAD.unpack(head)
        sealed = source.read(length)
        if len(sealed) < length or flag not in (0, 1):
            raise RecipientKeyError("the export is cut short or damaged")
        try:
            yield SUITE.decrypt(sealed, key, info=_info(index, flag == 1))
        except InvalidTag as error:
            raise RecipientKeyError(
                f"chunk {index} does not open: another recipient's key, or altered or reordered"
            ) from error
        index += 1
        if flag == 1:
            if source.read(1):
                raise RecipientKeyError("bytes after the last chunk")
            return
