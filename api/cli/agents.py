"""`threadline mcp`: the Model Context Protocol server for LLM agents (connectors/mcp_server.py)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

from api.cli.support import EXIT_CANNOT_LISTEN, listening_socket, run_uvicorn

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

    from graph.config import Settings

DEFAULT_URL = "http://127.0.0.1:8000"
DEFAULT_HTTP_PORT = 8377  # not 8765, which many WebSocket examples and tools take


class RequireBearer:
    """HTTP mode: an MCP request without `Authorization: Bearer …` is refused with 401 before it
    reaches a tool (the token itself is checked by Threadline on every call it makes)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = dict(scope.get("headers") or [])
            scheme, _, token = headers.get(b"authorization", b"").decode().partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                await _unauthorized(send)
                return
        await self.app(scope, receive, send)


async def _unauthorized(send: Send) -> None:
    body = b'{"error": "UNAUTHENTICATED: send Authorization: Bearer <Threadline API key>"}'
    await send(
        {
            "type": "http.response.start",
            "status": 401,
            "headers": [
                (b"content-type", b"application/json"),
                (b"www-authenticate", b"Bearer"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def cmd_mcp(args: argparse.Namespace, settings: Settings) -> int:
    try:
        from connectors.mcp_server import build_server
    except ImportError as missing:  # the extra is not installed
        print(f"error: {missing}; install it with: pip install 'threadline[mcp]'", file=sys.stderr)
        return 1
    if not args.http:
        token = args.token or os.environ.get("THREADLINE_TOKEN")
        build_server(args.url, token).run("stdio")
        return 0
    import uvicorn

    server = build_server(args.url, None, forward_bearer=True)
    app: Any = RequireBearer(server.streamable_http_app(host=args.host))
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
