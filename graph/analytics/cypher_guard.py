"""What ad-hoc Cypher may do, decided from Neo4j's own plan (`EXPLAIN`), never from its text.

A READ transaction already makes the server refuse writes, but a read transaction can still read
the host's files or fetch URLs (`LOAD CSV`), call procedures that show configuration or kill
other sessions' queries, and run administration commands (`TERMINATE TRANSACTIONS`, `SHOW ...`).
`refusal(query_type, plan)` looks at what the planner says the query will do:

- the query type must be `r` (read only: not `rw`, `w` or `s`, schema/system);
- no operator may load external data, open inner transactions or run a command;
- a procedure call must name a procedure on `ALLOWED_PROCEDURES`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

# Procedures an analyst may call: schema introspection and index searches. Everything else
# (dbms.*, db.* administration, plugins) is refused.
ALLOWED_PROCEDURES = frozenset(
    {
        "db.labels",
        "db.relationshipTypes",
        "db.propertyKeys",
        "db.schema.visualization",
        "db.schema.nodeTypeProperties",
        "db.schema.relTypeProperties",
        "db.index.fulltext.queryNodes",
        "db.index.fulltext.queryRelationships",
        "db.index.vector.queryNodes",
    }
)

# Operators that reach outside the graph or act on the server, by what they do.
REFUSED_OPERATORS = {
    "LoadCSV": "LOAD CSV reads files and URLs",
    "TransactionApply": "CALL ... IN TRANSACTIONS opens transactions of its own",
    "TransactionForeach": "CALL ... IN TRANSACTIONS opens transactions of its own",
}
# Administration commands plan as one operator each (ShowTransactions, TerminateTransactions,
# ShowSettings, ShowProcedures...): refused by family.
REFUSED_PREFIXES = ("Show", "Terminate", "Create", "Drop", "Alter", "Grant", "Revoke", "Deny")


def operators(plan: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """Every operator of a plan (as the driver returns it): its bare name and its details."""
    name = str(plan.get("operatorType", "")).split("@", 1)[0]
    details = str((plan.get("args") or {}).get("Details", ""))
    yield name, details
    for child in plan.get("children") or []:
        yield from operators(child)


def procedure_name(details: str) -> str:
    """`db.labels() :: (label :: STRING)` → `db.labels`."""
    return details.split("(", 1)[0].strip()


def refusal(query_type: str | None, plan: Mapping[str, Any] | None) -> str | None:
    """Why this plan may not run as ad-hoc read-only Cypher, or None when it may."""
    if query_type != "r":
        return "this query writes or changes the schema, and ad-hoc Cypher may only read"
    if plan is None:
        return "Neo4j returned no plan for this query"
    for name, details in operators(plan):
        if name in REFUSED_OPERATORS:
            return REFUSED_OPERATORS[name]
        if name.startswith(REFUSED_PREFIXES):
            return f"administration commands are not allowed ({name})"
        if name == "ProcedureCall" and procedure_name(details) not in ALLOWED_PROCEDURES:
            allowed = ", ".join(sorted(ALLOWED_PROCEDURES))
            return f"procedure {procedure_name(details)!r} is not allowed (allowed: {allowed})"
    return None
