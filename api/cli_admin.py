"""Admin subcommands: API keys (and, below, user erasure/export, retention, anonymized export).

threadline keys create --role ROLE [--channel web ...] [--name NAME]  # token: the last line
threadline keys list
threadline keys revoke KEY_ID
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from api.cli_support import has_uri, with_database

if TYPE_CHECKING:
    from graph.database import Database
    from graph.settings import Settings


def cmd_keys(args: argparse.Namespace, settings: Settings) -> int:
    from graph.auth import create_key, list_keys, parse_role, revoke_key

    if not has_uri(settings):
        return 2
    if args.action == "create":
        role = parse_role(args.role)

        async def create(db: Database) -> str:
            new = await create_key(db, role, args.channel or [], args.name)
            channels = ", ".join(new.record.channels) or "all channels"
            print(
                f"created API key {new.record.id} (role {role.value}, {channels})", file=sys.stderr
            )
            print("the token is shown once; store it now:", file=sys.stderr)
            return new.token

        print(with_database(settings, create), flush=True)
    elif args.action == "list":
        for key in with_database(settings, list_keys):
            state = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "active"
            created = f"{key.created_at:%Y-%m-%d %H:%M}" if key.created_at else "-"
            channels = ",".join(key.channels) or "*"
            name = key.name or ""
            print(f"{key.id}  {key.role.value:<9}  {channels:<20}  {created}  {state}  {name}")
    else:

        async def revoke(db: Database) -> None:
            await revoke_key(db, args.key_id)

        with_database(settings, revoke)
        print(f"revoked {args.key_id}", file=sys.stderr)
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = commands.add_parser("keys", help="API keys: create, list, revoke")
    actions = keys.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="a new key; prints the token on the last line")
    create.add_argument("--role", required=True, help="connector, agent, analyst or admin")
    create.add_argument("--channel", action="append", help="restrict a connector to a channel")
    create.add_argument("--name", help="what the key is for")
    actions.add_parser("list", help="every key (never the token)")
    revoke = actions.add_parser("revoke", help="revoke a key by id")
    revoke.add_argument("key_id")
    keys.set_defaults(run=cmd_keys)
