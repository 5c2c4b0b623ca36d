"""The audit trail of the API: every root field's caller, operation, target ids (hashed by the
audit log) and outcome, recorded by a field extension that `api.permissions.allow` puts on every
root field — refusals included — with the operation's count and time for /metrics."""

from __future__ import annotations

import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from strawberry.extensions import FieldExtension

from api import metrics
from graph.domain.errors import ThreadlineError

if TYPE_CHECKING:
    from strawberry.types import Info

    from api.request import RequestContext

TARGET_ARGUMENTS = ("session_id", "user_id", "id", "merge_id", "agent_id", "source_id", "target_id")


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
