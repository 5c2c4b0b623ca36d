"""Named analytics (`cypher/analytics/*.cypher`) and ad-hoc read-only Cypher.

Each analytics file starts with a header the tools read:

    // title: Channel switch rate
    // description: Share of sessions ... (continued on lines starting `//   `)
    // param since: datetime = 1970-01-01T00:00:00Z
    // param limit: int = 20
    // columns: kind, from, to, count, total, rate
    // private: person person; value count; groups kind in kinds; bound 10   (optional)

Parameter types: datetime (ISO 8601; `now`), int (a whole number >= 0), float (>= 0), string,
bool, list (JSON). Everything
runs in a READ transaction — the server refuses writes — with a timeout and a row cap.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import cypher
from graph.analytics.cypher_guard import refusal
from graph.config import DEFAULT_ANALYTICS_LIMITS, AnalyticsLimits
from graph.domain.errors import (
    BadInputError,
    LimitExceededError,
    NotFoundError,
    ThreadlineError,
)
from graph.domain.records import Table
from graph.store.database import StatementError

if TYPE_CHECKING:
    from graph.store.database import Database

FOLDER = "analytics"
PARAM = re.compile(r"(\w+):\s*(\w+)\s*=\s*(.+)")


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    default: str  # as written in the header

    def convert(self, value: Any) -> Any:
        """A caller's value (text from the CLI, or JSON from GraphQL) as the Cypher parameter."""
        try:
            return _convert(self.type, value)
        except (ValueError, TypeError) as error:
            raise BadInputError(
                f"parameter {self.name} must be a {self.type}: {error}", field=self.name
            ) from None


def _datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    text = str(value).strip()
    if text == "now":
        return datetime.now(UTC)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _bool(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")


def _count(value: Any) -> int:
    """A whole number >= 0: `3` or `"3"`, never `1.5`, `true` or `-1`."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"{value!r} is not a whole number")
    number = int(value)
    if number < 0:
        raise ValueError(f"{number} is negative")
    return number


def _amount(value: Any) -> float:
    """A number >= 0 (`1.5`, `"2"`), never `true` or `-1`."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{value!r} is not a number")
    number = float(value)
    if not number >= 0:  # also refuses NaN
        raise ValueError(f"{number} is negative")
    return number


def _list(value: Any) -> list[Any]:
    parsed = json.loads(value) if isinstance(value, str) else value
    if not isinstance(parsed, list):
        raise ValueError("not a JSON list")
    return parsed


CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "datetime": _datetime,
    "int": _count,
    "float": _amount,
    "bool": _bool,
    "list": _list,
    "string": str,
}


def _convert(kind: str, value: Any) -> Any:
    return CONVERTERS[kind](value)


@dataclass(frozen=True)
class Analytic:
    name: str
    title: str
    description: str
    parameters: list[Parameter]
    columns: list[str]
    private: str | None = None  # its `private:` line (graph/analytics/private.py)

    def arguments(self, given: dict[str, Any]) -> dict[str, Any]:
        known = {p.name: p for p in self.parameters}
        unknown = sorted(set(given) - set(known))
        if unknown:
            raise BadInputError(
                f"{self.name} has no parameter {unknown[0]!r} (it takes: {', '.join(known)})",
                field=unknown[0],
            )
        return {p.name: p.convert(given.get(p.name, p.default)) for p in self.parameters}


def parse_header(name: str, text: str) -> Analytic:
    title, description, columns = name, [], []
    parameters: list[Parameter] = []
    private: str | None = None
    current = ""
    for line in text.splitlines():
        if not line.startswith("//"):
            break
        body = line[2:]
        if body.startswith("   ") and current == "description":
            description.append(body.strip())
            continue
        key, _, value = body.strip().partition(":")
        current = key.split(" ")[0]
        if key == "title":
            title = value.strip()
        elif key == "description":
            description.append(value.strip())
        elif key == "columns":
            columns = [c.strip() for c in value.split(",") if c.strip()]
        elif key == "private":
            private = value.strip()
        elif key.startswith("param "):
            match = PARAM.fullmatch(body.strip()[len("param ") :])
            if match is None or match.group(2) not in CONVERTERS:
                raise ValueError(f"{name}: bad parameter line {line!r}")
            parameters.append(Parameter(match.group(1), match.group(2), match.group(3).strip()))
    return Analytic(name, title, " ".join(description), parameters, columns, private)


@functools.cache
def catalog() -> tuple[Analytic, ...]:
    """Every analytic, its header parsed once per process."""
    return tuple(
        parse_header(name.removeprefix(f"{FOLDER}/"), cypher.load(name))
        for name in cypher.names(FOLDER)
    )


def find(name: str) -> Analytic:
    for analytic in catalog():
        if analytic.name == name:
            return analytic
    known = ", ".join(a.name for a in catalog())
    raise NotFoundError(f"no analytic {name!r} (known: {known})", field="name")


async def read_only(
    db: Database,
    query: str,
    parameters: dict[str, Any],
    max_rows: int,
    timeout_seconds: float,
    auth: tuple[str, str] | None = None,
) -> Table:
    """Run Cypher in a READ transaction, after Neo4j's own plan of it passed `cypher_guard`:
    no writes, no LOAD CSV, no inner transactions, no administration commands, only allowed
    procedures (BAD_INPUT says which rule refused it). `auth`: the Neo4j user to run it as (a
    user with the `reader` role where the server has roles), instead of the service's own."""
    try:
        return await db.read_untrusted(
            query,
            parameters,
            check_plan=_guard,
            max_rows=max_rows,
            timeout_seconds=timeout_seconds,
            auth=auth,
        )
    except StatementError as error:
        raise _coded(error, timeout_seconds) from None


def _guard(query_type: str | None, plan: Mapping[str, Any] | None) -> None:
    reason = refusal(query_type, plan)
    if reason is not None:
        raise BadInputError(f"read-only: {reason}", field="query")


def _coded(error: StatementError, timeout_seconds: float) -> ThreadlineError:
    """A query the database refused or could not finish, as the error a caller can act on."""
    code, message = error.code, error.message
    if "AccessMode" in code or (code.startswith("Neo.ClientError") and "write" in message.lower()):
        return BadInputError(
            "read-only: this query writes, and analytics may only read", field="query"
        )
    if "TransactionTimedOut" in code or "Timeout" in code:
        return LimitExceededError(f"query ran longer than {timeout_seconds:g} s", field="query")
    if "MemoryPoolOutOfMemory" in code or "OutOfMemory" in code:
        return LimitExceededError(
            "the query needs more memory than the database allows one transaction "
            "(server.memory.transaction.total.max): narrow it, aggregate earlier or add a LIMIT",
            field="query",
        )
    if code.startswith("Neo.ClientError"):
        return BadInputError(f"Cypher error: {message}", field="query")
    return BadInputError(f"Cypher error: {code}: {message}", field="query")


async def run_analytic(
    db: Database,
    name: str,
    given: dict[str, Any],
    limits: AnalyticsLimits = DEFAULT_ANALYTICS_LIMITS,
) -> Table:
    analytic = find(name)
    return await run_with(db, analytic, analytic.arguments(given), limits)


async def run_with(
    db: Database, analytic: Analytic, arguments: dict[str, Any], limits: AnalyticsLimits
) -> Table:
    """An analytic with its arguments already converted (`Analytic.arguments`)."""
    return await read_only(
        db,
        cypher.load(f"{FOLDER}/{analytic.name}"),
        arguments,
        limits.max_rows,
        limits.timeout_seconds,
    )
