"""Prometheus metrics at `/metrics`: what the service does, how long it takes, what it refuses.

- `threadline_operations_total{operation, outcome}` and `threadline_operation_seconds{operation}`:
  every GraphQL root field (query, mutation, subscription start) with its outcome — `OK` or the
  error code clients see — recorded where the audit trail records it.
- `threadline_events_total{channel, result}`: events through `ingestEvents` and the webhooks,
  `stored` or `duplicate` (a retried event id).
- `threadline_ingest_transaction_seconds` / `_events` / `_requests`: every group-commit write
  transaction (graph.pipeline.batcher), how long it took, how many events and requests it combined.
- `threadline_webhook_requests_total{channel, status}`, `threadline_rejected_requests_total{code}`
  (`/graphql` refused before GraphQL ran: 401, 413, 504), `threadline_live_subscribers`,
  `threadline_live_events_dropped_total` (with THREADLINE_LIVE_URL: events Redis did not take).

With `serve --workers N` every worker writes its samples to a directory the scrape aggregates
(`prometheus_client`'s multiprocess mode, `PROMETHEUS_MULTIPROC_DIR`, set up by `serve`), so any
worker answering `/metrics` reports the whole server. The endpoint needs an ADMIN bearer token
(dev mode: none), like every other operator surface.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client import REGISTRY as PROCESS_REGISTRY
from starlette.responses import JSONResponse, Response

from api.authentication import principal_of, refusal_of
from graph.domain.callers import CallerRole
from graph.domain.errors import UnauthenticatedError

if TYPE_CHECKING:
    from starlette.requests import Request

    from graph.pipeline.batcher import Commit

MULTIPROCESS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

OPERATIONS = Counter(
    "threadline_operations",
    "GraphQL root fields executed, by outcome (OK or the error code).",
    ["operation", "outcome"],
)
OPERATION_SECONDS = Histogram(
    "threadline_operation_seconds",
    "Time in a GraphQL root field's resolver.",
    ["operation"],
    buckets=LATENCY_BUCKETS,
)
EVENTS = Counter(
    "threadline_events",
    "Events accepted through ingestEvents and the webhooks: stored, or duplicate (a retry).",
    ["channel", "result"],
)
WEBHOOK_REQUESTS = Counter(
    "threadline_webhook_requests",
    "Webhook calls by channel and HTTP status.",
    ["channel", "status"],
)
REJECTED_REQUESTS = Counter(
    "threadline_rejected_requests",
    "/graphql requests refused before GraphQL ran (UNAUTHENTICATED, LIMIT_EXCEEDED, TIMEOUT).",
    ["code"],
)
INGEST_TRANSACTION_SECONDS = Histogram(
    "threadline_ingest_transaction_seconds",
    "Group-commit write transactions: how long each took.",
    buckets=LATENCY_BUCKETS,
)
INGEST_TRANSACTION_EVENTS = Histogram(
    "threadline_ingest_transaction_events",
    "Group-commit write transactions: how many events each wrote.",
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500),
)
INGEST_TRANSACTION_REQUESTS = Histogram(
    "threadline_ingest_transaction_requests",
    "Group-commit write transactions: how many requests each combined.",
    buckets=(1, 2, 4, 8, 16, 32, 64),
)
LIVE_EVENTS_DROPPED = Counter(
    "threadline_live_events_dropped",
    "Live events not sent to other processes: Redis unreachable or not keeping up.",
)
LIVE_SUBSCRIBERS = Gauge(
    "threadline_live_subscribers",
    "sessionEvents subscriptions open now.",
    multiprocess_mode="livesum",
)


def observe_commit(commit: Commit) -> None:
    """The batcher's observer: every write path (GraphQL, webhooks) commits through it."""
    INGEST_TRANSACTION_SECONDS.observe(commit.seconds)
    INGEST_TRANSACTION_EVENTS.observe(len(commit.events))
    INGEST_TRANSACTION_REQUESTS.observe(commit.requests)
    for event, result in zip(commit.events.events, commit.result.results, strict=True):
        EVENTS.labels(event.source.channel, "duplicate" if result.duplicate else "stored").inc()


def _registry() -> CollectorRegistry:
    if os.environ.get(MULTIPROCESS_DIR_ENV):  # several workers: read every worker's samples
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry
    return PROCESS_REGISTRY


class MetricsEndpoint:
    async def handle(self, request: Request) -> Response:
        refusal, principal = refusal_of(request.scope), principal_of(request.scope)
        if refusal is not None:
            raise refusal  # rendered from the error table: 401, or 503 while Neo4j is down
        if principal is None:
            raise UnauthenticatedError("missing bearer token (Authorization: Bearer <token>)")
        if principal.role is not CallerRole.ADMIN:
            return JSONResponse({"error": "metrics need the ADMIN role", "code": "FORBIDDEN"}, 403)
        return Response(generate_latest(_registry()), media_type=CONTENT_TYPE_LATEST)
