"""`phone`: phone calls through Twilio Voice (`/webhooks/phone`), answered with TwiML.

Every request is a form post signed like SMS (`X-Twilio-Signature` over the URL Twilio called and
the sorted parameters). A call:
- starts (`CallSid`, `From`, `To`, no speech): a text-less event (`call started`) creates or
  continues the caller's session — `From` in E.164 is the identity, the same number as an SMS
  sender's, so a caller who texted before is the same person — and the answer is `<Gather
  input="speech">` (after the greeting, THREADLINE_PHONE_GREETING);
- speaks (`SpeechResult` from that `<Gather>`): a USER message (event id: Twilio's
  `I-Twilio-Idempotency-Token`, which its retries repeat, else a hash of the call and the
  words); the answer says what the bot or agent replied (`sendMessage` on `phone`: BOT/AGENT
  messages already stored, spoken with `<Say>` and marked SENT), then listens again. When no reply
  is there yet the call waits a second and asks again (`<Redirect>`, up to 5 times);
- ends (`CallStatus` completed, busy, failed, no-answer, canceled): a text-less `call ended`
  event.
The thread is `To:From`, as for SMS.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit
from xml.sax.saxutils import escape, quoteattr

from connectors.platforms._common import need
from connectors.platforms.base import PulledReplies, Stored, WebhookReply, WebhookRequest
from connectors.platforms.sms import TwilioSmsConnector
from graph.domain.events import EventInput
from graph.domain.outbox import DeliveryUpdate

ENDED = {"completed", "busy", "failed", "no-answer", "canceled"}
MAX_POLLS = 5
DEFAULT_GREETING = "Hello, how can we help you?"


def twiml(*verbs: str) -> WebhookReply:
    body = '<?xml version="1.0" encoding="UTF-8"?><Response>' + "".join(verbs) + "</Response>"
    return WebhookReply(200, body.encode(), "text/xml")


def say(text: str) -> str:
    return f"<Say>{escape(text)}</Say>"


@dataclass
class TwilioVoiceConnector(TwilioSmsConnector):
    channel: str = "phone"
    greeting: str = DEFAULT_GREETING

    def delivery_updates(self, request: WebhookRequest) -> list[DeliveryUpdate]:
        return []  # a call's status is an event of the call, not a reply's delivery

    def pulled_replies(self, request: WebhookRequest, stored: list[Stored]) -> PulledReplies | None:
        """Twilio asks for our replies at each turn of the call: those waiting in its session
        are said now (and fail once the call has ended)."""
        session = self.session_of(request, stored)
        if session is None:
            return None
        return PulledReplies(session, self.call_of(request), ended=self.call_ended(request))

    def parse(self, request: WebhookRequest) -> list[EventInput]:
        params = self._params(request)
        call = need(params, "CallSid", "form")
        caller, called = need(params, "From", "form"), need(params, "To", "form")
        common: dict[str, Any] = {
            "channel": self.channel,
            "external_user_id": caller,
            "thread_id": f"{called}:{caller}",
        }
        status = params.get("CallStatus", "").lower()
        if status in ENDED:
            meta = {"call": call, "callStatus": status, "duration": params.get("CallDuration")}
            return [EventInput(event_id=f"{call}:end", metadata=_present(meta), **common)]
        speech = params.get("SpeechResult")
        if speech:
            token = request.headers.get("i-twilio-idempotency-token")
            digest = hashlib.sha256(f"{call}\n{speech}".encode()).hexdigest()[:24]
            meta = {"call": call, "confidence": params.get("Confidence")}
            return [
                EventInput(
                    event_id=token or f"{call}:{digest}",
                    text=speech,
                    metadata=_present(meta),
                    **common,
                )
            ]
        if "poll" in request.query:
            return []  # waiting for the bot's answer: nothing new from the caller
        meta = {
            "call": call,
            "callStatus": status or "ringing",
            "direction": params.get("Direction"),
            "callerCountry": params.get("CallerCountry"),
        }
        return [EventInput(event_id=f"{call}:start", metadata=_present(meta), **common)]

    def call_ended(self, request: WebhookRequest) -> bool:
        return self._params(request).get("CallStatus", "").lower() in ENDED

    def call_of(self, request: WebhookRequest) -> str | None:
        return self._params(request).get("CallSid")

    def session_of(self, request: WebhookRequest, stored: list[Stored]) -> str | None:
        """The call's session: from what was just stored, or named in a poll's URL."""
        if stored:
            return stored[0].session_id
        return request.query.get("session")

    def voice_reply(
        self, request: WebhookRequest, session_id: str | None, replies: list[str]
    ) -> WebhookReply:
        params = self._params(request)
        if params.get("CallStatus", "").lower() in ENDED:
            return twiml()
        here = _without_query(self.signed_url(request))
        listen = (
            f'<Gather input="speech" speechTimeout="auto" method="POST" action={quoteattr(here)}>'
            "</Gather>"
        )
        if replies:
            return twiml(*(say(text) for text in replies), listen)
        polls = int(request.query.get("poll", "0") or 0)
        started = not params.get("SpeechResult") and polls == 0
        if started:
            return twiml(say(self.greeting), listen) if self.greeting else twiml(listen)
        if polls >= MAX_POLLS or session_id is None:
            return twiml(listen)
        again = f"{here}?{urlencode({'poll': polls + 1, 'session': session_id})}"
        return twiml('<Pause length="1"/>', f'<Redirect method="POST">{escape(again)}</Redirect>')

    def reply(
        self, request: WebhookRequest, stored: list[Stored], replies: Sequence[str] = ()
    ) -> WebhookReply:
        return self.voice_reply(request, self.session_of(request, stored), list(replies))


def _present(values: dict[str, Any]) -> dict[str, Any] | None:
    kept = {key: value for key, value in values.items() if value}
    return kept or None


def _without_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"
