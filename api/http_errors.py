"""Errors outside GraphQL, rendered from the one table (`graph.domain.errors.ErrorCode`): one JSON
body
shape, `{"error": <message>, "code": <CODE>}`, the code's HTTP status, and `Retry-After` when a
retry can succeed. Installed as the app's exception handlers, so a dashboard page, /metrics or
/readyz meeting a database outage answers 503 UNAVAILABLE, never a plain-text 500."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from graph.domain.errors import ErrorCode, ThreadlineError

log = logging.getLogger("threadline.api")


def retry_headers(code: ErrorCode) -> dict[str, str]:
    seconds = code.retry_after_seconds
    return {"retry-after": str(seconds)} if seconds is not None else {}


def error_response(error: ThreadlineError) -> JSONResponse:
    return JSONResponse(
        {"error": error.message, "code": error.code},
        error.code.http_status,
        headers=retry_headers(error.code),
    )


def as_threadline_error(error: Exception) -> ThreadlineError | None:
    """An expected error as it is (a database outage is one: the store gateway translated it
    into UNAVAILABLE), else None (a bug)."""
    return error if isinstance(error, ThreadlineError) else None


async def handle_error(request: Request, error: Exception) -> Response:
    """The app's handler for anything an endpoint did not answer itself."""
    known = as_threadline_error(error)
    if known is not None:
        return error_response(known)
    log.error("unexpected error on %s", request.url.path, exc_info=error)
    return error_response(ThreadlineError("internal error"))
