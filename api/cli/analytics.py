"""Analytics from the command line.

threadline analytics list
threadline analytics run NAME [--param since=2026-11-01] [--format table|json|csv]
threadline analytics private NAME --epsilon 1 --consumer partner [--param ...] [--format ...]
threadline cypher "MATCH (s:Session) RETURN s.status, count(*)" [--format ...] [--limit N]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from typing import TYPE_CHECKING, Any

from api.cli.support import has_uri, with_database
from graph.domain.records import Table

if TYPE_CHECKING:
    from graph.analytics.private import PrivateAnswer
    from graph.config import Settings
    from graph.store.database import Database


def params_of(pairs: list[str] | None) -> dict[str, str]:
    found = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"--param expects key=value, got {pair!r}")
        found[key.strip()] = value
    return found


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def print_table(table: Table, form: str) -> None:
    if form == "json":
        print(json.dumps(table.as_dicts(), ensure_ascii=False, indent=2))
    elif form == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(table.columns)
        writer.writerows([[_cell(v) for v in row] for row in table.rows])
    else:
        cells = [table.columns, *[[_cell(v) for v in row] for row in table.rows]]
        widths = [max(len(row[i]) for row in cells) for i in range(len(table.columns))]
        for n, row in enumerate(cells):
            print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
            if n == 0:
                print("  ".join("-" * w for w in widths))
    if table.truncated:
        print(f"(stopped at {len(table.rows)} rows)", file=sys.stderr)


def cmd_analytics(args: argparse.Namespace, settings: Settings) -> int:
    from graph.analytics.named import catalog, run_analytic

    if args.action == "list":
        for analytic in catalog():
            params = ", ".join(f"{p.name}: {p.type} = {p.default}" for p in analytic.parameters)
            print(f"{analytic.name}\n  {analytic.title}: {analytic.description}")
            print(f"  parameters: {params or '-'}\n  columns: {', '.join(analytic.columns)}\n")
        return 0
    if not has_uri(settings):
        return 2
    given = params_of(args.param)
    if args.action == "private":
        answer = private_answer(settings, args.name, given, args.epsilon, args.consumer)
        print_table(Table(answer.columns, answer.rows), args.format)
        return 0

    async def run(db: Database) -> Table:
        return await run_analytic(db, args.name, given, settings.analytics_limits())

    print_table(with_database(settings, run), args.format)
    return 0


def private_answer(
    settings: Settings, name: str, given: dict[str, Any], epsilon: float, consumer: str
) -> PrivateAnswer:
    """A differentially private answer (graph/analytics/private.py), what it spent said on
    stderr."""
    from graph.analytics.private import answer_privately

    async def run(db: Database) -> PrivateAnswer:
        return await answer_privately(
            db, name, given, epsilon, consumer, settings.analytics_limits()
        )

    answer: PrivateAnswer = with_database(settings, run)
    print(
        f"{answer.mechanism}, sensitivity {answer.sensitivity}, scale {answer.scale:.4g}: "
        f"epsilon {answer.epsilon_spent:g} spent, {answer.epsilon_left:g} left for "
        f"{answer.consumer!r}",
        file=sys.stderr,
    )
    return answer


def cmd_cypher(args: argparse.Namespace, settings: Settings) -> int:
    from graph.analytics.named import read_only

    if not has_uri(settings):
        return 2
    given = params_of(args.param)

    async def run(db: Database) -> Table:
        return await read_only(
            db, args.query, given, args.limit, args.timeout, auth=settings.cypher_auth()
        )

    print_table(with_database(settings, run), args.format)
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    analytics = commands.add_parser("analytics", help="named journey metrics (cypher/analytics)")
    actions = analytics.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="every analytic with its parameters and columns")
    run = actions.add_parser("run", help="run one analytic")
    run.add_argument("name")
    run.add_argument("--param", action="append", help="key=value (repeatable)")
    run.add_argument("--format", choices=["table", "json", "csv"], default="table")
    private = actions.add_parser(
        "private",
        help="an analytic's totals with differential privacy, spent from a consumer's budget",
    )
    private.add_argument("name")
    private.add_argument("--epsilon", type=float, required=True)
    private.add_argument("--consumer", required=True, help="who the answer is shared with")
    private.add_argument("--param", action="append", help="key=value (repeatable)")
    private.add_argument("--format", choices=["table", "json", "csv"], default="table")
    analytics.set_defaults(run=cmd_analytics)

    query = commands.add_parser("cypher", help="ad-hoc read-only Cypher (writes are refused)")
    query.add_argument("query")
    query.add_argument("--param", action="append", help="key=value, passed as strings")
    query.add_argument("--format", choices=["table", "json", "csv"], default="table")
    query.add_argument("--limit", type=int, default=1000, help="row cap (default 1000)")
    query.add_argument("--timeout", type=float, default=30.0, help="seconds (default 30)")
    query.set_defaults(run=cmd_cypher)
