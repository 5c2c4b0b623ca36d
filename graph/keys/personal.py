"""Attribute values sealed for their person (THREADLINE_ENCRYPTION): every key but those the
deployment declares not personal (THREADLINE_CLEAR_ATTRIBUTE_KEYS, e.g. `tier`, `vip`: kept in
clear for Cypher analytics and trigger conditions). Reading opens them wherever a stored value
is read (graph/domain/sealed.py), so merge policies, triggers, brief, facts and exports work on
the clear values."""

from __future__ import annotations

import fnmatch
import logging

from graph.config import Settings
from graph.domain.sealed import ATTRIBUTE, open_with
from graph.keys.configured import keyring_for
from graph.keys.envelope import SealError
from graph.keys.keyring import Keyring

log = logging.getLogger("threadline.keys")


class AttributeSealer:
    def __init__(self, keyring: Keyring, clear_keys: tuple[str, ...] = ()) -> None:
        self.keyring, self.clear_keys = keyring, clear_keys

    def seal(self, user_id: str, key: str, text: str) -> str:
        if any(fnmatch.fnmatchcase(key, pattern) for pattern in self.clear_keys):
            return text
        return self.keyring.seal(user_id, text, ATTRIBUTE)

    def open(self, value: str, context: str) -> str | None:
        try:
            return self.keyring.open(value, context)
        except SealError as error:  # altered, or not ours: unreadable, never a crash of every read
            log.warning("a sealed %s value does not open: %s", context, error)
            return None


def sealer_for(settings: Settings) -> AttributeSealer | None:
    """The sealer the settings ask for (None: encryption off), and sealed values made readable
    in this process. MasterKeyError when the master key is missing or wrong."""
    if not settings.encryption:
        return None
    sealer = AttributeSealer(keyring_for(settings), tuple(settings.clear_attribute_keys))
    open_with(sealer.open)
    return sealer
