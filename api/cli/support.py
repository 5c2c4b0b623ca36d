"""Helpers shared by the `threadline` subcommands."""

from __future__ import annotations

import argparse
import asyncio
import errno
import gc
import socket
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    import uvicorn

    from graph.config import Settings
    from graph.store.database import Database

T = TypeVar("T")


LOCAL_NEO4J_DIR = Path(".threadline/neo4j")  # where `make serve` / `threadline neo4j start` run it
EXIT_CANNOT_LISTEN = 3  # `serve` / `mcp --http`: the port is taken (1: an error, 2: usage)


def local_neo4j_dir(start: Path | None = None) -> Path:
    """The local Neo4j's data dir: `.threadline/neo4j` in the nearest folder, from `start` (the
    working directory) up, that has one — as git finds its repository — else under `start`."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / LOCAL_NEO4J_DIR).is_dir():
            return folder / LOCAL_NEO4J_DIR
    return here / LOCAL_NEO4J_DIR


def with_local_neo4j(settings: Settings) -> Settings:
    """Without NEO4J_URI, the Neo4j that `make serve` or `threadline neo4j start` runs for this
    folder or the nearest one above it (its data dir records the URI), said on stderr; else the
    settings unchanged."""
    if settings.neo4j_uri:
        return settings
    from graph.local.neo4j_server import LocalNeo4j

    data_dir = local_neo4j_dir()
    state = LocalNeo4j(data_dir, settings).state()
    if state is None or not state.get("uri"):
        return settings
    uri = str(state["uri"])
    print(
        f"using the local Neo4j at {uri} ({data_dir}; set NEO4J_URI for another)",
        file=sys.stderr,
    )
    return settings.model_copy(update={"neo4j_uri": uri})


def listening_socket(host: str, port: int) -> socket.socket | None:
    """A socket bound to host:port and listening (as uvicorn would bind it), or None after
    one clear line on stderr when it cannot be: announce a URL only once this has succeeded."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as error:
        sock.close()
        reason = (
            "the port is in use by another process; choose another with --port"
            if error.errno == errno.EADDRINUSE
            else error.strerror or str(error)
        )
        print(f"error: cannot listen on {host}:{port}: {reason}", file=sys.stderr)
        return None
    sock.set_inheritable(True)
    return sock


GC_YOUNG_THRESHOLD = 20_000  # allocations between young-generation collections (Python: 700)


def tune_garbage_collector() -> None:
    """What the server loaded at start (modules, models, the schema) leaves the collector's
    view, and young collections run every 20,000 allocations instead of 700: a recall over a
    50,000-turn history allocates ~100,000 short-lived objects, and the default thresholds spent
    more time tracing them than building them (assembling such a history 240 -> 80 ms)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 20)


def run_uvicorn(config: uvicorn.Config, sock: socket.socket) -> None:
    """uvicorn on an already bound socket: one process, or `config.workers` sharing it."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    tune_garbage_collector()
    if config.workers > 1:
        Multiprocess(config, sockets=[sock]).run()
    else:
        uvicorn.Server(config).run(sockets=[sock])


class DefaultsHelpFormatter(argparse.HelpFormatter):
    """`--help` says every option's default (argparse's own formatter skips options that have
    no help text, and prints `False` for flags)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        shown = action.default not in (None, False, argparse.SUPPRESS) and action.option_strings
        if shown and "%(default)" not in text:
            text = f"{text} (default: %(default)s)".strip()
        return text

    def _format_action(self, action: argparse.Action) -> str:
        if action.help is None and (shown := self._get_help_string(action)):
            action.help = shown  # argparse prints no help line for an option without help text
        return super()._format_action(action)


def show_defaults(parser: argparse.ArgumentParser) -> None:
    """Every parser under `parser` (subcommands included) prints defaults in `--help`."""
    parser.formatter_class = DefaultsHelpFormatter
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                show_defaults(child)


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


def store_mode_problem(settings: Settings) -> str | None:
    """A sealed store about to be written with encryption off, or one written in clear with it
    on (graph/store/sealing.py): the one line to stop with, or None."""
    from graph.store.sealing import encryption_mode_problem

    async def check(db: Database) -> str | None:
        return await encryption_mode_problem(db, settings.encryption)

    problem = with_database(settings, check)
    return f"error: {problem}" if problem else None


def parse_time(text: str) -> datetime:
    """An ISO 8601 time from the command line (UTC when it has no offset)."""
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
