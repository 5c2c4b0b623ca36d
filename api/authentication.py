"""The one authentication step: an ASGI middleware in front of every endpoint that needs a
caller — `/graphql` (HTTP and WebSocket), `/dashboard` and `/metrics`. It reads the bearer token
(or, for the dashboard's pages, its sign-in cookie), verifies it once, and leaves the outcome in
the request scope: `principal_of(scope)` or `refusal_of(scope)`. Each endpoint only decides what
a missing principal means for it (a 401, the sign-in page, a WebSocket's connection_init).
In dev mode a request without credentials is the local admin; credentials sent are verified.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import TYPE_CHECKING, Any

from graph.domain.errors import ThreadlineError

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

    from graph.compliance.auth import Authenticator, Principal

PROTECTED = ("/graphql", "/dashboard", "/metrics")
DASHBOARD_COOKIE = "threadline_token"  # the dashboard's sign-in: the token itself, HttpOnly


def _credentials(scope: Scope) -> str | None:
    headers = {k.decode().lower(): v.decode() for k, v in scope.get("headers", [])}
    authorization = headers.get("authorization")
    if authorization is None and scope["path"].startswith("/dashboard"):
        cookies: SimpleCookie = SimpleCookie()
        cookies.load(headers.get("cookie", ""))
        if DASHBOARD_COOKIE in cookies and cookies[DASHBOARD_COOKIE].value:
            authorization = f"Bearer {cookies[DASHBOARD_COOKIE].value}"
    return authorization


class Authentication:
    """Puts `principal` (or `refusal`: why there is none) in the scope of protected requests."""

    def __init__(self, app: ASGIApp, authenticator: Authenticator, *, dev: bool) -> None:
        self.app = app
        self.authenticator = authenticator
        self.dev = dev

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and scope["path"].startswith(PROTECTED):
            state: dict[str, Any] = scope.setdefault("state", {})
            state["principal"], state["refusal"] = None, None
            try:
                state["principal"] = await self.authenticator.principal(
                    _credentials(scope), dev=self.dev
                )
            except ThreadlineError as error:  # UNAUTHENTICATED, or UNAVAILABLE (key lookup)
                state["refusal"] = error
        await self.app(scope, receive, send)


def principal_of(scope: Scope) -> Principal | None:
    principal: Principal | None = scope.get("state", {}).get("principal")
    return principal


def refusal_of(scope: Scope) -> ThreadlineError | None:
    refusal: ThreadlineError | None = scope.get("state", {}).get("refusal")
    return refusal
