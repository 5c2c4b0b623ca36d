"""The one authentication step: an ASGI middleware in front of every endpoint that needs a
caller — `/graphql` (HTTP and WebSocket), `/dashboard` and `/metrics`. It reads the bearer token
(or, for the dashboard's pages, the session its sign-in cookie names), verifies it once, and
leaves the outcome in the request scope: `principal_of(scope)` or `refusal_of(scope)`. Each
endpoint only decides what a missing principal means for it (a 401, the sign-in page, a
WebSocket's connection_init).
In dev mode a request without credentials is the local admin; credentials sent are verified.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import TYPE_CHECKING, Any

from graph.domain.errors import ThreadlineError

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

    from graph.compliance.credentials import Authenticator, Principal

PROTECTED = ("/graphql", "/dashboard", "/metrics")
# the dashboard's sign-in: a session token (never the API key or JWT), HttpOnly
DASHBOARD_COOKIE = "threadline_session"


def _credentials(scope: Scope) -> tuple[str | None, str | None]:
    """(the Authorization header, the dashboard session cookie): a header wins."""
    headers = {k.decode().lower(): v.decode() for k, v in scope.get("headers", [])}
    authorization = headers.get("authorization")
    if authorization is None and scope["path"].startswith("/dashboard"):
        return None, dashboard_cookie(headers.get("cookie", ""))
    return authorization, None


def dashboard_cookie(header: str) -> str | None:
    cookies: SimpleCookie = SimpleCookie()
    cookies.load(header)
    value = cookies[DASHBOARD_COOKIE].value if DASHBOARD_COOKIE in cookies else ""
    return value or None


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
            authorization, session = _credentials(scope)
            try:
                if session is not None:
                    state["principal"] = await self.authenticator.dashboard_session(session)
                else:
                    state["principal"] = await self.authenticator.principal(
                        authorization, dev=self.dev
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
