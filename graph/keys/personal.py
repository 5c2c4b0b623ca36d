"""What is personal, sealed for its person (THREADLINE_ENCRYPTION).

- Attribute values: every key but those the deployment declares not personal
  (THREADLINE_CLEAR_ATTRIBUTE_KEYS, e.g. `tier`, `vip`: kept in clear for Cypher analytics and
  trigger conditions).
- Entities of the personal types (THREADLINE_PERSONAL_ENTITY_TYPES: EMAIL, PHONE, PERSON...):
  the entity's key becomes `TYPE:~<keyed hash of the clear key>` — the same for everyone who
  mentions it, so recall, facts and searchSessions still match it, and nothing of it reads back
  — the entity node keeps no value, and each mention carries the value and the text it was
  found in, sealed under the key of the person whose session it is in. Order ids, SKUs and the
  other types stay in clear and searchable.

Reading opens them wherever a stored value is read (graph/domain/sealed.py), so merge policies,
triggers, brief, facts and exports work on the clear values."""

from __future__ import annotations

import fnmatch
import functools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from graph.config import Settings
from graph.domain.sealed import ATTRIBUTE, ENTITY, HASHED, IDENTITY, THREAD, open_with
from graph.keys.configured import keyring_for
from graph.keys.envelope import SealError
from graph.keys.keyring import Keyring

log = logging.getLogger("threadline.keys")

CHANNEL_KEYS_KEPT = 16_384  # recent identity and thread keys, hashed (~3 MB)

# seal(owner, entity keys, MENTIONS rows) -> (keys, rows) as stored (PersonalSealer.seal_mentions)
MentionSealing = Callable[
    [str, list[str], list[dict[str, Any]]], tuple[list[str], list[dict[str, Any]]]
]


@dataclass(frozen=True)
class Sealing:
    """How a writer stores what is personal: attribute values (`seal(user_id, key, text)`) and
    a message's entity keys and mentions (`MentionSealing`)."""

    attribute: Callable[[str, str, str], str]
    mentions: MentionSealing
    identity: Callable[[str, str], str]  # seal(user_id, external id)
    thread: Callable[[str, str], str]  # seal(user_id, platform thread id or reply destination)
    prepare: Callable[[Iterable[str]], None]  # the keys of these people, made together if new


class PersonalSealer:
    def __init__(
        self,
        keyring: Keyring,
        clear_keys: tuple[str, ...] = (),
        personal_types: frozenset[str] = frozenset(),
    ) -> None:
        self.keyring, self.clear_keys, self.personal_types = keyring, clear_keys, personal_types
        # an event's identity and thread keys are asked for many times while it is ingested
        self._channel_keys = functools.lru_cache(maxsize=CHANNEL_KEYS_KEPT)(self._channel_key)

    def seal(self, user_id: str, key: str, text: str) -> str:
        if any(fnmatch.fnmatchcase(key, pattern) for pattern in self.clear_keys):
            return text
        return self.keyring.seal(user_id, text, ATTRIBUTE)

    def entity_key(self, key: str) -> str:
        """A personal entity's key as stored (its keyed hash); any other key as given."""
        kind, separator, value = key.partition(":")
        if not separator or kind not in self.personal_types or value.startswith(HASHED):
            return key
        return f"{kind}:{HASHED}{self.keyring.lookup(ENTITY, key)}"

    def identity_key(self, key: str) -> str:
        """A channel identity's key as stored: `channel:~<keyed hash of channel:externalId>`."""
        return self._channel_keys(IDENTITY, key)

    def thread_key(self, key: str) -> str:
        """A platform thread's key as stored: `channel:~<keyed hash of channel:threadId>`."""
        return self._channel_keys(THREAD, key)

    def _channel_key(self, context: str, key: str) -> str:
        channel, separator, native = key.partition(":")
        if not separator or native.startswith(HASHED):
            return key
        return f"{channel}:{HASHED}{self.keyring.lookup(context, key)}"

    def seal_identity(self, user_id: str, external_id: str) -> str:
        """An identity's external id, sealed for the user it identifies."""
        return self.keyring.seal(user_id, external_id, IDENTITY)

    def seal_thread(self, user_id: str, text: str) -> str:
        """A platform thread's native id (or a reply's destination), sealed for the user whose
        conversation it carries."""
        return self.keyring.seal(user_id, text, THREAD)

    def install(self) -> None:
        """Make sealed values readable, and keys hashed, in this process."""
        open_with(self.open, self.entity_key, self.identity_key, self.thread_key)

    def seal_mentions(
        self, owner: str, entity_keys: list[str], mentions: list[dict[str, Any]]
    ) -> tuple[list[str], list[dict[str, Any]]]:
        """A message's entity keys and MENTIONS rows (graph/pipeline/enrich.py) as stored for
        `owner`: personal ones keyed by their hash, their values and texts sealed."""
        keys = sorted({self.entity_key(key) for key in entity_keys})
        seal = self.keyring.seal
        rows = [
            row
            | {
                "key": self.entity_key(row["key"]),
                "value": None,  # the shared entity node keeps none
                "sealedValue": seal(owner, row["value"], ENTITY),
                "text": seal(owner, row["text"], ENTITY) if row["text"] else row["text"],
            }
            if row["type"] in self.personal_types
            else row
            for row in mentions
        ]
        return keys, rows

    def open(self, value: str, context: str) -> str | None:
        try:
            return self.keyring.open(value, context)
        except SealError as error:  # altered, or not ours: unreadable, never a crash of every read
            log.warning("a sealed %s value does not open: %s", context, error)
            return None


def sealer_for(settings: Settings) -> PersonalSealer | None:
    """The sealer the settings ask for (None: encryption off), and sealed values made readable
    in this process. MasterKeyError when the master key is missing or wrong."""
    if not settings.encryption:
        return None
    sealer = PersonalSealer(
        keyring_for(settings),
        tuple(settings.clear_attribute_keys),
        frozenset(settings.personal_entity_types),
    )
    sealer.install()
    return sealer
