"""Stored values that may be sealed: per-person encryption (graph/keys/) writes a person's
attribute values, and the values and mention texts of their personal entities, as
`tl1.<data key id>.<ciphertext>`, and everything that reads a stored value reads it through
`clear_text`. A personal entity's key is stored as `TYPE:~<keyed hash>` (`entity_key` turns a
clear key into it, for lookups). The composition root (graph.store.database) points both at
the keyring when encryption is on; a value whose key was destroyed (its person erased) reads as
None. Without a keyring a sealed value stays as stored and keys are used as given."""

from __future__ import annotations

from collections.abc import Callable

SEALED_PREFIX = "tl1."
ATTRIBUTE = "attribute"  # what an attribute value is sealed as (its authenticated context)
ENTITY = "entity"  # what a personal entity's value and mention text are sealed as
IDENTITY = "identity"  # what an identity's external id is sealed as
THREAD = "thread"  # what a platform thread's native id (and a reply's destination) is sealed as
HASHED = "~"  # a personal entity key's value part starts with it: TYPE:~<keyed hash>

_opener: Callable[[str, str], str | None] | None = None
_entity_key: Callable[[str], str] | None = None
_identity_key: Callable[[str], str] | None = None
_thread_key: Callable[[str], str] | None = None


def open_with(
    opener: Callable[[str, str], str | None] | None,
    entity_key: Callable[[str], str] | None = None,
    identity_key: Callable[[str], str] | None = None,
    thread_key: Callable[[str], str] | None = None,
) -> None:
    """Set (or clear) how sealed values open — `opener(value, context)` — and how a clear
    entity key, identity key and thread key become their stored forms."""
    # one keyring per process, set by the composition root
    global _opener, _entity_key, _identity_key, _thread_key
    _opener, _entity_key, _identity_key, _thread_key = opener, entity_key, identity_key, thread_key


def stored_identity_key(key: str) -> str:
    """An identity key (`channel:externalId`) as stored: `channel:~<keyed hash>` when encryption
    is on, as given otherwise."""
    return _identity_key(key) if _identity_key is not None else key


def stored_thread_key(key: str) -> str:
    """A platform thread's key (`channel:threadId`) as stored: `channel:~<keyed hash>` when
    encryption is on (a WhatsApp thread id is the customer's number), as given otherwise."""
    return _thread_key(key) if _thread_key is not None else key


def identities_hashed() -> bool:
    return _identity_key is not None


def entity_key(key: str) -> str:
    """An entity key as stored: a personal one (`EMAIL:j@x.com`) as its keyed hash when
    encryption is on, any other as given."""
    return _entity_key(key) if _entity_key is not None else key


def is_hashed(key: str) -> bool:
    return key.partition(":")[2].startswith(HASHED)


def clear_text(text: str | None, context: str = ATTRIBUTE) -> str | None:
    if text is None or _opener is None or not text.startswith(SEALED_PREFIX):
        return text
    return _opener(text, context)
