"""`threadline mcp`: the Model Context Protocol server for LLM agents
(connectors/clients/mcp_server.py)."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from typing import TYPE_CHECKING, Any

import httpx

from api.cli.support import EXIT_CANNOT_LISTEN, listening_socket, run_uvicorn

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

    from graph.config import Settings

DEFAULT_URL = "http://127.0.0.1:8000"
DEFAULT_HTTP_PORT = 8377  # not 8765, which many WebSocket examples and tools take


class RequireBearer:
    """HTTP mode: an MCP request is refused with 401 before it reaches the MCP server — no
    `initialize` either — unless its `Authorization: Bearer …` is one Threadline accepts. The
    token is checked by the API itself (an authenticated `{ __typename }`, the answer kept
    `CHECK_SECONDS`, as the API keeps its own key lookups), and again on every call a tool makes."""

    CHECK_SECONDS = 5.0

    def __init__(self, app: ASGIApp, api_url: str) -> None:
        self.app = app
        self.graphql = f"{api_url.rstrip('/')}/graphql"
        self._checked: dict[str, tuple[float, int]] = {}  # token hash -> (until, HTTP status)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = dict(scope.get("headers") or [])
            scheme, _, token = headers.get(b"authorization", b"").decode().partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                await _refuse(send, 401, "UNAUTHENTICATED: send Authorization: Bearer <key>")
                return
            status = await self._status_of(token.strip())
            if status == 401:
                await _refuse(send, 401, "UNAUTHENTICATED: Threadline refused this token")
                return
            if status >= 500:
                await _refuse(send, 503, f"UNAVAILABLE: Threadline at {self.graphql} is down")
                return
        await self.app(scope, receive, send)

    async def _status_of(self, token: str) -> int:
        """The API's HTTP status for an authenticated request with `token` (cached)."""
        digest = hashlib.sha256(token.encode()).hexdigest()
        cached = self._checked.get(digest)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        try:
            async with httpx.AsyncClient(timeout=10) as http:
                answer = await http.post(
                    self.graphql,
                    json={"query": "{ __typename }"},
                    headers={"Authorization": f"Bearer {token}"},
                )
            status = answer.status_code
        except (httpx.HTTPError, ValueError):
            return 503  # not cached: the next request asks again
        if len(self._checked) > 10_000:
            self._checked.clear()
        self._checked[digest] = (time.monotonic() + self.CHECK_SECONDS, status)
        return status


async def _refuse(send: Send, status: int, message: str) -> None:
    body = json.dumps({"error": message}).encode()
    headers = [(b"content-type", b"application/json")]
    if status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    if status == 503:
        headers.append((b"retry-after", b"1"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def cmd_mcp(args: argparse.Namespace, settings: Settings) -> int:
    try:
        from connectors.clients.mcp_server import build_server
    except ImportError as missing:  # the extra is not installed
        print(f"error: {missing}; install it with: pip install 'threadline[mcp]'", file=sys.stderr)
        return 1
    if not args.http:
        token = args.token or os.environ.get("THREADLINE_TOKEN")
        build_server(args.url, token).run("stdio")
        return 0
    import uvicorn

    server = build_server(args.url, None, forward_bearer=True)
    app: Any = RequireBearer(server.streamable_http_app(host=args.host), args.url)
    sock = listening_socket(args.host, args.port)
    if sock is None:
        return EXIT_CANNOT_LISTEN
    port = sock.getsockname()[1]
    print(f"MCP over streamable HTTP at http://{args.host}:{port}/mcp", file=sys.stderr)
    run_uvicorn(uvicorn.Config(app, log_level="warning"), sock)
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    mcp = commands.add_parser(
        "mcp",
        help="serve Threadline's memory tools to LLM agents over the Model Context Protocol",
        description="stdio by default (one API key: --token or THREADLINE_TOKEN); --http for "
        "streamable HTTP, where every request brings its own bearer token. Talks to a running "
        "Threadline at --url (THREADLINE_URL).",
    )
    mcp.add_argument(
        "--url",
        default=os.environ.get("THREADLINE_URL", DEFAULT_URL),
        help="the Threadline API (THREADLINE_URL)",
    )
    mcp.add_argument("--token", default=None, help="API key (default: THREADLINE_TOKEN)")
    mcp.add_argument("--http", action="store_true", help="streamable HTTP instead of stdio")
    mcp.add_argument("--host", default="127.0.0.1", help="--http: the address to listen on")
    mcp.add_argument(
        "--port", type=int, default=DEFAULT_HTTP_PORT, help="--http: the port (0: any free one)"
    )
    mcp.set_defaults(run=cmd_mcp)
