"""The GraphQL schema, composed from the domains."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql.error import GraphQLError
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from api.admin.mutations import AdminMutations
from api.admin.queries import AdminQueries
from api.auth import AuditTrail, check_guarded
from api.context.queries import ContextQueries
from api.errors import ErrorCodes
from api.events.mutations import EventMutations
from api.sessions.mutations import SessionMutations
from api.sessions.queries import SessionQueries
from api.sessions.subscriptions import SessionSubscriptions
from api.users.mutations import UserMutations
from api.users.queries import UserQueries

Query = merge_types("Query", (ContextQueries, SessionQueries, UserQueries, AdminQueries))
Mutation = merge_types(
    "Mutation", (EventMutations, SessionMutations, UserMutations, AdminMutations)
)
Subscription = merge_types("Subscription", (SessionSubscriptions,))


class ThreadlineSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Errors are reported with codes by `ErrorCodes` (which logs the unexpected ones)."""


def build_schema(**kwargs: Any) -> strawberry.Schema:
    schema = ThreadlineSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        # factories: a fresh extension per request; both caches are shared at module level
        extensions=[
            ErrorCodes,
            AuditTrail,
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
        ],
        **kwargs,
    )
    check_guarded(schema)  # deny by default: a root field without a role permission fails here
    return schema
