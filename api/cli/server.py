"""`threadline serve`: the API under uvicorn (one process, or N workers sharing live events)."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from api.cli.support import (
    EXIT_CANNOT_LISTEN,
    has_uri,
    listening_socket,
    run_uvicorn,
    store_mode_problem,
    with_database,
)
from graph.config import Settings


def _embeddings_problem(settings: Settings) -> str | None:
    """The embedding model THREADLINE_EMBEDDINGS names, loaded once before anything starts: a
    missing or corrupt model is one line naming the make target, never a silent fall-back."""
    from enrichment.embedders import load_embedder
    from enrichment.embeddings import EmbeddingError

    try:
        load_embedder(settings.embeddings, settings.model_folder())
    except EmbeddingError as error:
        return f"error: {error}"
    return None


def _keys_problem(settings: Settings) -> str | None:
    """With THREADLINE_ENCRYPTION on, the master key and the key store, opened once before
    anything starts: missing or not the key that wrapped the stored keys is one line."""
    if not settings.encryption:
        return None
    from graph.keys.configured import keyring_for
    from graph.keys.master import MasterKeyError

    try:
        keyring_for(settings)
    except MasterKeyError as error:
        return f"error: {error}"
    return None


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from api.app import SERVE_DEV_ENV, create_app
    from api.http_protocol import HeaderDeadlineProtocol, use_header_timeout
    from api.metrics import MULTIPROCESS_DIR_ENV
    from graph.store.schema import migrate

    if not has_uri(settings):
        return 2
    if problem := (
        _serve_usage_problem(args, settings)
        or _keys_problem(settings)
        or _embeddings_problem(settings)
    ):
        print(problem, file=sys.stderr)
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
    use_header_timeout(settings.header_timeout_seconds)
    options: dict[str, Any] = {
        "http": HeaderDeadlineProtocol,
        "log_level": settings.log_level.lower(),
        "ssl_certfile": args.ssl_certfile,
        "ssl_keyfile": args.ssl_keyfile,
    }
    sock = listening_socket(args.host, args.port)
    if sock is None:
        return EXIT_CANNOT_LISTEN
    # the store is needed from here on (the schema is applied at start): written as served?
    if problem := store_mode_problem(settings):
        sock.close()
        print(problem, file=sys.stderr)
        return 2
    url = f"{scheme}://{args.host}:{sock.getsockname()[1]}/graphql"
    if args.workers == 1:
        print(f"Threadline on {url}", file=sys.stderr)
        run_uvicorn(uvicorn.Config(create_app(settings, dev=args.dev), **options), sock)
        return 0
    applied = with_database(settings, migrate)  # once, before the workers start
    print(f"schema applied ({applied} statements); {args.workers} workers", file=sys.stderr)
    print(f"Threadline on {url}", file=sys.stderr)
    os.environ[SERVE_DEV_ENV] = "1" if args.dev else "0"
    # each worker writes its metric samples here; /metrics on any worker adds them all up
    with tempfile.TemporaryDirectory(prefix="threadline-metrics-") as samples:
        os.environ[MULTIPROCESS_DIR_ENV] = samples
        config = uvicorn.Config(
            "api.app:app_from_environment", factory=True, workers=args.workers, **options
        )
        run_uvicorn(config, sock)
    return 0


def _serve_usage_problem(args: argparse.Namespace, settings: Settings) -> str | None:
    if problem := settings.cors_problem():
        return problem
    if bool(args.ssl_certfile) != bool(args.ssl_keyfile):
        return "--ssl-certfile and --ssl-keyfile go together"
    if args.workers < 1:
        return "--workers must be at least 1"
    if args.workers > 1 and not settings.live_url:
        return (
            "--workers > 1 needs THREADLINE_LIVE_URL (redis://host:port/db): live subscriptions "
            "must hear the writes of every worker (docs/lifecycle.md)"
        )
    return None


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser("serve", help="run the GraphQL API under uvicorn")
    serve.add_argument("--host", default="127.0.0.1", help="the address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="the port (0: any free one)")
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
    schema = commands.add_parser(
        "schema", help="print the GraphQL schema (SDL), e.g. for client code generation"
    )
    schema.set_defaults(run=cmd_schema)


def cmd_schema(args: argparse.Namespace, settings: Settings) -> int:
    from strawberry.printer import print_schema

    from api.schema import build_schema

    print(print_schema(build_schema()))
    return 0


def cmd_triggers_check(args: argparse.Namespace, settings: Settings) -> int:
    from graph.domain.triggers import TriggerFileError, load_rules

    try:
        rules = load_rules(args.file)
    except TriggerFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for rule in rules:
        conditions = ", ".join(sorted(rule.when.model_dump(by_alias=True, exclude_none=True)))
        print(f"{rule.name}: when {conditions} → {len(rule.then)} action(s)")
    return 0


def register_triggers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = commands.add_parser(
        "triggers-check", help="validate a trigger rule file (THREADLINE_TRIGGERS) and list it"
    )
    check.add_argument("file", type=Path)
    check.set_defaults(run=cmd_triggers_check)
