"""Envelope encryption of one person's values: AES-256-GCM (the `cryptography` package) under
the person's data key, never home-made. A sealed value is text, so it is stored where the clear
value was (a string property, a JSON attribute value):

    tl1.<data key id>.<base64url(nonce | ciphertext | tag)>

The data key id says which key opens it (a person merged into another keeps their own key for
what was written before the merge); the `context` (what the value is: "attribute:email",
"identity:externalId") is authenticated with it, so a sealed value moved to another field does
not open. Keyed hashes (`lookup_hash`) find a sealed value by its clear text without opening
anything (an identity by its channel id)."""

from __future__ import annotations

import base64
import binascii
import hmac
import os
import re

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "tl1"
KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12
_SEALED = re.compile(r"^tl1\.([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]+)$")


class SealError(Exception):
    """A sealed value that does not open: another key, another context, or altered."""


def new_data_key() -> bytes:
    return os.urandom(KEY_BYTES)


def seal(key_id: str, key: bytes, plaintext: str, context: str) -> str:
    """`plaintext` sealed under `key` (a fresh nonce each time: the same value seals differently
    every time, so equal values cannot be matched in the store)."""
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(key).encrypt(nonce, plaintext.encode(), _aad(key_id, context))
    body = base64.urlsafe_b64encode(nonce + ciphertext).rstrip(b"=").decode()
    return f"{PREFIX}.{key_id}.{body}"


def key_id_of(value: str) -> str | None:
    """The data key id a sealed value names; None for a value that is not sealed."""
    match = _SEALED.match(value) if value.startswith(PREFIX + ".") else None
    return match.group(1) if match else None


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and key_id_of(value) is not None


def open_sealed(value: str, key: bytes, context: str) -> str:
    match = _SEALED.match(value)
    if match is None:
        raise SealError("not a sealed value")
    key_id, body = match.groups()
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except binascii.Error as error:
        raise SealError("sealed value is not base64") from error
    if len(raw) < NONCE_BYTES + 16:
        raise SealError("sealed value too short")
    try:
        plaintext = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _aad(key_id, context))
    except InvalidTag as error:
        raise SealError(f"sealed value does not open under key {key_id} as {context}") from error
    return plaintext.decode()


def lookup_hash(secret: bytes, context: str, value: str) -> str:
    """A keyed hash (HMAC-SHA256) of a value, to find it without storing it: the same value and
    context give the same hash; without the secret nobody can test a guess against it."""
    digest = hmac.digest(secret, f"{context}\x00{value}".encode(), "sha256")  # OpenSSL one-shot
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _aad(key_id: str, context: str) -> bytes:
    return f"{PREFIX}\x00{key_id}\x00{context}".encode()
