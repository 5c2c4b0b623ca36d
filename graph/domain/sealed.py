"""Stored values that may be sealed: per-person encryption (graph/keys/) writes a person's
attribute values as `tl1.<data key id>.<ciphertext>`, and everything that reads a stored value
reads it through `clear_text`. The composition root (graph.store.database) points `clear_text`
at the keyring when encryption is on; a value whose key was destroyed (its person erased)
reads as None. Without a keyring a sealed value stays as stored."""

from __future__ import annotations

from collections.abc import Callable

SEALED_PREFIX = "tl1."
ATTRIBUTE = "attribute"  # what an attribute value is sealed as (its authenticated context)

_opener: Callable[[str, str], str | None] | None = None


def open_with(opener: Callable[[str, str], str | None] | None) -> None:
    """Set (or clear) how sealed values open: `opener(value, context)`."""
    global _opener  # noqa: PLW0603 - one keyring per process, set by the composition root
    _opener = opener


def clear_text(text: str | None, context: str = ATTRIBUTE) -> str | None:
    if text is None or _opener is None or not text.startswith(SEALED_PREFIX):
        return text
    return _opener(text, context)
