"""Helpers shared by the `threadline` subcommands."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from graph.config import Settings
    from graph.store.database import Database

T = TypeVar("T")


def has_uri(settings: Settings) -> bool:
    if not settings.neo4j_uri:
        print("NEO4J_URI is not set; run `threadline neo4j start` first", file=sys.stderr)
    return bool(settings.neo4j_uri)


def with_database(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    """Run `work` with a connected database, closed afterwards."""
    from graph.store.database import Database

    async def run() -> T:
        db = Database.from_settings(settings)
        try:
            return await work(db)
        finally:
            await db.close()

    return asyncio.run(run())


def parse_time(text: str) -> datetime:
    """An ISO 8601 time from the command line (UTC when it has no offset)."""
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
