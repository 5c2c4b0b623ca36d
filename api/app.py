"""The Starlette application: `/graphql`, `/healthz` (process up), `/readyz` (Neo4j + schema)."""

from __future__ import annotations

import contextlib
import functools
import logging
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, cast

import orjson
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import Scope
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.types.unset import UNSET, UnsetType

from api import graphiql_assets, json_requests, metrics
from api.authentication import Authentication
from api.dashboard import Dashboard
from api.endpoint import GraphQLEndpoint
from api.http_errors import handle_error, retry_headers
from api.http_protocol import use_header_timeout
from api.index_page import index
from api.request import RequestContext
from api.schema import build_schema
from api.services import Services
from api.webhooks import WebhookEndpoint
from graph.config import Settings
from graph.domain.errors import (
    ErrorCode,
    Neo4jUnavailableError,
    ThreadlineError,
    UnauthenticatedError,
)
from graph.store.database import Database
from graph.store.schema import missing_schema

log = logging.getLogger("threadline.api")

# set by `threadline serve --workers N --dev` for its worker processes (see app_from_environment)
SERVE_DEV_ENV = "THREADLINE_SERVE_DEV"


class TextFrames(ASGIWebSocketAdapter):
    """graphql-transport-ws messages as text frames, as the protocol requires: the JSON encoder
    gives bytes (orjson), which strawberry would send as binary frames — browsers then hand the
    client a Blob and graphql-ws (the web SDK's and Apollo's) cannot read it."""

    async def send_json(self, message: Any) -> None:
        try:
            await self.ws.send_text(orjson.dumps(message).decode())
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


class ThreadlineGraphQL(GraphQL[RequestContext, None]):
    websocket_adapter_class = TextFrames

    def __init__(self, services: Services) -> None:
        dev = services.dev
        super().__init__(
            build_schema(dev=dev),
            graphql_ide="graphiql" if dev else None,
            # pages of THREADLINE_CORS_ORIGINS subscribe too (other origins' sockets are refused)
            allowed_origins=services.settings.cors_origin_list(),
        )
        self.db = services.db
        self.batcher = services.batcher
        self.authenticator = services.authenticator
        self.audit = services.audit
        self.max_context_messages = services.settings.max_context_messages
        self.analytics_limits = services.settings.analytics_limits()
        self.attribute_policies = services.settings.write_rules().attribute_policies
        self.conversation_rules = services.conversation_rules
        self.outbox = services.outbox
        self.user_attribute_names = services.settings.user_attribute_names()
        self.question_enricher = services.question_enricher

    async def get_context(self, request: Request | WebSocket, response: Any) -> RequestContext:
        return self.context_for(request.scope, websocket=isinstance(request, WebSocket))

    def context_for(self, scope: Scope, *, websocket: bool) -> RequestContext:
        """A request's context: the principal authentication left in its scope."""
        principal = scope.get("state", {}).get("principal")
        return RequestContext(
            self.db,
            self.batcher,
            self.audit,
            self.max_context_messages,
            self.analytics_limits,
            self.attribute_policies,
            principal,
            websocket=websocket,
            enricher=self.batcher.enricher,
            question_enricher=self.question_enricher,
            embedder=self.batcher.embedder,
            conversation_rules=self.conversation_rules,
            outbox=self.outbox,
            authenticator=self.authenticator,
            user_attribute_names=self.user_attribute_names,
        )

    async def on_ws_connect(self, context: RequestContext) -> UnsetType | dict[str, object] | None:
        """WebSocket clients without an Authorization header send it in connection_init."""
        if context.principal is None:
            params = context.connection_params or {}
            token = params.get("Authorization") or params.get("authorization")
            try:
                context.principal = await self.authenticator.authenticate(
                    token if isinstance(token, str) else None
                )
            except UnauthenticatedError as error:
                raise ConnectionRejectionError({"code": "UNAUTHENTICATED"}) from error
        return cast(UnsetType, UNSET)

    @property
    def graphql_ide_html(self) -> str:
        """GraphiQL, with its scripts from this server when they were fetched at install."""
        html = super().graphql_ide_html
        return graphiql_assets.offline_page(html) if graphiql_assets.available() else html

    def is_websocket_origin_allowed(self, request: Any, origin: str) -> bool:
        """The listed origins (any with THREADLINE_CORS_ALLOW_ANY_ORIGIN), never `null`: a
        sandboxed frame or a local file could then act as any page."""
        return origin.strip().lower() != "null" and super().is_websocket_origin_allowed(
            request, origin
        )

    @staticmethod
    def met_an_outage(response_data: Any) -> bool:
        return _met_an_outage(response_data)

    def create_response(self, response_data: Any, sub_response: Response) -> Response:
        """An answer that met a database outage is HTTP 503 with `Retry-After`, as one before
        authentication is (a warm key cache let the request in): one answer for one outage."""
        response = super().create_response(response_data, sub_response)
        if _met_an_outage(response_data):
            response.status_code = ErrorCode.UNAVAILABLE.http_status
            response.headers.update(retry_headers(ErrorCode.UNAVAILABLE))
        return response

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)


def _met_an_outage(response_data: Any) -> bool:
    errors = response_data.get("errors") if isinstance(response_data, dict) else None
    return any(
        (error.get("extensions") or {}).get("code") == ErrorCode.UNAVAILABLE
        for error in errors or []
    )


def create_app(settings: Settings, *, dev: bool = False, apply_schema: bool = True) -> Starlette:
    """Build the app from its services; the driver opens at start-up (migrating the schema
    unless `apply_schema` is off) and closes at stop."""
    services = Services.build(settings, dev=dev)
    view = ThreadlineGraphQL(services)
    graphql = GraphQLEndpoint(
        view, settings, dev=dev, answer_plain=functools.partial(json_requests.answer, view)
    )
    webhooks = WebhookEndpoint(services)
    dashboard = Dashboard(services)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with services.running(apply_schema=apply_schema):
            yield

    app = Starlette(
        routes=[
            Route("/", index),
            Mount(
                graphiql_assets.MOUNT,
                StaticFiles(directory=graphiql_assets.STATIC, check_dir=False),
            ),
            Route("/healthz", healthz),
            Route("/readyz", Readiness(services.db).check),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),  # subscriptions (graphql-transport-ws)
            Route("/webhooks/{channel}", webhooks.handle, methods=["GET", "POST"]),
            Route("/metrics", metrics.MetricsEndpoint().handle),
            *dashboard.routes(),
        ],
        lifespan=lifespan,
        exception_handlers={ThreadlineError: handle_error, Exception: handle_error},
        middleware=[
            *_cors(settings),
            Middleware(Authentication, authenticator=services.authenticator, dev=dev),
        ],
    )
    app.state.db = services.db  # the app's one database handle (tests close it without lifespan)
    return app


def _cors(settings: Settings) -> list[Middleware]:
    """THREADLINE_CORS_ORIGINS: the web pages that may call /graphql from a browser (the web
    SDK with a user token). None by default. The same origins may open the live WebSocket
    (`ThreadlineGraphQL`: a socket from any other page's origin is refused)."""
    origins = settings.cors_origin_list()
    if not origins:
        return []
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_credentials=False,  # bearer tokens in a header; never cookies across sites
            allow_methods=["GET", "POST"],
            allow_headers=["authorization", "content-type"],
            max_age=600,
        )
    ]


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


@dataclass(frozen=True)
class Readiness:
    db: Database

    async def check(self, request: Request) -> Response:
        try:
            await self.db.ping()
            missing = await missing_schema(self.db)
        except Neo4jUnavailableError as error:
            # the cause goes to the log, not to whoever asks: it names the database's address
            log.warning("readyz: Neo4j unavailable: %s", error.__cause__ or error)
            return JSONResponse({"status": "unavailable"}, status_code=503)
        if missing:
            return JSONResponse({"status": "migrating", "missing": missing}, status_code=503)
        return JSONResponse({"status": "ready"})


def app_from_environment() -> Starlette:
    """The app of each worker process of `threadline serve --workers N` (a uvicorn factory):
    settings from the environment, the schema already migrated by the parent process."""
    settings = Settings()
    use_header_timeout(settings.header_timeout_seconds)
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    return create_app(settings, dev=os.environ.get(SERVE_DEV_ENV) == "1", apply_schema=False)
