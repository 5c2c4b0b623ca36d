"""Exports sealed for their recipient (graph/keys/recipient.py): what is written opens with the
recipient's private key only, across chunks, and any reordering, cutting or tampering is an
error, never silently wrong data."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest

from graph.keys.recipient import (
    MAGIC,
    RecipientKeyError,
    SealedWriter,
    load_private_key,
    load_public_key,
    new_key_pair,
    opened,
)


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, Path]:
    private, public = tmp_path / "export.key", tmp_path / "export.pub"
    new_key_pair(private, public)
    return private, public


def _sealed(public: Path, payload: bytes, chunk: int) -> bytes:
    out = io.BytesIO()
    writer = SealedWriter(out, load_public_key(public), chunk=chunk)
    for start in range(0, len(payload), 7):  # written in small pieces
        writer.write(payload[start : start + 7])
    writer.close()
    return out.getvalue()


def _open(private: Path, data: bytes) -> bytes:
    return b"".join(opened(io.BytesIO(data), load_private_key(private)))


def test_an_export_opens_with_the_recipients_key_only(
    keys: tuple[Path, Path], tmp_path: Path
) -> None:
    private, public = keys
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    payload = os.urandom(1000) + b'{"text": "ana@mail.com"}\n'
    data = _sealed(public, payload, chunk=100)
    assert data.startswith(MAGIC)
    assert b"ana@mail.com" not in data
    assert _open(private, data) == payload
    assert _open(private, _sealed(public, b"", chunk=100)) == b""  # an empty export too
    other_private, other_public = tmp_path / "other.key", tmp_path / "other.pub"
    new_key_pair(other_private, other_public)
    with pytest.raises(RecipientKeyError, match="another recipient"):
        _open(other_private, data)
    with pytest.raises(FileExistsError):  # a private key is never overwritten
        new_key_pair(private, tmp_path / "again.pub")
    with pytest.raises(RecipientKeyError, match="public key"):
        load_public_key(private)


def _chunks(data: bytes) -> list[bytes]:
    body, found = data[len(MAGIC) :], []
    while body:
        length = int.from_bytes(body[1:5], "big")
        found.append(body[: 5 + length])
        body = body[5 + length :]
    return found


def test_reordered_cut_or_altered_exports_do_not_open(keys: tuple[Path, Path]) -> None:
    private, public = keys
    data = _sealed(public, bytes(range(256)) * 4, chunk=256)
    chunks = _chunks(data)
    assert len(chunks) == 4  # three, and the last
    swapped = MAGIC + chunks[1] + chunks[0] + b"".join(chunks[2:])
    with pytest.raises(RecipientKeyError, match="chunk 0 does not open"):
        _open(private, swapped)
    with pytest.raises(RecipientKeyError, match="cut short"):
        _open(private, MAGIC + b"".join(chunks[:-1]))  # the last chunk dropped
    relabelled = MAGIC + b"".join(chunks[:2]) + b"\x01" + chunks[2][1:]  # "last" too early
    with pytest.raises(RecipientKeyError, match="chunk 2 does not open"):
        _open(private, relabelled)
    flipped = bytearray(data)
    flipped[-3] ^= 1
    with pytest.raises(RecipientKeyError):
        _open(private, bytes(flipped))
    with pytest.raises(RecipientKeyError, match="after the last chunk"):
        _open(private, data + b"x")
    with pytest.raises(RecipientKeyError, match="TLX1"):
        _open(private, b"plain json")
