"""Analytics shared with differential privacy: `privateAnalytics` (a mutation: each answer spends
the consumer's privacy budget) and `privacyBudget` (graph/analytics/private.py)."""

from __future__ import annotations

from typing import Any, cast

import strawberry

from api.permissions import allow
from api.request import Info
from api.scalars import JSON
from graph.analytics.private import answer_privately, budget_left
from graph.domain.callers import CallerRole
from graph.domain.errors import BadInputError


@strawberry.type(description="A named analytic's totals, made differentially private.")
class PrivateAnalyticsResult:
    name: str
    columns: list[str]
    rows: JSON = strawberry.field(description="One row per group asked for: its values, its total.")
    mechanism: str = strawberry.field(description="How the noise was drawn.")
    sensitivity: int = strawberry.field(
        description="The most one person moves the totals (L1): each person's contribution is "
        "bounded to it before the noise."
    )
    scale: float = strawberry.field(description="The noise's scale: sensitivity / epsilon.")
    epsilon_spent: float
    epsilon_left: float = strawberry.field(description="What is left of the consumer's budget.")
    consumer: str


@strawberry.type(description="What a consumer of private answers has left to spend.")
class PrivacyBudget:
    consumer: str
    epsilon_left: float


@strawberry.type
class PrivateAnalyticsMutations:
    @strawberry.mutation(
        extensions=allow(CallerRole.ANALYST),
        description="Answer a named analytic that declares how much one person can contribute "
        "with epsilon-differential privacy for the third party `consumer`: each person's "
        "contribution bounded, then discrete Laplace noise (OpenDP) of scale sensitivity / "
        "epsilon, fresh on every answer. The epsilon is spent from the consumer's budget "
        "(THREADLINE_PRIVACY_BUDGET, total 10 by default); past it: LIMIT_EXCEEDED and nothing "
        "answered. An analytic without a `private:` header: BAD_INPUT.",
    )
    async def private_analytics(
        self,
        info: Info,
        name: str,
        epsilon: float,
        consumer: str,
        params: JSON | None = None,
    ) -> PrivateAnalyticsResult:
        given: object = params if params is not None else {}
        if not isinstance(given, dict):
            raise BadInputError("params must be a JSON object", field="params")
        answer = await answer_privately(
            info.context.db,
            name,
            cast(dict[str, Any], given),
            epsilon,
            consumer,
            info.context.analytics_limits,
        )
        return PrivateAnalyticsResult(
            name=answer.name,
            columns=answer.columns,
            rows=cast(JSON, answer.rows),
            mechanism=answer.mechanism,
            sensitivity=answer.sensitivity,
            scale=answer.scale,
            epsilon_spent=answer.epsilon_spent,
            epsilon_left=answer.epsilon_left,
            consumer=answer.consumer,
        )


@strawberry.type
class PrivacyBudgetQueries:
    @strawberry.field(
        extensions=allow(CallerRole.ANALYST),
        description="What is left of a consumer's privacy budget (privateAnalytics).",
    )
    async def privacy_budget(self, info: Info, consumer: str) -> PrivacyBudget:
        limits = info.context.analytics_limits
        left = await budget_left(info.context.db, consumer, limits.privacy_budget)
        return PrivacyBudget(consumer=consumer, epsilon_left=left)
