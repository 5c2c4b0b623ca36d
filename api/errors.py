"""GraphQL errors with `extensions.code`: expected failures keep their message and code,
anything else is masked, logged with the request id, and reported as INTERNAL."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

from graphql.error import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from graph.domain.errors import ThreadlineError

log = logging.getLogger("threadline.api")


def _with_code(error: GraphQLError, message: str, extensions: dict[str, object]) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions=extensions,
    )


SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def coded(error: GraphQLError, request_id: str, *, suggestions: bool = True) -> GraphQLError:
    """The client-facing form of one error (without "Did you mean ...?" hints that map the
    schema, unless `suggestions`)."""
    original = error.original_error
    if isinstance(original, ThreadlineError):
        return _with_code(error, original.message, {"code": original.code, **original.details})
    if original is None or isinstance(original, GraphQLError) or error.path is None:
        # syntax, validation or variable-coercion error: the request itself is malformed
        message = error.message if suggestions else SUGGESTION.sub("", error.message)
        return _with_code(error, message, {"code": "BAD_INPUT", **(error.extensions or {})})
    log.error("unexpected error (request %s)", request_id, exc_info=original)
    return _with_code(
        error,
        f"Internal error (request id {request_id}).",
        {"code": "INTERNAL", "requestId": request_id},
    )


class ErrorCodes(SchemaExtension):
    """Give every error of a result a stable `extensions.code`."""

    def on_operation(self) -> Iterator[None]:
        yield
        self._code(self.execution_context.result)

    def on_stream_result(self, result: Any) -> Iterator[None]:
        """Each result of a subscription stream, before it is sent."""
        self._code(result)
        yield

    def _code(self, result: Any) -> None:
        errors = getattr(result, "errors", None)
        if result is None or not errors:
            return
        context = self.execution_context.context
        request_id = getattr(context, "request_id", "-")
        config = self.execution_context.schema.config
        suggestions = not config.disable_field_suggestions
        result.errors = [
            error if is_coded(error) else coded(error, request_id, suggestions=suggestions)
            for error in errors
        ]


def is_coded(error: GraphQLError) -> bool:
    return bool(error.extensions and "code" in error.extensions and error.original_error is None)


class SubscriptionsNeedWebSocket(SchemaExtension):
    """A subscription sent over plain HTTP is BAD_INPUT (the stream has nowhere to go; graphql-
    core would run it as a query and fail with an internal error). Listed after the validation
    cache, so its error joins the validation errors and the operation never executes."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        over_http = not getattr(context.context, "websocket", False)
        if over_http and context.operation_type is OperationType.SUBSCRIPTION:
            refusal = GraphQLError(
                "subscriptions need a WebSocket to /graphql (graphql-transport-ws)",
                extensions={"code": "BAD_INPUT"},
            )
            context.pre_execution_errors = [*(context.pre_execution_errors or []), refusal]
        yield
