"""What an end user's token (role `user`, the SDK's credential) may reach: only its own identity
and the sessions its person owns, and only the fields a client app shows.

Two checks, both deny by default:
- `UserScope` (a schema extension) refuses, before anything runs, an operation that selects a
  field outside `USER_FIELDS` — the person's messages, session state and attributes, recall
  hits, ingest results, continuation tokens and live events; never the person record with its
  identities, enrichment, agents' handoff notes or another session's history.
- `require_own_identity` / `require_own_sessions` check the arguments in the resolvers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError, TypeInfo, TypeInfoVisitor, Visitor, visit
from strawberry.extensions import SchemaExtension

from graph.compliance.credentials import Principal
from graph.domain.callers import CallerRole
from graph.domain.errors import ForbiddenError
from graph.store.sessions import owned_sessions

if TYPE_CHECKING:
    from graphql import FieldNode

    from graph.store.database import Database

_SESSION = frozenset(
    {
        "id",
        "status",
        "channels",
        "seq",
        "version",
        "createdAt",
        "lastActivityAt",
        "closedAt",
        "lastChannel",
        "continuesId",
        "attributes",
        "messages",
    }
)
_MESSAGE = frozenset(
    {"id", "eventId", "sessionId", "channel", "role", "text", "at", "seq", "agentId", "delivery"}
)

USER_FIELDS: dict[str, frozenset[str]] = {
    "Query": frozenset({"context", "recall"}),
    "Mutation": frozenset(
        {"ingestEvents", "setSessionAttributes", "createContinuationToken", "resumeSession"}
    ),
    "Subscription": frozenset({"sessionEvents"}),
    "Context": frozenset({"session", "messages", "attributes", "channels"}),
    "Session": _SESSION,
    "Message": _MESSAGE,
    "Delivery": frozenset({"status", "at"}),
    "Recall": frozenset({"hits", "text"}),
    "RecallHit": frozenset({"message", "score", "signals", "neighbors"}),
    "IngestResult": frozenset({"accepted", "duplicates", "results"}),
    "IngestedEvent": frozenset({"eventId", "sessionId", "messageId", "seq", "duplicate"}),
    "ContinuationToken": frozenset({"token", "sessionId", "expiresAt"}),
    "SessionEvent": frozenset(
        {
            "kind",
            "at",
            "sessionId",
            "channel",
            "role",
            "messageId",
            "seq",
            "text",
            "attributes",
            "agentId",
            "status",
        }
    ),
}


class _OutsideScope(Visitor):
    def __init__(self, types: TypeInfo) -> None:
        super().__init__()
        self.types = types
        self.refused: list[str] = []

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        parent, name = self.types.get_parent_type(), node.name.value
        if name == "__typename":
            return
        owner = getattr(parent, "name", "?")
        if name not in USER_FIELDS.get(owner, frozenset()):
            self.refused.append(f"{owner}.{name}")


def fields_outside_scope(schema: Any, document: Any) -> list[str]:
    """`Type.field` of every selection in `document` a user token may not make."""
    types = TypeInfo(schema)
    visitor = _OutsideScope(types)
    visit(document, TypeInfoVisitor(types, visitor))
    return visitor.refused


class UserScope(SchemaExtension):
    """FORBIDDEN, before execution, for a user token's selection outside `USER_FIELDS`. Listed
    after the validation cache: it runs on validated documents only, every request (what a
    document may do depends on who sends it, so it is not cached with the validation)."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        principal: Principal | None = getattr(context.context, "principal", None)
        document = context.graphql_document
        if (
            principal is not None
            and principal.role is CallerRole.USER
            and document is not None
            and not context.pre_execution_errors
        ):
            refused = fields_outside_scope(context.schema._schema, document)
            if refused:
                listed = ", ".join(sorted(set(refused)))
                context.pre_execution_errors = [
                    GraphQLError(
                        f"a user token may not read {listed}",
                        extensions={"code": "FORBIDDEN", "role": "user"},
                    )
                ]
        yield


def require_own_identity(
    principal: Principal | None, channel: str | None, external_user_id: str | None, field: str
) -> None:
    """A user token speaks only for its own channel identity."""
    if principal is None or principal.role is not CallerRole.USER:
        return
    own = principal.end_user
    if own is None or (channel, external_user_id) != (own.channel, own.external_user_id):
        raise ForbiddenError(f"{field}: a user token speaks only for its own identity", field=field)


async def require_own_sessions(
    principal: Principal | None, db: Database, session_ids: list[str], field: str = "sessionId"
) -> None:
    """A user token reaches a session by its id only when its person owns the session. An
    unknown id is FORBIDDEN too: a user token may not probe which sessions exist."""
    if principal is None or principal.role is not CallerRole.USER or not session_ids:
        return
    own = principal.end_user
    wanted = sorted(set(session_ids))
    owned = await owned_sessions(db, own.identity_key, wanted) if own else set()
    foreign = [s for s in wanted if s not in owned]
    if foreign:
        raise ForbiddenError(
            f"{field}: session {foreign[0]!r} is not one of this user's sessions", field=field
        )


USER_ATTRIBUTE_PREFIX = "user."


def require_user_attribute_keys(
    principal: Principal | None, attributes: object, allowed: frozenset[str] | None, field: str
) -> None:
    """What a person writes about themselves is kept apart from what the business decided: a
    user token writes attributes under `user.` only (never `vip`, `tier`… that agents, triggers,
    the brief and merge policies read), and of those only the names the deployment allows
    (THREADLINE_USER_ATTRIBUTE_KEYS; None: any)."""
    if principal is None or principal.role is not CallerRole.USER:
        return
    keys: Iterable[str] = (
        attributes if isinstance(attributes, dict) else ()
    )  # else: BAD_INPUT later
    for key in keys:
        name = key.removeprefix(USER_ATTRIBUTE_PREFIX)
        if not key.startswith(USER_ATTRIBUTE_PREFIX) or not name:
            raise ForbiddenError(
                f"{field}: a user token writes attributes under '{USER_ATTRIBUTE_PREFIX}' only "
                f"(e.g. '{USER_ATTRIBUTE_PREFIX}{key}'), not {key!r}",
                field=field,
            )
        if allowed is not None and name not in allowed:
            raise ForbiddenError(
                f"{field}: {key!r} is not among the attributes a user token may write",
                field=field,
            )


def is_end_user(principal: Principal | None) -> bool:
    return principal is not None and principal.role is CallerRole.USER
