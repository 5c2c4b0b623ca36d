"""`POST /graphql` with a JSON body — what every client sends — answered without strawberry's
HTTP view.

The view is general: it adapts the request, negotiates streaming transports (SSE, multipart),
parses form and multipart uploads, handles batches and the GraphiQL page, then calls
`schema.execute`. For the one shape clients send (a JSON object with `query`, and optionally
`variables`, `operationName`, `extensions`) that came to ~15 % of the API's CPU per context read
in-process. `answer` runs the same `schema.execute` (every extension, cache, permission and
audit as before) with the same context, and answers what the view would: the result as JSON,
HTTP 503 with `Retry-After` when it met a database outage, 400 with the view's reason for an
operation that cannot run over POST. Anything else — another content type, a batch (a JSON
list), a body that is not valid JSON, `@defer`/`@stream`, a client asking for a streamed answer —
returns False before anything runs, and the view handles it as it always did.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
from strawberry.exceptions import MissingQueryError
from strawberry.http import process_result
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from api.http_errors import retry_headers
from graph.domain.errors import ErrorCode

if TYPE_CHECKING:
    from starlette.types import Scope, Send

    from api.app import ThreadlineGraphQL

OVER_POST = OperationType.from_http("POST")  # as the view: subscriptions too (then refused, coded)
STREAMED = ("multipart/mixed", "text/event-stream")  # accepted: the view streams the answer
KEYS = frozenset({"query", "variables", "operationName", "extensions"})


def plain_request(headers: dict[str, str], body: bytes) -> dict[str, Any] | None:
    """The request's JSON object when it is the plain shape, else None (the view's case)."""
    accept = headers.get("accept", "")
    json_body = "application/json" in headers.get("content-type", "")
    if not json_body or any(kind in accept for kind in STREAMED):
        return None
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None  # the view answers 400 with its own words
    if not isinstance(payload, dict) or not payload.keys() <= KEYS:
        return None
    query = payload.get("query")
    if not isinstance(query, str) or "@defer" in query or "@stream" in query:
        return None
    for key, kind in (("variables", dict), ("operationName", str), ("extensions", dict)):
        if payload.get(key) is not None and not isinstance(payload[key], kind):
            return None
    return payload


def _headers(body: bytes, *extra: tuple[bytes, bytes]) -> list[tuple[bytes, bytes]]:
    return [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *extra,
    ]


async def answer(
    view: ThreadlineGraphQL, scope: Scope, payload: dict[str, Any], send: Send
) -> None:
    """Execute the plain request and send the answer (see the module)."""
    context = view.context_for(scope, websocket=False)
    try:
        result = await view.schema.execute(
            payload["query"],
            variable_values=payload.get("variables"),
            context_value=context,
            operation_name=payload.get("operationName"),
            allowed_operation_types=OVER_POST,
            operation_extensions=payload.get("extensions"),
        )
    except CannotGetOperationTypeError as error:
        await _plain_text(send, 400, error.as_http_error_reason())
        return
    except InvalidOperationTypeError as error:
        await _plain_text(send, 400, error.as_http_error_reason("POST"))
        return
    except MissingQueryError:
        await _plain_text(send, 400, "No GraphQL query found in the request")
        return
    data = process_result(result)
    body = view.encode_json(data)
    status, extra = 200, []
    if view.met_an_outage(data):
        status = ErrorCode.UNAVAILABLE.http_status
        extra = [(k.encode(), v.encode()) for k, v in retry_headers(ErrorCode.UNAVAILABLE).items()]
    await send({"type": "http.response.start", "status": status, "headers": _headers(body, *extra)})
    await send({"type": "http.response.body", "body": body})


async def _plain_text(send: Send, status: int, reason: str) -> None:
    body = reason.encode()
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
