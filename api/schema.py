"""The GraphQL schema, composed from the domains."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql.error import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as aliases_validator
from strawberry.extensions.query_depth_limiter import create_validator as depth_validator
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from api.admin.mutations import AdminMutations
from api.admin.queries import AdminQueries
from api.analytics.private import PrivacyBudgetQueries, PrivateAnalyticsMutations
from api.analytics.queries import AnalyticsQueries
from api.errors import ErrorCodes, SubscriptionsNeedWebSocket, coded, is_coded
from api.events.mutations import EventMutations
from api.memory.queries import ContextQueries
from api.permissions import check_guarded
from api.plain_fields import PlannedExecution
from api.sessions.mutations import SessionMutations
from api.sessions.queries import SessionQueries
from api.sessions.subscriptions import SessionSubscriptions
from api.user_scope import UserScope
from api.users.mutations import UserMutations
from api.users.queries import UserQueries

Query = merge_types(
    "Query",
    (
        ContextQueries,
        SessionQueries,
        UserQueries,
        AnalyticsQueries,
        PrivacyBudgetQueries,
        AdminQueries,
    ),
)
Mutation = merge_types(
    "Mutation",
    (EventMutations, SessionMutations, UserMutations, PrivateAnalyticsMutations, AdminMutations),
)
Subscription = merge_types("Subscription", (SessionSubscriptions,))


class ThreadlineSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Give every error its code in place, on every path (parse errors included);
        `ErrorCodes` does the same for results that skip this hook. Unexpected ones are logged."""
        context = execution_context.context if execution_context else None
        request_id = getattr(context, "request_id", "-")
        suggestions = not self.config.disable_field_suggestions
        errors[:] = [
            error if is_coded(error) else coded(error, request_id, suggestions=suggestions)
            for error in errors
        ]


MAX_DEPTH = 10
MAX_TOKENS = 2000
MAX_ALIASES = 20
# The guard rules are built once: ValidationCache keys its cache on the rule classes, so rules
# built per request (as QueryDepthLimiter/MaxAliasesLimiter do) would re-validate every request.
GUARD_RULES = (
    depth_validator(MAX_DEPTH, None, None),
    aliases_validator(MAX_ALIASES),
)


class GuardRules(AddValidationRules):
    """Depth and alias limits, plus no introspection outside dev."""

    def __init__(self, *, introspection: bool) -> None:
        extra = [] if introspection else [NoSchemaIntrospectionCustomRule]
        super().__init__([*GUARD_RULES, *extra])


def build_schema(*, dev: bool = False, **kwargs: Any) -> strawberry.Schema:
    """The schema with its guards (OWASP GraphQL): depth, token and alias limits, and no
    introspection or field suggestions unless `dev`."""
    extensions: list[Any] = [
        ErrorCodes,
        # factories: a fresh extension per request; both caches are shared at module level
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
        SubscriptionsNeedWebSocket,
        UserScope,  # after validation: a user token's selection stays in its scope
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: GuardRules(introspection=dev),
    ]
    schema = ThreadlineSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=not dev),
        execution_context_class=PlannedExecution,  # plain fields read directly (api/plain_fields)
        **kwargs,
    )
    check_guarded(schema)  # deny by default: a root field without a role permission fails here
    return schema
