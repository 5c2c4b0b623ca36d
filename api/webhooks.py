"""`/webhooks/<channel>`: platform webhooks, verified and parsed by `connectors/`, stored through
the same `ingest_events` path as the GraphQL mutation (in-process).

Every refusal is a short 4xx with a reason and nothing written: unknown or disabled channel 404,
oversized body 413, wrong content type 415, bad signature 401/403, malformed payload 400.
Valid payloads that carry no events (statuses, unknown event types) get 200, so platforms do not
retry them forever. Failures a retry can fix (the database unavailable, enrichment failing) are
5xx with `Retry-After`, from the one error table (`graph.domain.errors.ErrorCode`): platforms retry
those, so the message is not lost.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api import metrics
from api.http_errors import as_threadline_error, error_response
from connectors.platforms.base import Stored, WebhookError, WebhookReply, WebhookRequest
from graph.domain.errors import ThreadlineError
from graph.domain.events import EventInput, fit_text
from graph.store.outbox import apply_updates, fail_pulled_replies, take_pulled_replies

if TYPE_CHECKING:
    from api.services import Services
    from connectors.platforms.base import Connector

WEBHOOK_OUTCOMES = {401: "UNAUTHENTICATED", 403: "FORBIDDEN", 413: "LIMIT_EXCEEDED"}

log = logging.getLogger("threadline.webhooks")


class BodyTooLargeError(WebhookError):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"body larger than {limit} bytes")


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise BodyTooLargeError(limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BodyTooLargeError(limit)
    return bytes(body)


def _response(reply: WebhookReply) -> Response:
    return Response(reply.body, reply.status, reply.headers, media_type=reply.content_type)


def _parse(connector: Connector, request: WebhookRequest) -> list[EventInput]:
    """The connector's events. Each connector checks the payload's shape with its typed model
    first; a field nested deeper than the model reaches that still has the wrong shape is the
    payload's fault too: 400, logged with its trace so the model can be tightened."""
    try:
        return connector.parse(request)
    except (TypeError, AttributeError, KeyError, ValueError, IndexError) as error:
        log.warning("webhook %s: malformed payload", connector.channel, exc_info=error)
        raise WebhookError(400, "malformed payload") from None


class WebhookEndpoint:
    """One Starlette endpoint serving every connector."""

    def __init__(self, services: Services) -> None:
        self.audit = services.audit
        self.connectors = services.connectors
        self.batcher = services.batcher
        self.max_bytes = services.settings.webhook_max_bytes
        self.max_text_bytes = services.settings.max_text_bytes

    def _audit(self, channel: str, outcome: str, sessions: set[str]) -> None:
        self.audit.record(f"webhook:{channel}", "connector", "webhook", sessions, outcome)

    async def handle(self, request: Request) -> Response:
        channel = request.path_params["channel"]
        response = await self._handle(request, channel)
        known = channel if channel in self.connectors else "unknown"  # labels stay few
        metrics.WEBHOOK_REQUESTS.labels(known, str(response.status_code)).inc()
        return response

    async def _store(self, connector: Connector, incoming: WebhookRequest) -> list[Stored]:
        """The request's events stored, and its status reports of our replies applied."""
        events = [fit_text(e, self.max_text_bytes) for e in _parse(connector, incoming)]
        if updates := connector.delivery_updates(incoming):
            await apply_updates(self.batcher.db, updates)  # replies we sent: delivered...
        if not events:
            return []
        result = await self.batcher.ingest(events)
        return [Stored(r.event_id, r.session_id, r.seq, r.duplicate) for r in result.results]

    async def _answer(
        self, connector: Connector, incoming: WebhookRequest, stored: list[Stored]
    ) -> WebhookReply:
        """The platform's answer, with the replies waiting for it when it pulls them (a call's
        next TwiML says them)."""
        pulled = connector.pulled_replies(incoming, stored)
        replies: list[str] = []
        if pulled is not None and pulled.ended:
            await fail_pulled_replies(
                self.batcher.db,
                pulled.session_id,
                connector.channel,
                "the call ended before it was said",
            )
        elif pulled is not None:
            replies = await take_pulled_replies(
                self.batcher.db, pulled.session_id, connector.channel, pulled.platform_id
            )
        return connector.reply(incoming, stored, replies)

    async def _handle(self, request: Request, channel: str) -> Response:
        connector = self.connectors.get(channel)
        if connector is None or not connector.enabled:
            return JSONResponse({"error": f"no enabled connector {channel!r}"}, 404)
        try:
            incoming = WebhookRequest(
                method=request.method,
                url=str(request.url),
                headers={k.lower(): v for k, v in request.headers.items()},
                query=dict(request.query_params),
                body=await read_body(request, self.max_bytes),
            )
            if (handshake := connector.handshake(incoming)) is not None:
                return _response(handshake)
            if request.method != "POST":
                return JSONResponse({"error": "use POST"}, 405)
            if connector.verify_blocks:  # may fetch over the network
                await asyncio.to_thread(connector.verify, incoming)
            else:
                connector.verify(incoming)
            stored = await self._store(connector, incoming)
            self._audit(channel, "OK", {s.session_id for s in stored})
            return _response(await self._answer(connector, incoming, stored))
        except WebhookError as error:
            log.info("webhook %s refused: %s", channel, error.reason)
            self._audit(channel, WEBHOOK_OUTCOMES.get(error.status, "BAD_INPUT"), set())
            return JSONResponse({"error": error.reason}, error.status)
        except Exception as error:  # every other failure is answered from the error table
            known = as_threadline_error(error)
            if known is None:  # a bug: 500 (platforms retry it) and the trace in the log
                log.exception("webhook %s failed", channel)
                known = ThreadlineError("internal error")
            else:
                log.info("webhook %s: %s %s", channel, known.code, known.message)
            self._audit(channel, known.code, set())
            return error_response(known)
