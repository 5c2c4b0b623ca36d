"""Admin subcommands: API keys (and, below, user erasure/export, retention, anonymized export).

threadline keys create --role ROLE [--channel web ...] [--name NAME]  # token: the last line
threadline keys list
threadline keys revoke KEY_ID
threadline erase-user USER_ID [--actor WHO]    # prints the counts deleted
threadline export-user USER_ID > user.json
threadline retention run [--days N] [--mode anonymize|purge]
threadline export-analytics --anonymize [--since 2026-01-01] [-o data.jsonl]
threadline export-analytics --private NAME --epsilon 1 --consumer partner [--param k=v] [-o f]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from api.cli.recipients import add_recipient_option, export_output
from api.cli.support import has_uri, parse_time, with_database

if TYPE_CHECKING:
    from graph.config import Settings
    from graph.store.database import Database


def cmd_keys(args: argparse.Namespace, settings: Settings) -> int:
    from graph.compliance.credentials import create_key, list_keys, parse_role, revoke_key

    if not has_uri(settings):
        return 2
    if args.action == "create":
        role = parse_role(args.role)

        async def create(db: Database) -> str:
            new = await create_key(
                db, role, args.channel or [], args.name, issue_user_tokens=args.issue_user_tokens
            )
            channels = ", ".join(new.record.channels) or "all channels"
            grant = ", issues user tokens" if new.record.issues_user_tokens else ""
            print(
                f"created API key {new.record.id} (role {role.value}, {channels}{grant})",
                file=sys.stderr,
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
            grant = "issues-user-tokens" if key.issues_user_tokens else "-"
            print(
                f"{key.id}  {key.role.value:<9}  {channels:<20}  {grant:<18}  {created}  "
                f"{state}  {name}"
            )
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
    create.add_argument(
        "--issue-user-tokens",
        action="store_true",
        help="a connector with --channel may call issueUserToken for those channels (its "
        "holder can then read what those users can)",
    )
    actions.add_parser("list", help="every key (never the token)")
    revoke = actions.add_parser("revoke", help="revoke a key by id")
    revoke.add_argument("key_id")
    keys.set_defaults(run=cmd_keys)


def cmd_erase_user(args: argparse.Namespace, settings: Settings) -> int:
    from graph.compliance.gdpr import erase_user

    if not has_uri(settings):
        return 2

    async def run(db: Database) -> dict[str, int]:
        return await erase_user(db, args.user_id, args.actor, settings.pseudonym_key)

    counts = with_database(settings, run)
    print(json.dumps(counts, sort_keys=True))
    return 0


def cmd_export_user(args: argparse.Namespace, settings: Settings) -> int:
    from graph.compliance.gdpr import export_user

    if not has_uri(settings):
        return 2

    async def run(db: Database) -> dict[str, Any]:
        return await export_user(db, args.user_id)

    exported = json.dumps(with_database(settings, run), ensure_ascii=False, indent=2)
    return _write_export(args, lambda out: out.write(exported + "\n"))


def _write_export(args: argparse.Namespace, write: Callable[[Any], object]) -> int:
    """Write an export where `--output` says (stdout by default), sealed for `--recipient-key`
    when given; exit 2 with one line for a key that is not one."""
    from graph.keys.recipient import RecipientKeyError

    try:
        with export_output(getattr(args, "output", None), args.recipient_key) as out:
            write(out)
    except RecipientKeyError as error:
        print(f"threadline: {error}", file=sys.stderr)
        return 2
    return 0


def cmd_retention(args: argparse.Namespace, settings: Settings) -> int:
    from graph.store.retention import apply_retention

    if not has_uri(settings):
        return 2
    days = args.days if args.days is not None else settings.retention_days
    if days is None:
        print("no retention configured: set THREADLINE_RETENTION_DAYS or --days", file=sys.stderr)
        return 2
    mode = args.mode or settings.retention_mode

    async def run(db: Database) -> dict[str, int]:
        return await apply_retention(db, days, mode)

    print(json.dumps(with_database(settings, run), sort_keys=True))
    return 0


def register_gdpr(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    erase = commands.add_parser("erase-user", help="erase a person completely (GDPR art. 17)")
    erase.add_argument("user_id")
    erase.add_argument("--actor", default="cli", help="who asked (kept in the erasure ledger)")
    erase.set_defaults(run=cmd_erase_user)
    export = commands.add_parser("export-user", help="a person's data as JSON (portability)")
    export.add_argument("user_id")
    export.add_argument("--output", "-o", help="a file (default: stdout)")
    add_recipient_option(export)
    export.set_defaults(run=cmd_export_user)
    retention = commands.add_parser("retention", help="apply message retention once")
    actions = retention.add_subparsers(dest="action", required=True)
    run = actions.add_parser("run", help="anonymize/purge messages of old ARCHIVED sessions")
    run.add_argument("--days", type=float, help="default: THREADLINE_RETENTION_DAYS")
    run.add_argument("--mode", choices=["anonymize", "purge"], help="default: ..._RETENTION_MODE")
    retention.set_defaults(run=cmd_retention)


def cmd_export_analytics(args: argparse.Namespace, settings: Settings) -> int:
    from graph.compliance.export import export_messages

    if not has_uri(settings):
        return 2
    if args.private is not None:
        return _export_private(args, settings)
    since = parse_time(args.since) if args.since else None
    until = parse_time(args.until) if args.until else None
    counted = [0]

    def write(output: Any) -> None:
        async def run(db: Database) -> None:
            async for row in export_messages(
                db, since, until, anonymize=args.anonymize, pseudonym_key=settings.pseudonym_key
            ):
                output.write(json.dumps(row, ensure_ascii=False) + "\n")
                counted[0] += 1

        with_database(settings, run)

    if (status := _write_export(args, write)) != 0:
        return status
    kind = "anonymized" if args.anonymize else "NOT anonymized"
    sealed = ", sealed for the recipient" if args.recipient_key else ""
    print(f"exported {counted[0]} messages ({kind}{sealed})", file=sys.stderr)
    return 0


def _export_private(args: argparse.Namespace, settings: Settings) -> int:
    """A named analytic's totals with differential privacy, one JSON line per group."""
    from api.cli.analytics import params_of, private_answer

    if args.epsilon is None or args.consumer is None or args.anonymize:
        print("--private needs --epsilon and --consumer (and no --anonymize)", file=sys.stderr)
        return 2
    given = params_of(args.param)
    answer = private_answer(settings, args.private, given, args.epsilon, args.consumer)
    lines = [json.dumps(dict(zip(answer.columns, row, strict=True))) for row in answer.rows]
    if (
        status := _write_export(args, lambda out: out.write("".join(f"{line}\n" for line in lines)))
    ) != 0:
        return status
    print(f"exported {len(lines)} groups (differentially private)", file=sys.stderr)
    return 0


def register_export(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export = commands.add_parser(
        "export-analytics", help="messages as JSON lines for analytics or model training"
    )
    export.add_argument(
        "--anonymize",
        action="store_true",
        help="keyed hashes for user/session ids, [EMAIL]/[PHONE] in text (use this for sharing)",
    )
    export.add_argument("--since", help="ISO date or time (UTC unless given)")
    export.add_argument("--until", help="ISO date or time, exclusive")
    export.add_argument("--output", "-o", help="a file (default: stdout)")
    export.add_argument(
        "--private",
        metavar="NAME",
        help="instead of messages: the totals of a named analytic with differential privacy "
        "(as privateAnalytics; needs --epsilon and --consumer)",
    )
    export.add_argument("--epsilon", type=float)
    export.add_argument("--consumer", help="who the export is shared with (its privacy budget)")
    export.add_argument("--param", action="append", help="key=value for --private (repeatable)")
    add_recipient_option(export)
    export.set_defaults(run=cmd_export_analytics)
