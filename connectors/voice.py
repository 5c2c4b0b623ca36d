"""Voice assistants: `alexa` (Alexa Skills Kit request envelopes) and `dialogflow` (Dialogflow ES
and CX webhook requests). Both answer with a valid minimal response envelope.

Alexa: `request.requestId` is the event id, the Alexa user the identity, `session.sessionId` the
thread; an IntentRequest becomes text (`intent name` and `slot=value` pairs, slots also kept as
metadata); LaunchRequest and SessionEndedRequest are session metadata. Requests must name our
skill (THREADLINE_ALEXA_SKILL_ID), be at most 150 s old, and carry Amazon's signature over the
body, checked against the certificate chain it names (`connectors/_alexa_signature.py`). With
THREADLINE_ALEXA_VERIFY_SIGNATURES=false (offline tests only, logged loudly at start-up) only
the skill id and the timestamp are checked.

Dialogflow: `responseId` (ES) or the detect-intent id (CX) is the event id, `session` the thread,
the platform's user (when the request came through an integration) or the session the identity,
`queryResult.queryText` / `text` the text. Authenticated with a bearer token configured in the
agent's webhook headers (THREADLINE_DIALOGFLOW_TOKEN).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from connectors._alexa_signature import AlexaSignatureVerifier
from connectors._bearer import BearerTokenWebhook
from connectors._common import from_iso, need
from connectors._signatures import require_equal
from connectors.base import Stored, WebhookError, WebhookReply, WebhookRequest
from graph.events import EventInput

ALEXA_MAX_AGE_SECONDS = 150


def _slots(intent: dict[str, Any]) -> dict[str, Any]:
    slots = intent.get("slots") or {}
    return {name: (slot or {}).get("value") for name, slot in slots.items()}


@dataclass
class AlexaConnector:
    skill_id: str | None
    insecure: bool = False
    channel: str = "alexa"
    clock: Any = field(default=time.time)
    signatures: AlexaSignatureVerifier | None = None  # None: offline tests only
    verify_blocks: bool = True  # may fetch Amazon's certificate chain: run off the event loop

    @property
    def enabled(self) -> bool:
        return self.insecure or bool(self.skill_id)

    def handshake(self, request: WebhookRequest) -> WebhookReply | None:
        return None

    def verify(self, request: WebhookRequest) -> None:
        data = request.json_object()
        system = (data.get("context") or {}).get("System") or {}
        application = (
            (data.get("session") or {}).get("application") or system.get("application") or {}
        ).get("applicationId")
        if self.skill_id:
            require_equal(application, self.skill_id, "skill id")
        elif not self.insecure:
            raise WebhookError(403, "no skill id configured")
        stamp = from_iso((data.get("request") or {}).get("timestamp"))
        if not self.insecure and (
            stamp is None or abs(self.clock() - stamp.timestamp()) > ALEXA_MAX_AGE_SECONDS
        ):
            raise WebhookError(400, "request timestamp is more than 150 s off")
        if not self.insecure and self.signatures is not None:
            self.signatures.verify(request.body, request.headers)

    def parse(self, request: WebhookRequest) -> list[EventInput]:
        data = request.json_object()
        body = data.get("request") or {}
        session = data.get("session") or {}
        system = (data.get("context") or {}).get("System") or {}
        user = (session.get("user") or system.get("user") or {}).get("userId")
        if not user:
            raise WebhookError(400, "no Alexa user id")
        kind = need(body, "type", "request")
        meta: dict[str, Any] = {"requestType": kind}
        text = None
        if kind == "IntentRequest":
            intent = body.get("intent") or {}
            slots = _slots(intent)
            meta |= {"intent": intent.get("name"), "slots": slots}
            if body.get("dialogState"):
                meta["dialogState"] = body["dialogState"]
            pairs = " ".join(f"{k}={v}" for k, v in slots.items() if v not in (None, ""))
            text = f"{intent.get('name', 'intent')} {pairs}".strip()
        elif kind == "SessionEndedRequest":
            meta["reason"] = body.get("reason")
        return [
            EventInput(
                event_id=str(need(body, "requestId", "request")),
                channel=self.channel,
                external_user_id=str(user),
                thread_id=session.get("sessionId"),
                text=text,
                occurred_at=from_iso(body.get("timestamp")),
                metadata=meta,
            )
        ]

    def reply(self, request: WebhookRequest, stored: list[Stored]) -> WebhookReply:
        ended = (request.json_object().get("request") or {}).get("type") == "SessionEndedRequest"
        if ended:  # Alexa ignores any speech here
            return WebhookReply.json({"version": "1.0", "response": {}})
        return WebhookReply.json(
            {
                "version": "1.0",
                "response": {
                    "outputSpeech": {"type": "PlainText", "text": "OK."},
                    "shouldEndSession": False,
                },
            }
        )


@dataclass
class DialogflowConnector(BearerTokenWebhook):
    channel: str = "dialogflow"

    def parse(self, request: WebhookRequest) -> list[EventInput]:
        data = request.json_object()
        if "queryResult" in data:  # ES
            query = data["queryResult"] or {}
            session = str(need(data, "session", "request"))
            event_id = str(need(data, "responseId", "request"))
            text = query.get("queryText")
            intent = (query.get("intent") or {}).get("displayName")
            params = query.get("parameters")
        else:  # CX
            session = str(need(data, "sessionInfo", "request").get("session", ""))
            if not session:
                raise WebhookError(400, "sessionInfo.session is missing")
            event_id = str(
                data.get("detectIntentResponseId") or need(data, "responseId", "request")
            )
            text = data.get("text") or data.get("transcript")
            intent = (data.get("intentInfo") or {}).get("displayName")
            params = (data.get("sessionInfo") or {}).get("parameters")
        original = data.get("originalDetectIntentRequest") or {}
        payload = original.get("payload") or {}
        sender = ((payload.get("data") or {}).get("sender") or {}).get("id") or (
            (payload.get("user") or {}).get("userId")
        )
        meta = {"intent": intent, "parameters": params, "source": original.get("source")}
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

    def reply(self, request: WebhookRequest, stored: list[Stored]) -> WebhookReply:
        data = request.json_object()
        if "queryResult" in data:
            return WebhookReply.json({"fulfillmentText": ""})
        return WebhookReply.json({"fulfillmentResponse": {"messages": []}})
