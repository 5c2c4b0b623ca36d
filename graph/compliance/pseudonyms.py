"""Keyed hashes (HMAC-SHA256) that stand in for identifiers in audit entries and exports.

The key is `THREADLINE_PSEUDONYM_KEY`, or — when unset — a random key created once in the graph
and shared by every instance. The same id always maps to the same pseudonym, so audit entries
can be filtered by id and exported datasets can be joined, without holding the id itself.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import SecretStr

    from graph.store.database import Database


class Pseudonymizer:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def __call__(self, value: str) -> str:
        return hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()[:32]

    @classmethod
    async def for_database(cls, db: Database, configured: SecretStr | None) -> Pseudonymizer:
        """The configured key (THREADLINE_PSEUDONYM_KEY), else the one kept in the graph (made
        once, on first use)."""
        if configured is not None:
            return cls(configured.get_secret_value().encode())
        records = await db.write("audit/pseudonym_key", candidate=secrets.token_hex(32))
        return cls(str(records[0]["value"]).encode())
