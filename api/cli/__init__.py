"""`threadline`: serve the API, maintain the store, administer keys and personal data, run
analytics, and run a local Neo4j for development.

One module per command group:

- `server`: threadline serve [--host 127.0.0.1] [--port 8000] [--dev] [--workers N], schema,
  triggers-check FILE
- `store`: threadline migrate | reenrich | sweep | ingest-email FILE|-
- `admin`: threadline keys create|list|revoke, erase-user, export-user, retention run,
  export-analytics
- `keys`: threadline master-key init|rotate|rewrap (the master key of the person keys)
- `analytics`: threadline analytics list|run NAME, cypher "MATCH ..."
- `local`: threadline neo4j start|stop|status, demo
- `agents`: threadline mcp [--http] (the Model Context Protocol server, over the API)
"""

from __future__ import annotations

import argparse
import logging
import sys

from api.cli import admin, agents, analytics, keys, local, recipients, server, store
from api.cli.local import cmd_neo4j
from api.cli.support import show_defaults, with_local_neo4j
from graph.config import Settings
from graph.domain.errors import ErrorCode, ThreadlineError
from graph.keys.master import MasterKeyError

DESCRIPTION = (
    "threadline: serve the API, maintain the store, administer keys and personal data, run "
    "analytics, and run a local Neo4j for development."
)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="threadline", description=DESCRIPTION)
    commands = root.add_subparsers(dest="command", required=True)
    server.register(commands)
    server.register_triggers(commands)
    store.register(commands)
    admin.register(commands)
    admin.register_gdpr(commands)
    admin.register_export(commands)
    recipients.register(commands)
    keys.register(commands)
    analytics.register(commands)
    local.register_demo(commands)
    local.register(commands)
    local.register_models(commands)
    agents.register(commands)
    show_defaults(root)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = Settings()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    offline = (
        cmd_neo4j,
        local.cmd_models,
        agents.cmd_mcp,
        server.cmd_schema,
        server.cmd_triggers_check,
    )
    if args.run not in offline:  # neo4j manages the local server; the others need no store
        settings = with_local_neo4j(settings)
    try:
        return int(args.run(args, settings))
    except ThreadlineError as error:  # the database unreachable too: one line, not a traceback
        cause = error.__cause__ if error.code is ErrorCode.UNAVAILABLE else None
        cause_name = f" ({type(cause).__name__})" if cause is not None else ""
        print(f"error: {error.code}: {error.message}{cause_name}", file=sys.stderr)
        return 1
    except MasterKeyError as error:  # THREADLINE_ENCRYPTION without its master key: one line
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
