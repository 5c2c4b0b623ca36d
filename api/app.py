"""The Starlette application: `/graphql`, `/healthz` (process up), `/readyz` (Neo4j + schema)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import orjson
from neo4j.exceptions import DriverError, Neo4jError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from api.request import RequestContext
from api.schema import build_schema
from api.webhooks import WebhookEndpoint
from connectors.registry import build_connectors
from graph.annotations import enricher_for
from graph.batcher import IngestBatcher
from graph.database import Database
from graph.lifecycle import sweep_forever
from graph.schema import migrate, missing_schema
from graph.settings import Settings

log = logging.getLogger("threadline.api")


class ThreadlineGraphQL(GraphQL[RequestContext, None]):
    def __init__(self, db: Database, batcher: IngestBatcher, *, graphiql: bool) -> None:
        super().__init__(build_schema(), graphql_ide="graphiql" if graphiql else None)
        self.db = db
        self.batcher = batcher

    async def get_context(self, request: Request | WebSocket, response: Any) -> RequestContext:
        return RequestContext(self.db, self.batcher)

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
        sweeper = None
        if settings.sweep_interval_seconds > 0:
            sweeper = asyncio.create_task(
                sweep_forever(
                    db,
                    settings.timers(),
                    settings.sweep_interval_seconds,
                    settings.channel_timer_overrides(),
                )
            )
        try:
            yield
        finally:
            if sweeper is not None:
                sweeper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sweeper
            await db.close()

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        try:
            await db.driver.verify_connectivity()
            missing = await missing_schema(db)
        except (DriverError, Neo4jError, OSError) as error:
            return JSONResponse({"status": "unavailable", "neo4j": str(error)}, status_code=503)
        if missing:
            return JSONResponse({"status": "migrating", "missing": missing}, status_code=503)
        return JSONResponse({"status": "ready"})

    enricher = enricher_for(settings)
    if enricher is not None:
        log.info("enrichment: %s", enricher.version)
    batcher = IngestBatcher(db, enricher)  # group commit for every write path
    graphql = ThreadlineGraphQL(db, batcher, graphiql=dev)
    connectors = build_connectors(settings)
    enabled = sorted(name for name, c in connectors.items() if c.enabled)
    if settings.insecure_webhooks:
        log.warning("THREADLINE_INSECURE_WEBHOOKS=1: webhooks accept UNSIGNED requests")
    log.info("webhooks enabled: %s", ", ".join(enabled) or "none")
    webhooks = WebhookEndpoint(connectors, batcher, settings.webhook_max_bytes)
    return Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),  # subscriptions (graphql-transport-ws)
            Route("/webhooks/{channel}", webhooks.handle, methods=["GET", "POST"]),
        ],
        lifespan=lifespan,
    )
