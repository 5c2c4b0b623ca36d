"""`/dashboard`: the overview of journey metrics and a session's cross-channel timeline.

Server-rendered (Jinja2) with SVG charts drawn on the server and CSS served from the package —
no JavaScript, no CDN. Analysts and admins sign in with their API key or JWT — the HttpOnly
cookie then holds a session token standing for it, never the key itself — or send it as a
bearer header; in dev mode a visitor without one is the local
admin. Analysts see personal data masked; every page view is audited.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from api.authentication import DASHBOARD_COOKIE, dashboard_cookie, principal_of, refusal_of
from api.dashboard.cache import OverviewCache
from api.dashboard.charts import channel_color
from api.dashboard.data import timeline
from graph.compliance.credentials import DASHBOARD_SESSION_SECONDS, Principal
from graph.domain.callers import CallerRole
from graph.domain.errors import UnauthenticatedError
from graph.store.sessions import user_sessions
from graph.store.users import resolve_identity

if TYPE_CHECKING:
    from api.services import Services

HERE = Path(__file__).parent
COOKIE = DASHBOARD_COOKIE
ROLES = frozenset({CallerRole.ANALYST, CallerRole.ADMIN})
DEFAULT_DAYS = 30


def _day(text: str | None, fallback: date) -> date:
    try:
        return date.fromisoformat(text) if text else fallback
    except ValueError:
        return fallback


class Dashboard:
    def __init__(self, services: Services) -> None:
        self.db = services.db
        self.audit = services.audit
        self.cache_seconds = services.settings.dashboard_cache_seconds
        self.max_messages = services.settings.max_context_messages
        self.brief_steps = services.conversation_rules.steps
        self.overviews = OverviewCache(
            self.cache_seconds, limits=services.settings.analytics_limits()
        )
        self.authenticator = services.authenticator
        self.public_https = (services.settings.public_url or "").lower().startswith("https://")
        self.dev = services.dev
        self.templates = Jinja2Templates(directory=HERE / "templates")
        self.templates.env.globals["channel_color"] = channel_color

    def routes(self) -> list[Route | Mount]:
        return [
            Route("/dashboard", self.overview_page),
            Route("/dashboard/search", self.search),
            Route("/dashboard/sessions/{session_id}", self.session_page),
            Route("/dashboard/login", self.login, methods=["GET", "POST"]),
            Route("/dashboard/logout", self.logout, methods=["POST"]),
            Mount("/dashboard/static", StaticFiles(directory=HERE / "static"), name="static"),
        ]

    async def _principal(self, request: Request) -> Principal | None:
        """The caller the authentication middleware found (header or sign-in cookie); None sends
        them to the sign-in page, an outage is a 503."""
        refusal = refusal_of(request.scope)
        if refusal is not None and not isinstance(refusal, UnauthenticatedError):
            raise refusal
        return principal_of(request.scope)

    def _audit(self, principal: Principal, operation: str, targets: set[str], outcome: str) -> None:
        self.audit.record(principal.subject, principal.role.value, operation, targets, outcome)

    async def _allowed(self, request: Request) -> Principal | Response:
        principal = await self._principal(request)
        if principal is None:
            return RedirectResponse(f"/dashboard/login?next={request.url.path}", 303)
        if principal.role not in ROLES:
            self._audit(principal, "dashboard", set(), "FORBIDDEN")
            return self.templates.TemplateResponse(
                request, "forbidden.html", {"role": principal.role.value}, status_code=403
            )
        return principal

    async def overview_page(self, request: Request) -> Response:
        principal = await self._allowed(request)
        if isinstance(principal, Response):
            return principal
        today = datetime.now(UTC).date()
        until = _day(request.query_params.get("until"), today)
        since = _day(request.query_params.get("since"), until - timedelta(days=DEFAULT_DAYS))
        start = datetime.combine(since, time(), UTC)
        end = datetime.combine(until + timedelta(days=1), time(), UTC)
        data = await self.overviews.get(self.db, start, end)
        self._audit(principal, "dashboard.overview", set(), "OK")
        context = {
            "principal": principal,
            "since": since.isoformat(),
            "until": until.isoformat(),
            "overview": data,
            "computed_at": data.computed_at.strftime("%H:%M:%S UTC"),
            "cache_seconds": int(self.cache_seconds),
            "message": request.query_params.get("message"),
        }
        return self.templates.TemplateResponse(request, "overview.html", context)

    async def search(self, request: Request) -> Response:
        principal = await self._allowed(request)
        if isinstance(principal, Response):
            return principal
        query = (request.query_params.get("q") or "").strip()
        session_id = None
        if query.startswith("ses_"):
            session_id = query
        else:
            user_id = query if query.startswith("usr_") else None
            channel, sep, external = query.partition(":")
            if user_id is None and sep and principal.sees_pii:
                user_id = await resolve_identity(self.db, channel, external)
            if user_id:
                sessions = await user_sessions(self.db, user_id, 1)
                session_id = sessions[0].id if sessions else None
        if session_id is None:
            return RedirectResponse("/dashboard?message=No+session+found", 303)
        return RedirectResponse(f"/dashboard/sessions/{session_id}", 303)

    async def session_page(self, request: Request) -> Response:
        principal = await self._allowed(request)
        if isinstance(principal, Response):
            return principal
        session_id = request.path_params["session_id"]
        found = await timeline(
            self.db, session_id, principal.sees_pii, self.max_messages, self.brief_steps
        )
        self._audit(principal, "dashboard.session", {session_id}, "OK" if found else "NOT_FOUND")
        if found is None:
            return self.templates.TemplateResponse(
                request, "missing.html", {"session_id": session_id}, status_code=404
            )
        context = {"principal": principal, "t": found, "session": found.session}
        return self.templates.TemplateResponse(request, "session.html", context)

    async def login(self, request: Request) -> Response:
        target = request.query_params.get("next") or "/dashboard"
        if not target.startswith("/dashboard"):
            target = "/dashboard"
        if request.method == "GET":
            return self.templates.TemplateResponse(request, "login.html", {"next": target})
        form = await request.form()
        token = str(form.get("token") or "").strip()
        try:
            principal = await self.authenticator.authenticate(f"Bearer {token}")
        except UnauthenticatedError as error:
            context = {"next": target, "error": error.message}
            return self.templates.TemplateResponse(request, "login.html", context, status_code=401)
        if principal.role not in ROLES:
            context = {"next": target, "error": "the dashboard is for analysts and admins"}
            return self.templates.TemplateResponse(request, "login.html", context, status_code=403)
        session = await self.authenticator.open_dashboard_session(token, principal)
        response = RedirectResponse(target, 303)
        response.set_cookie(
            COOKIE,
            session,
            httponly=True,
            samesite="strict",
            # served over TLS here, or behind a TLS proxy (THREADLINE_PUBLIC_URL says https)
            secure=request.url.scheme == "https" or self.public_https,
            max_age=DASHBOARD_SESSION_SECONDS,
            path="/dashboard",
        )
        return response

    async def logout(self, request: Request) -> Response:
        session = dashboard_cookie(request.headers.get("cookie", ""))
        if session is not None:
            await self.authenticator.close_dashboard_session(session)
        response = RedirectResponse("/dashboard/login", 303)
        response.delete_cookie(COOKIE, path="/dashboard")
        return response
