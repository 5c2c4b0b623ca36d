"""Analytics over GraphQL: the catalog, and one analytic's table (PII masked for analysts)."""

from __future__ import annotations

from typing import Any, cast

import strawberry

from api.permissions import allow
from api.request import Info
from api.scalars import JSON
from graph.analytics.named import catalog, run_analytic
from graph.domain.callers import CallerRole
from graph.domain.errors import BadInputError
from graph.domain.masking import PII_ENTITY_TYPES, mask_entity_key, mask_entity_value
from graph.domain.records import Table


@strawberry.type(description="One parameter of an analytic.")
class AnalyticParameter:
    name: str
    type: str = strawberry.field(description="datetime, int, float, string, bool or list.")
    default: str


@strawberry.type(description="A named analytic of cypher/analytics.")
class AnalyticInfo:
    name: str
    title: str
    description: str
    parameters: list[AnalyticParameter]
    columns: list[str]


@strawberry.type(description="An analytic's result: columns and rows (values as JSON).")
class AnalyticsResult:
    name: str
    columns: list[str]
    rows: JSON = strawberry.field(description="A list of rows, each a list in column order.")
    truncated: bool


def mask_rows(table: Table) -> list[list[Any]]:
    """Rows whose `type` column is a personal entity type get `key`/`value` masked."""
    if "type" not in table.columns:
        return table.rows
    kind = table.columns.index("type")
    key = table.columns.index("key") if "key" in table.columns else None
    value = table.columns.index("value") if "value" in table.columns else None
    masked = []
    for row in table.rows:
        row = list(row)  # noqa: PLW2901 - a copy, masked
        if row[kind] in PII_ENTITY_TYPES:
            if key is not None and isinstance(row[key], str):
                row[key] = mask_entity_key(row[key])
            if value is not None and isinstance(row[value], str):
                row[value] = mask_entity_value(row[kind], row[value])
        masked.append(row)
    return masked


@strawberry.type
class AnalyticsQueries:
    @strawberry.field(
        extensions=allow(CallerRole.ANALYST), description="Every named analytic and its parameters."
    )
    def analytics_catalog(self) -> list[AnalyticInfo]:
        return [
            AnalyticInfo(
                name=a.name,
                title=a.title,
                description=a.description,
                parameters=[
                    AnalyticParameter(name=p.name, type=p.type, default=p.default)
                    for p in a.parameters
                ],
                columns=a.columns,
            )
            for a in catalog()
        ]

    @strawberry.field(
        extensions=allow(CallerRole.ANALYST),
        description="Run a named analytic with parameters (a JSON object, e.g. "
        '{"since": "2026-11-01T00:00:00Z"}); read-only, with a timeout and a row cap.',
    )
    async def analytics(self, info: Info, name: str, params: JSON | None = None) -> AnalyticsResult:
        given: object = params if params is not None else {}
        if not isinstance(given, dict):
            raise BadInputError("params must be a JSON object", field="params")
        table = await run_analytic(
            info.context.db, name, cast(dict[str, Any], given), info.context.analytics_limits
        )
        principal = info.context.principal
        rows = table.rows if principal is not None and principal.sees_pii else mask_rows(table)
        return AnalyticsResult(
            name=name, columns=table.columns, rows=cast(JSON, rows), truncated=table.truncated
        )
