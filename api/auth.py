"""Authentication at the door of /graphql, role checks on every root field, and the audit trail.

- `api.endpoint.GraphQLEndpoint` authenticates each request before strawberry sees it.
- `allow(*roles)` is the permission on a root field. `check_guarded` refuses to build a schema
  with a root field that has none: deny by default.
- `AuditTrail` records every root field's caller, operation, target ids and outcome.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

from strawberry.extensions import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension

from api import metrics
from graph.compliance.auth import Principal
from graph.domain.callers import CallerRole
from graph.domain.errors import ForbiddenError, ThreadlineError, UnauthenticatedError
from graph.store.sessions import session_channels

if TYPE_CHECKING:
    import strawberry
    from strawberry.types import Info
    from strawberry.types.field import StrawberryField

    from api.request import RequestContext
    from graph.store.database import Database

TARGET_ARGUMENTS = ("session_id", "user_id", "id", "merge_id", "agent_id", "source_id", "target_id")


class Allow(BasePermission):
    """The caller's role must be one of `roles`; FORBIDDEN otherwise."""

    def __init__(self, *roles: CallerRole) -> None:
        self.roles = frozenset(roles)

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        principal: Principal | None = info.context.principal
        if principal is None:
            raise UnauthenticatedError("authentication required")
        if principal.role not in self.roles:
            allowed = ", ".join(sorted(r.value for r in self.roles))
            raise ForbiddenError(
                f"role {principal.role.value!r} may not call {info.field_name} ({allowed} may)",
                role=principal.role.value,
            )
        return True


def allow(*roles: CallerRole) -> list[Any]:
    """The extensions list of a root field that `roles` may call (admins always may)."""
    permission = PermissionExtension(
        permissions=[Allow(*roles, CallerRole.ADMIN)], use_directives=False
    )
    # strawberry nests field extensions so that the last one listed runs first (outermost): the
    # audit wraps the permission check, so refusals are audited too
    return [permission, AuditTrail()]


def allowed_roles(field: StrawberryField) -> frozenset[CallerRole] | None:
    for extension in field.extensions:
        if isinstance(extension, PermissionExtension):
            for permission in extension.permissions:
                if isinstance(permission, Allow):
                    return permission.roles
    return None


def root_fields(schema: strawberry.Schema) -> Iterable[tuple[str, StrawberryField]]:
    for root in (schema.query, schema.mutation, schema.subscription):
        definition = getattr(root, "__strawberry_definition__", None)
        if definition is not None:
            for field in definition.fields:
                yield definition.name, field


def check_guarded(schema: strawberry.Schema) -> None:
    """Deny by default: every root field must say which roles may call it."""
    unguarded = [
        f"{kind}.{f.python_name}" for kind, f in root_fields(schema) if not allowed_roles(f)
    ]
    if unguarded:
        raise RuntimeError(f"root fields without a role permission: {', '.join(unguarded)}")


def require_channel(principal: Principal | None, channel: str, index: int | None = None) -> None:
    """A connector restricted to some channels may only write those."""
    if principal is not None and not principal.may_use_channel(channel):
        where = f"events[{index}].channel" if index is not None else "channel"
        raise ForbiddenError(
            f"{where}: this credential may not write channel {channel!r}", field="channel"
        )


async def require_session_channels(
    principal: Principal | None, db: Database, session_ids: list[str], field: str = "sessionId"
) -> None:
    """A connector restricted to some channels may only reach a session by its id when the
    session has been used on one of them (agents and admins reach any). Sessions only gain
    channels, so the check cannot be outrun by a concurrent write. Unknown ids pass: the
    operation itself says NOT_FOUND."""
    if principal is None or principal.role is not CallerRole.CONNECTOR or not principal.channels:
        return
    for session_id, channels in (await session_channels(db, sorted(set(session_ids)))).items():
        if not principal.channels.intersection(channels):
            raise ForbiddenError(
                f"{field}: session {session_id!r} is not on a channel this credential may use",
                field=field,
            )


class NotForConnectors(FieldExtension):
    """On fields a connector has no business reading (a session's user, attributes, history
    of other sessions): FORBIDDEN for connector credentials, as is for everyone else."""

    @staticmethod
    def _check(info: Info) -> None:
        principal: Principal | None = info.context.principal
        if principal is not None and principal.role is CallerRole.CONNECTOR:
            raise ForbiddenError(
                f"connectors may not read {info.field_name} (agents may)", role="connector"
            )

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        self._check(info)
        return next_(source, info, **kwargs)

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        self._check(info)
        return await next_(source, info, **kwargs)


def _targets(arguments: dict[str, Any], result: Any) -> set[str]:
    found = {str(arguments[name]) for name in TARGET_ARGUMENTS if arguments.get(name)}
    external = arguments.get("external_user_id") or arguments.get("external_id")
    if arguments.get("channel") and external:  # strawberry passes snake_case argument names
        found.add(f"{arguments['channel']}:{external}")
    for attribute in ("id", "session_id", "user_id"):
        value = getattr(result, attribute, None)
        if isinstance(value, str):
            found.add(value)
    session = getattr(result, "session", None)
    if session is not None and isinstance(getattr(session, "id", None), str):
        found.add(session.id)
    for item in getattr(result, "results", None) or []:
        if isinstance(getattr(item, "session_id", None), str):
            found.add(item.session_id)
    return found


def _outcome(error: Exception) -> str:
    """What the audit records for a failed call: the error's code, else INTERNAL."""
    return error.code if isinstance(error, ThreadlineError) else "INTERNAL"


class AuditTrail(FieldExtension):
    """On every root field (added by `allow`): who, operation, target ids (hashed), outcome.
    A field extension, so only root fields pay for it."""

    def _record(
        self, info: Info, kwargs: dict[str, Any], result: Any, outcome: str, started: float
    ) -> None:
        metrics.OPERATIONS.labels(info.field_name, outcome).inc()
        metrics.OPERATION_SECONDS.labels(info.field_name).observe(time.perf_counter() - started)
        context: RequestContext = info.context
        principal = context.principal
        context.audit.record(
            principal.subject if principal else "anonymous",
            principal.role.value if principal else "-",
            info.field_name,
            _targets(kwargs, result if outcome == "OK" else None),
            outcome,
            context.request_id,
        )

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            result = next_(source, info, **kwargs)
        except Exception as error:
            self._record(info, kwargs, None, _outcome(error), started)
            raise
        self._record(info, kwargs, result, "OK", started)
        return result

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        started = time.perf_counter()
        try:
            result: Any = next_(source, info, **kwargs)
            if inspect.isawaitable(result):  # a subscription's is an async generator: as it is
                result = await result
        except Exception as error:
            self._record(info, kwargs, None, _outcome(error), started)
            raise
        self._record(info, kwargs, result, "OK", started)
        return result
