"""The door of /graphql: body size limit, authentication, per-request timeout.

HTTP requests are authenticated before strawberry sees them: a missing or invalid bearer token
is a 401 with a GraphQL-shaped `UNAUTHENTICATED` error. WebSocket clients send the token as an
`Authorization` header or in the `connection_init` payload (checked in `on_ws_connect`). In dev
mode a request without a token acts as a local admin. Bodies over `max_request_bytes` are 413;
a request running past `request_timeout_seconds` is 504 — all before any data is returned.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import orjson

from api import json_requests, metrics
from api.authentication import refusal_of
from api.http_errors import retry_headers
from graph.domain.errors import UnauthenticatedError

if TYPE_CHECKING:
    from starlette.types import Message, Receive, Scope, Send

    from graph.config import Settings

App = Callable[["Scope", "Receive", "Send"], Awaitable[None]]
# answers a plain JSON request (api/json_requests.py: answer, bound to the view)
PlainAnswer = Callable[["Scope", dict[str, Any], "Send"], Awaitable[None]]


def _error_body(code: str, message: str) -> bytes:
    return orjson.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})


async def _respond(send: Send, status: int, code: str, message: str, *extra: Any) -> None:
    metrics.REJECTED_REQUESTS.labels(code).inc()
    body = _error_body(code, message)
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class GraphQLEndpoint:
    def __init__(
        self,
        graphql: App,
        settings: Settings,
        *,
        dev: bool,
        answer_plain: PlainAnswer | None = None,
    ) -> None:
        self.graphql = graphql
        self.answer_plain = answer_plain
        self.max_bytes = settings.max_request_bytes
        self.timeout = settings.request_timeout_seconds
        self.dev = dev

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {k.decode().lower(): v.decode() for k, v in scope.get("headers", [])}
        if scope["type"] != "http":  # websocket: a header now, else the connection_init payload
            await self.graphql(scope, receive, send)
            return
        query_string = scope.get("query_string", b"").decode()
        if scope["method"] == "GET" and self.dev and "query" not in query_string:
            await self.graphql(scope, receive, send)  # the GraphiQL page
            return
        # authenticated by the middleware before the body is read: strangers cannot make us
        # buffer megabytes; 401, or 503 UNAVAILABLE while the database is down
        if (error := refusal_of(scope)) is not None:
            extra = [(k.encode(), v.encode()) for k, v in retry_headers(error.code).items()]
            if isinstance(error, UnauthenticatedError):
                extra.append((b"www-authenticate", b'Bearer realm="threadline"'))
            await _respond(send, error.code.http_status, error.code, error.message, *extra)
            return
        body = await self._read_body(receive, headers)
        if body is None:
            await _respond(send, 413, "LIMIT_EXCEEDED", f"body over {self.max_bytes} bytes")
            return
        await self._with_timeout(scope, headers, body, send)

    async def _read_body(self, receive: Receive, headers: dict[str, str]) -> bytes | None:
        """The whole body, or None when it is larger than allowed (without reading it all)."""
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            return None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _with_timeout(
        self, scope: Scope, headers: dict[str, str], body: bytes, send: Send
    ) -> None:
        delivered = False
        started = False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                return {"type": "http.disconnect"}
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def tracked(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        try:  # a deadline on this task (no task of its own per request, as wait_for makes)
            async with asyncio.timeout(self.timeout):
                plain = None  # parsed here only when the thin path can take it
                if self.answer_plain is not None and scope["method"] == "POST":
                    plain = json_requests.plain_request(headers, body)
                if plain is not None and self.answer_plain is not None:
                    await self.answer_plain(scope, plain, tracked)
                else:  # strawberry's view: GET, uploads, batches, streaming, the IDE page
                    await self.graphql(scope, replay, tracked)
        except TimeoutError:
            if not started:
                message = f"request took longer than {self.timeout:g} s"
                await _respond(send, 504, "TIMEOUT", message)
