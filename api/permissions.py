"""Who may call what: the role permission on every root field, the channel limits of connector
credentials, and the fields connectors may not read.

- `api.endpoint.GraphQLEndpoint` authenticates each request before strawberry sees it
  (`api.authentication`); here the caller it found is checked.
- `allow(*roles)` is the permission on a root field (with the audit trail around it:
  `api.audit_trail`). `check_guarded` refuses to build a schema with a root field that has
  none: deny by default.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

from strawberry.extensions import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension

from api.audit_trail import AuditTrail
from graph.compliance.credentials import Principal
from graph.domain.callers import CallerRole
from graph.domain.errors import ForbiddenError, UnauthenticatedError
from graph.store.sessions import session_channels

if TYPE_CHECKING:
    import strawberry
    from strawberry.types import Info
    from strawberry.types.field import StrawberryField

    from graph.store.database import Database


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
