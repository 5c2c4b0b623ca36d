"""Admin queries: the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import strawberry

from api.permissions import allow
from api.request import Info
from api.scalars import JSON
from graph.compliance.audit import AuditFilter
from graph.compliance.gdpr import export_user
from graph.store.triggers import dead_webhooks


@strawberry.type(description="One audited operation: who, what, when, outcome.")
class AuditEvent:
    id: strawberry.ID
    at: datetime
    subject: str = strawberry.field(description="The API key id or `jwt:<sub>` that called.")
    role: str
    operation: str = strawberry.field(description="The root field called.")
    targets: list[str] = strawberry.field(
        description="Keyed hashes of the ids it touched (filter with the plain id)."
    )
    outcome: str = strawberry.field(description="OK, or the error code.")
    request_id: str


@strawberry.input(description="Which audit entries; every field optional.")
class AuditFilterInput:
    since: datetime | None = None
    until: datetime | None = None
    subject: str | None = None
    operation: str | None = None
    target: str | None = strawberry.field(default=None, description="A plain session/user id.")
    outcome: str | None = None
    limit: int = 100


@strawberry.type
class AdminQueries:
    @strawberry.field(
        extensions=allow(),
        description="A person's whole data as one JSON document (portability, GDPR art. 20).",
    )
    async def export_user(self, info: Info, user_id: strawberry.ID) -> JSON:
        return cast(JSON, await export_user(info.context.db, str(user_id)))

    @strawberry.field(
        extensions=allow(), description="The audit trail, newest first (at most 1000 entries)."
    )
    async def audit_events(
        self,
        info: Info,
        filter: AuditFilterInput | None = None,  # noqa: A002
    ) -> list[AuditEvent]:
        audit = info.context.audit
        wanted = filter or AuditFilterInput()
        entries = await audit.query(
            AuditFilter(
                wanted.since,
                wanted.until,
                wanted.subject,
                wanted.operation,
                wanted.target,
                wanted.outcome,
                wanted.limit,
            )
        )
        return [
            AuditEvent(
                id=strawberry.ID(e.id),
                at=e.at,
                subject=e.subject,
                role=e.role,
                operation=e.operation,
                targets=e.targets,
                outcome=e.outcome,
                request_id=e.request_id,
            )
            for e in entries
        ]

    @strawberry.field(
        extensions=allow(),
        description="Trigger webhooks that failed for good (the dead-letter list), newest first.",
    )
    async def trigger_dead_letters(self, info: Info, limit: int = 100) -> JSON:
        letters = await dead_webhooks(info.context.db, max(1, min(limit, 1000)))
        return cast(JSON, letters)
