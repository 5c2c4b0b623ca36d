"""`threadline`: serve the API, migrate the schema, run a local Neo4j for development.

threadline neo4j start [--data-dir DIR]   # prints NEO4J_URI=bolt://127.0.0.1:<port>
threadline migrate
threadline serve [--host 127.0.0.1] [--port 8000] [--dev] [--workers N]
threadline reenrich [--since 2026-01-01] [--outdated]
threadline ingest-email FILE|-             # one RFC 5322 message or an mbox
threadline keys create --role ROLE         # API keys (see api/cli_admin.py)
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from api import cli_admin, cli_analytics
from api.cli_support import has_uri as _has_uri
from api.cli_support import with_database as _with_database
from graph.config import Settings
from graph.domain.errors import ThreadlineError

if TYPE_CHECKING:
    from graph.store.database import Database

DEFAULT_DATA_DIR = Path(".threadline/neo4j")


def _print_uri(uri: str) -> None:
    # Alone on its own line of stdout so a script can `eval` / `export` it.
    print(f"NEO4J_URI={uri}", flush=True)


def cmd_neo4j(args: argparse.Namespace, settings: Settings) -> int:
    from graph.local.neo4j_server import LocalNeo4j

    server = LocalNeo4j(args.data_dir.resolve(), settings, browser=args.browser)
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


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from graph.store.schema import migrate

    if not _has_uri(settings):
        return 2
    count = _with_database(settings, migrate)
    print(f"schema applied: {count} statements", file=sys.stderr)
    return 0


def cmd_reenrich(args: argparse.Namespace, settings: Settings) -> int:
    from graph.pipeline.enrich import enricher_for
    from graph.pipeline.reenrich import reenrich

    if not _has_uri(settings):
        return 2
    enricher = enricher_for(settings.model_copy(update={"spacy_model": args.model}))
    if enricher is None:
        print("--model off: nothing to re-enrich with", file=sys.stderr)
        return 2
    print(f"re-enriching with {enricher.version}", file=sys.stderr)

    async def run(db: Database) -> int:
        return await reenrich(
            db,
            enricher,
            args.since,
            args.until,
            page_size=args.batch,
            outdated_only=args.outdated,
            progress=lambda n: print(f"  {n} messages", file=sys.stderr),
        )

    count = _with_database(settings, run)
    print(f"re-enriched {count} messages", file=sys.stderr)
    return 0


def cmd_ingest_email(args: argparse.Namespace, settings: Settings) -> int:
    from connectors.base import WebhookError
    from connectors.email import parse_email, split_messages
    from graph.domain.events import fit_text
    from graph.pipeline.enrich import enricher_for
    from graph.pipeline.ingest import ingest_events

    if not _has_uri(settings):
        return 2
    raw = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    events, skipped = [], 0
    for message in split_messages(raw):
        try:
            events.append(fit_text(parse_email(message), settings.max_text_bytes))
        except WebhookError as error:
            skipped += 1
            print(f"skipped a message: {error.reason}", file=sys.stderr)
    enricher = enricher_for(settings)

    async def run(db: Database) -> tuple[int, int]:
        accepted = duplicates = 0
        for start in range(0, len(events), settings.max_batch):
            result = await ingest_events(db, events[start : start + settings.max_batch], enricher)
            accepted += result.accepted
            duplicates += result.duplicates
        return accepted, duplicates

    accepted, duplicates = _with_database(settings, run) if events else (0, 0)
    print(
        f"emails: {accepted} stored, {duplicates} already known, {skipped} skipped", file=sys.stderr
    )
    return 0


def cmd_sweep(args: argparse.Namespace, settings: Settings) -> int:
    from graph.store.lifecycle import Timers, channel_timers, sweep

    if not _has_uri(settings):
        return 2

    async def run(db: Database) -> dict[str, int]:
        from graph.store.continuation import purge_expired_tokens

        moved = await sweep(
            db, Timers.from_settings(settings), channel_timers=channel_timers(settings)
        )
        return moved | {"expired tokens deleted": await purge_expired_tokens(db)}

    moved = _with_database(settings, run)
    print("sweep: " + ", ".join(f"{k} {v}" for k, v in moved.items()), file=sys.stderr)
    return 0


def _since(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from api.app import SERVE_DEV_ENV, create_app
    from api.metrics import MULTIPROCESS_DIR_ENV
    from graph.store.schema import migrate

    if not _has_uri(settings):
        return 2
    if bool(args.ssl_certfile) != bool(args.ssl_keyfile):
        print("--ssl-certfile and --ssl-keyfile go together", file=sys.stderr)
        return 2
    if args.workers < 1:
        print("--workers must be at least 1", file=sys.stderr)
        return 2
    if args.workers > 1 and not settings.live_url:
        print(
            "--workers > 1 needs THREADLINE_LIVE_URL (redis://host:port/db): live subscriptions "
            "must hear the writes of every worker (docs/lifecycle.md)",
            file=sys.stderr,
        )
        return 2
    scheme = "https" if args.ssl_certfile else "http"
    if args.dev:
        print(
            "\n  *** DEV MODE: no bearer token = local ADMIN; GraphiQL and introspection on. ***\n"
            "  *** Never expose this server; run `threadline serve` without --dev.        ***\n",
            file=sys.stderr,
        )
    else:
        print("authentication on: send Authorization: Bearer <API key or JWT>", file=sys.stderr)
    print(f"Threadline on {scheme}://{args.host}:{args.port}/graphql", file=sys.stderr)
    options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "log_level": settings.log_level.lower(),
        "ssl_certfile": args.ssl_certfile,
        "ssl_keyfile": args.ssl_keyfile,
    }
    if args.workers == 1:
        uvicorn.run(create_app(settings, dev=args.dev), **options)
        return 0
    applied = _with_database(settings, migrate)  # once, before the workers start
    print(f"schema applied ({applied} statements); {args.workers} workers", file=sys.stderr)
    os.environ[SERVE_DEV_ENV] = "1" if args.dev else "0"
    # each worker writes its metric samples here; /metrics on any worker adds them all up
    with tempfile.TemporaryDirectory(prefix="threadline-metrics-") as samples:
        os.environ[MULTIPROCESS_DIR_ENV] = samples
        uvicorn.run("api.app:app_from_environment", factory=True, workers=args.workers, **options)
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="threadline", description=__doc__.splitlines()[0])
    commands = root.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the GraphQL API under uvicorn")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--dev",
        action="store_true",
        help="development only: unauthenticated requests act as admin; GraphiQL on",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="API processes sharing the port (more than 1 needs THREADLINE_LIVE_URL)",
    )
    serve.add_argument("--ssl-certfile", help="serve HTTPS with this certificate (PEM)")
    serve.add_argument("--ssl-keyfile", help="... and this private key (PEM)")
    serve.set_defaults(run=cmd_serve)

    commands.add_parser("migrate", help="apply constraints and indexes").set_defaults(
        run=cmd_migrate
    )

    again = commands.add_parser("reenrich", help="re-run enrichment over stored messages")
    again.add_argument(
        "--since",
        type=_since,
        default=datetime(2000, 1, 1, tzinfo=UTC),
        help="only messages at or after this ISO time (default: all)",
    )
    again.add_argument(
        "--until",
        type=_since,
        default=datetime(9999, 1, 1, tzinfo=UTC),
        help="only messages before this ISO time (default: no limit)",
    )
    again.add_argument("--batch", type=int, default=500, help="messages per transaction")
    again.add_argument(
        "--outdated", action="store_true", help="only messages of another pipeline version"
    )
    again.add_argument(
        "--model", default=Settings().spacy_model, help="auto | rules | a spaCy package"
    )
    again.set_defaults(run=cmd_reenrich)

    commands.add_parser(
        "sweep", help="apply due session timers once (ACTIVE→IDLE→CLOSED→ARCHIVED)"
    ).set_defaults(run=cmd_sweep)

    mail = commands.add_parser("ingest-email", help="store an RFC 5322 message or an mbox")
    mail.add_argument("file", help="a .eml/.txt message, an mbox, or - for standard input")
    mail.set_defaults(run=cmd_ingest_email)

    cli_admin.register(commands)
    cli_admin.register_gdpr(commands)
    cli_admin.register_export(commands)
    cli_analytics.register(commands)
    cli_analytics.register_demo(commands)

    neo4j = commands.add_parser("neo4j", help="a local Neo4j server for development")
    neo4j.add_argument("action", choices=["start", "stop", "status"])
    neo4j.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    neo4j.add_argument(
        "--browser", action="store_true", help="start: also serve Neo4j Browser (loopback HTTP)"
    )
    neo4j.set_defaults(run=cmd_neo4j)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = Settings()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        return int(args.run(args, settings))
    except ThreadlineError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
