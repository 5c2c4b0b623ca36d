"""Alexa (Alexa Skills Kit request envelopes), answered with a valid minimal response envelope.

`request.requestId` is the event id, the Alexa user the identity, `session.sessionId` the
thread; an IntentRequest becomes text (`intent name` and `slot=value` pairs, slots also kept as
metadata); LaunchRequest and SessionEndedRequest are session metadata. Requests must name our
skill (THREADLINE_ALEXA_SKILL_ID), be at most 150 s old, and carry Amazon's signature over the
body, checked against the certificate chain it names (`_alexa_signature.py`). With
THREADLINE_ALEXA_VERIFY_SIGNATURES=false (offline tests only, logged loudly at start-up) only
the skill id and the timestamp are checked.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import Field

from connectors.platforms._alexa_signature import AlexaSignatureVerifier
from connectors.platforms._common import from_iso
from connectors.platforms._payload import Payload, PlatformId, validated
from connectors.platforms._signatures import require_equal
from connectors.platforms.base import (
    ConnectorDefaults,
    Stored,
    WebhookError,
    WebhookReply,
    WebhookRequest,
)
from graph.domain.events import EventInput

ALEXA_MAX_AGE_SECONDS = 150


class Application(Payload):
    application_id: str | None = Field(default=None, alias="applicationId")


class AlexaUser(Payload):
    user_id: PlatformId | None = Field(default=None, alias="userId")


class AlexaSession(Payload):
    session_id: PlatformId | None = Field(default=None, alias="sessionId")
    application: Application | None = None
    user: AlexaUser | None = None


class AlexaSystem(Payload):
    application: Application | None = None
    user: AlexaUser | None = None


class AlexaContext(Payload):
    system: AlexaSystem | None = Field(default=None, alias="System")


class Slot(Payload):
    value: Any = None


class Intent(Payload):
    name: str | None = None
    slots: dict[str, Slot | None] | None = None


class AlexaRequest(Payload):
    type: str
    request_id: PlatformId = Field(alias="requestId")
    timestamp: str | None = None
    intent: Intent | None = None
    dialog_state: str | None = Field(default=None, alias="dialogState")
    reason: str | None = None


class AlexaEnvelope(Payload):
    """An Alexa Skills Kit request envelope."""

    session: AlexaSession | None = None
    context: AlexaContext | None = None
    request: AlexaRequest

    @property
    def application_id(self) -> str | None:
        for application in (
            self.session.application if self.session else None,
            self.context.system.application if self.context and self.context.system else None,
        ):
            if application is not None and application.application_id:
                return application.application_id
        return None

    @property
    def user_id(self) -> str | None:
        for user in (
            self.session.user if self.session else None,
            self.context.system.user if self.context and self.context.system else None,
        ):
            if user is not None and user.user_id:
                return user.user_id
        return None


def _slots(intent: Intent) -> dict[str, Any]:
    return {name: slot.value if slot else None for name, slot in (intent.slots or {}).items()}


@dataclass
class AlexaConnector(ConnectorDefaults):
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
        envelope = validated(AlexaEnvelope, request.json_object())
        if self.skill_id:
            require_equal(envelope.application_id, self.skill_id, "skill id")
        elif not self.insecure:
            raise WebhookError(403, "no skill id configured")
        stamp = from_iso(envelope.request.timestamp)
        if not self.insecure and (
            stamp is None or abs(self.clock() - stamp.timestamp()) > ALEXA_MAX_AGE_SECONDS
        ):
            raise WebhookError(400, "request timestamp is more than 150 s off")
        if not self.insecure and self.signatures is not None:
            self.signatures.verify(request.body, request.headers)

    def parse(self, request: WebhookRequest) -> list[EventInput]:
        envelope = validated(AlexaEnvelope, request.json_object())
        body = envelope.request
        user = envelope.user_id
        if not user:
            raise WebhookError(400, "no Alexa user id")
        if not body.type or not body.request_id:
            raise WebhookError(400, "request.type and request.requestId are required")
        meta: dict[str, Any] = {"requestType": body.type}
        text = None
        if body.type == "IntentRequest":
            intent = body.intent or Intent()
            slots = _slots(intent)
            meta |= {"intent": intent.name, "slots": slots}
            if body.dialog_state:
                meta["dialogState"] = body.dialog_state
            pairs = " ".join(f"{k}={v}" for k, v in slots.items() if v not in (None, ""))
            text = f"{intent.name or 'intent'} {pairs}".strip()
        elif body.type == "SessionEndedRequest":
            meta["reason"] = body.reason
        return [
            EventInput(
                event_id=body.request_id,
                channel=self.channel,
                external_user_id=user,
                thread_id=envelope.session.session_id if envelope.session else None,
                text=text,
                occurred_at=from_iso(body.timestamp),
                metadata=meta,
            )
        ]

    def reply(
        self, request: WebhookRequest, stored: list[Stored], replies: Sequence[str] = ()
    ) -> WebhookReply:
        ended = validated(AlexaEnvelope, request.json_object()).request.type == (
            "SessionEndedRequest"
        )
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
