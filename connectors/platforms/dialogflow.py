"""Dialogflow (ES and CX webhook requests), answered with a valid minimal response envelope.

`responseId` (ES) or the detect-intent id (CX) is the event id, `session` the thread, the
platform's user (when the request came through an integration) or the session the identity,
`queryResult.queryText` / `text` the text. Authenticated with a bearer token configured in the
agent's webhook headers (THREADLINE_DIALOGFLOW_TOKEN).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from connectors.platforms._bearer import BearerTokenWebhook
from connectors.platforms._payload import Payload, PlatformId, validated
from connectors.platforms.base import Stored, WebhookError, WebhookReply, WebhookRequest
from graph.domain.events import EventInput


class Named(Payload):
    display_name: str | None = Field(default=None, alias="displayName")


class QueryResult(Payload):
    query_text: str | None = Field(default=None, alias="queryText")
    intent: Named | None = None
    parameters: Any = None  # kept as metadata, whatever its shape


class SessionInfo(Payload):
    session: str | None = None
    parameters: Any = None


class Sender(Payload):
    id: PlatformId | None = None


class IntegrationData(Payload):
    sender: Sender | None = None


class IntegrationUser(Payload):
    user_id: PlatformId | None = Field(default=None, alias="userId")


class IntegrationPayload(Payload):
    data: IntegrationData | None = None
    user: IntegrationUser | None = None


class OriginalRequest(Payload):
    source: str | None = None
    payload: IntegrationPayload | None = None


class FulfillmentRequest(Payload):
    """A Dialogflow ES (`queryResult`) or CX (`sessionInfo`) webhook request."""

    session: str | None = None
    response_id: PlatformId | None = Field(default=None, alias="responseId")
    query_result: QueryResult | None = Field(default=None, alias="queryResult")
    detect_intent_response_id: PlatformId | None = Field(
        default=None, alias="detectIntentResponseId"
    )
    session_info: SessionInfo | None = Field(default=None, alias="sessionInfo")
    text: str | None = None
    transcript: str | None = None
    intent_info: Named | None = Field(default=None, alias="intentInfo")
    original: OriginalRequest | None = Field(default=None, alias="originalDetectIntentRequest")


@dataclass
class DialogflowConnector(BearerTokenWebhook):
    channel: str = "dialogflow"

    def parse(self, request: WebhookRequest) -> list[EventInput]:
        data = validated(FulfillmentRequest, request.json_object())
        if "query_result" in data.model_fields_set:  # ES
            query = data.query_result or QueryResult()
            session, event_id = data.session, data.response_id
            if not session or not event_id:
                raise WebhookError(400, "session and responseId are required")
            text = query.query_text
            intent = query.intent.display_name if query.intent else None
            params = query.parameters
        else:  # CX
            session = data.session_info.session if data.session_info else None
            if not session:
                raise WebhookError(400, "sessionInfo.session is missing")
            event_id = data.detect_intent_response_id or data.response_id
            if not event_id:
                raise WebhookError(400, "detectIntentResponseId is missing")
            text = data.text or data.transcript
            intent = data.intent_info.display_name if data.intent_info else None
            params = data.session_info.parameters if data.session_info else None
        original = data.original or OriginalRequest()
        payload = original.payload or IntegrationPayload()
        sender = (payload.data.sender.id if payload.data and payload.data.sender else None) or (
            payload.user.user_id if payload.user else None
        )
        meta = {"intent": intent, "parameters": params, "source": original.source}
        return [
            EventInput(
                event_id=event_id,
                channel=self.channel,
                external_user_id=str(sender or session.rsplit("/", 1)[-1]),
                thread_id=session,
                text=text or None,
                metadata={k: v for k, v in meta.items() if v},
            )
        ]

    def reply(
        self, request: WebhookRequest, stored: list[Stored], replies: Sequence[str] = ()
    ) -> WebhookReply:
        data = request.json_object()
        if "queryResult" in data:
            return WebhookReply.json({"fulfillmentText": ""})
        return WebhookReply.json({"fulfillmentResponse": {"messages": []}})
