"""The Starlette application: `/graphql`, `/healthz` (process up), `/readyz` (Neo4j + schema)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
from collections.abc import AsyncIterator
from typing import Any, cast

import orjson
from neo4j.exceptions import DriverError, Neo4jError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.types import Lifespan
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.types.unset import UNSET, UnsetType

from api import metrics
from api.authentication import Authentication
from api.dashboard import Dashboard
from api.endpoint import GraphQLEndpoint
from api.http_errors import handle_error
from api.request import RequestContext
from api.schema import build_schema
from api.webhooks import WebhookEndpoint
from connectors.base import Connector
from connectors.registry import build_connectors
from graph.compliance.audit import AuditLog
from graph.compliance.auth import Authenticator
from graph.config import Settings
from graph.domain.errors import ThreadlineError, UnauthenticatedError
from graph.live.redis_bus import RedisBus
from graph.pipeline.batcher import IngestBatcher
from graph.pipeline.enrich import enricher_for
from graph.store.database import Database
from graph.store.lifecycle import Timers, channel_timers, sweep_forever
from graph.store.schema import migrate, missing_schema

log = logging.getLogger("threadline.api")

# set by `threadline serve --workers N --dev` for its worker processes (see app_from_environment)
SERVE_DEV_ENV = "THREADLINE_SERVE_DEV"


class ThreadlineGraphQL(GraphQL[RequestContext, None]):
    def __init__(
        self,
        db: Database,
        batcher: IngestBatcher,
        authenticator: Authenticator,
        audit: AuditLog,
        *,
        graphiql: bool,
    ) -> None:
        super().__init__(build_schema(dev=graphiql), graphql_ide="graphiql" if graphiql else None)
        self.db = db
        self.batcher = batcher
        self.authenticator = authenticator
        self.audit = audit

    async def get_context(self, request: Request | WebSocket, response: Any) -> RequestContext:
        principal = request.scope.get("state", {}).get("principal")
        return RequestContext(
            self.db, self.batcher, self.audit, principal, websocket=isinstance(request, WebSocket)
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

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)


def create_app(settings: Settings, *, dev: bool = False, apply_schema: bool = True) -> Starlette:
    """Build the app; the driver opens at start-up (migrating the schema) and closes at stop."""
    db = Database.from_settings(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if apply_schema:
            count = await migrate(db)
            log.info("schema applied (%d statements) on %s", count, settings.neo4j_uri)
        auditor = asyncio.create_task(audit.run())
        # Everything loaded so far (schema, enrichment pipeline, driver) lives as long as the
        # process: keep it out of the cyclic GC, whose full collections otherwise scanned it all
        # (~45 ms pauses, the p99 of a loaded server). Refcounting still frees it as usual; only
        # reference cycles among these objects stay (e.g. the first enrichment pipeline once it
        # is rebuilt: ~7 MB for the rule-based one).
        gc.collect()
        gc.freeze()
        sweeper = None
        if settings.sweep_interval_seconds > 0:
            sweeper = asyncio.create_task(
                sweep_forever(
                    db,
                    Timers.from_settings(settings),
                    settings.sweep_interval_seconds,
                    channel_timers(settings),
                )
            )
        try:
            yield
        finally:
            for task in (sweeper, auditor):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            await db.close()

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        try:
            await db.ping()
            missing = await missing_schema(db)
        except (DriverError, Neo4jError, OSError) as error:
            # the cause goes to the log, not to whoever asks: it names the database's address
            log.warning("readyz: Neo4j unavailable: %s", error)
            return JSONResponse({"status": "unavailable"}, status_code=503)
        if missing:
            return JSONResponse({"status": "migrating", "missing": missing}, status_code=503)
        return JSONResponse({"status": "ready"})

    enricher = enricher_for(settings)
    if enricher is not None:
        log.info("enrichment: %s", enricher.version)
    batcher = IngestBatcher(db, enricher, metrics.observe_commit)  # group commit for all writes
    if isinstance(db.live, RedisBus):
        db.live.on_dropped = metrics.LIVE_EVENTS_DROPPED.inc
    authenticator = Authenticator(db, settings)
    audit = AuditLog(db)
    graphql = ThreadlineGraphQL(db, batcher, authenticator, audit, graphiql=dev)
    endpoint = GraphQLEndpoint(graphql, settings, dev=dev)
    if dev:
        log.warning(
            "DEV MODE: requests without a bearer token act as an unauthenticated ADMIN, "
            "GraphiQL and introspection are on. Never expose this server."
        )
    connectors = build_connectors(settings)
    _log_webhook_modes(settings, connectors)
    webhooks = WebhookEndpoint(
        connectors, batcher, settings.webhook_max_bytes, settings.max_text_bytes, audit
    )
    dashboard = Dashboard(db, authenticator, audit, dev=dev)
    return _starlette(
        db,
        [
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/graphql", endpoint, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", endpoint),  # subscriptions (graphql-transport-ws)
            Route("/webhooks/{channel}", webhooks.handle, methods=["GET", "POST"]),
            Route("/metrics", metrics.MetricsEndpoint().handle),
            *dashboard.routes(),
        ],
        lifespan,
        authenticator,
        dev=dev,
    )


def _log_webhook_modes(settings: Settings, connectors: dict[str, Connector]) -> None:
    enabled = sorted(name for name, c in connectors.items() if c.enabled)
    if settings.insecure_webhooks:
        log.warning("THREADLINE_INSECURE_WEBHOOKS=1: webhooks accept UNSIGNED requests")
    elif settings.alexa_skill_id and not settings.alexa_verify_signatures:
        log.warning(
            "THREADLINE_ALEXA_VERIFY_SIGNATURES=false: Alexa requests are NOT checked against "
            "Amazon's signature (skill id and timestamp only) - offline tests only"
        )
    log.info("webhooks enabled: %s", ", ".join(enabled) or "none")


def _starlette(
    db: Database,
    routes: list[BaseRoute],
    lifespan: Lifespan[Starlette],
    authenticator: Authenticator,
    *,
    dev: bool,
) -> Starlette:
    handlers = {ThreadlineError: handle_error, Exception: handle_error}
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers=handlers,
        middleware=[Middleware(Authentication, authenticator=authenticator, dev=dev)],
    )
    app.state.db = db  # the app's one database handle (tests close it when they skip lifespan)
    return app


def app_from_environment() -> Starlette:
    """The app of each worker process of `threadline serve --workers N` (a uvicorn factory):
    settings from the environment, the schema already migrated by the parent process."""
    settings = Settings()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    return create_app(settings, dev=os.environ.get(SERVE_DEV_ENV) == "1", apply_schema=False)
