"""Helpers shared by the `threadline` subcommands."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from graph.config import Settings
    from graph.store.database import Database

T = TypeVar("T")


LOCAL_NEO4J_DIR = Path(".threadline/neo4j")  # where `make serve` / `threadline neo4j start` run it


def with_local_neo4j(settings: Settings) -> Settings:
    """Without NEO4J_URI, the Neo4j that `make serve` or `threadline neo4j start` runs from this
    folder (its data dir records the URI), said on stderr; else the settings unchanged."""
    if settings.neo4j_uri:
        return settings
    from graph.local.neo4j_server import LocalNeo4j

    state = LocalNeo4j(LOCAL_NEO4J_DIR.resolve(), settings).state()
    if state is None or not state.get("uri"):
        return settings
    uri = str(state["uri"])
    print(
        f"using the local Neo4j at {uri} ({LOCAL_NEO4J_DIR}; set NEO4J_URI for another)",
        file=sys.stderr,
    )
    return settings.model_copy(update={"neo4j_uri": uri})


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
