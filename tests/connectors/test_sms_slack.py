"""Twilio SMS (signature checked against the official `twilio` validator) and Slack Events API."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from pydantic import SecretStr
from twilio.request_validator import RequestValidator

from connectors.platforms._signatures import hmac_hex, twilio_signature
from connectors.platforms.base import WebhookError, WebhookRequest
from connectors.platforms.slack import SlackConnector
from connectors.platforms.sms import TwilioSmsConnector
from graph.domain.events import Speaker
from tests.helpers.payloads import fixture, request

TOKEN = "twilio-auth-token"
URL = "https://hooks.example.com/webhooks/sms"
FORM = {"content-type": "application/x-www-form-urlencoded"}
sms = TwilioSmsConnector(SecretStr(TOKEN))


def twilio_request(
    params: dict[str, str], *, url: str = URL, signature: str | None = None
) -> WebhookRequest:
    headers = dict(FORM)
    headers["x-twilio-signature"] = signature or RequestValidator(TOKEN).compute_signature(
        url, params
    )
    return request(urlencode(params).encode(), headers, url=url)


TEXT = {
    "MessageSid": "SM1",
    "AccountSid": "AC1",
    "From": "+14155552671",
    "To": "+15005550006",
    "Body": "Where is order A-12345?",
    "NumMedia": "0",
    "FromCity": "SAN FRANCISCO",
}


@pytest.mark.parametrize(
    "params",
    [
        TEXT,
        {**TEXT, "MessageSid": "SM2", "Body": ""},
        {
            **TEXT,
            "MessageSid": "SM3",
            "Body": "pic",
            "NumMedia": "1",
            "MediaUrl0": "https://api.twilio.com/m/1",
            "MediaContentType0": "image/jpeg",
        },
        {**TEXT, "MessageSid": "SM4", "Body": "ünïcödé ✓ 👍"},
        {**TEXT, "MessageSid": "SM5", "Body": "a&b=c d+e"},
    ],
)
def test_our_twilio_signature_matches_the_official_validator(params: dict[str, str]) -> None:
    official = RequestValidator(TOKEN).compute_signature(URL, params)
    assert twilio_signature(TOKEN, URL, params) == official
    sms.verify(twilio_request(params))


def test_twilio_bad_or_missing_signature_is_refused() -> None:
    with pytest.raises(WebhookError) as caught:
        sms.verify(twilio_request(TEXT, signature="bm90IGl0"))
    assert caught.value.status == 401
    unsigned = request(urlencode(TEXT).encode(), FORM, url=URL)
    with pytest.raises(WebhookError):
        sms.verify(unsigned)


def test_twilio_signature_uses_the_public_url_behind_a_proxy() -> None:
    proxied = TwilioSmsConnector(SecretStr(TOKEN), public_url="https://public.example.org")
    signed = twilio_request(TEXT, url="https://public.example.org/webhooks/sms")
    internal = request(signed.body, dict(signed.headers), url="http://10.0.0.5:8000/webhooks/sms")
    proxied.verify(internal)


def test_sms_message_and_media() -> None:
    [event] = sms.parse(twilio_request(TEXT))
    assert (event.event_id, event.external_user_id, event.thread_id, event.text) == (
        "SM1",
        "+14155552671",
        "+15005550006:+14155552671",
        "Where is order A-12345?",
    )
    media = {
        **TEXT,
        "MessageSid": "SM3",
        "Body": "",
        "NumMedia": "1",
        "MediaUrl0": "https://api.twilio.com/m/1",
        "MediaContentType0": "image/jpeg",
    }
    [event] = sms.parse(twilio_request(media))
    assert event.text == "[image/jpeg]"
    assert event.metadata is not None
    assert event.metadata["media"] == [{"url": "https://api.twilio.com/m/1", "type": "image/jpeg"}]


def test_sms_wrong_content_type_and_missing_fields() -> None:
    with pytest.raises(WebhookError) as caught:
        sms.parse(request(b'{"Body": "x"}', {"content-type": "application/json"}))
    assert caught.value.status == 415
    with pytest.raises(WebhookError) as missing:
        sms.parse(request(urlencode({"Body": "x"}).encode(), FORM))
    assert missing.value.status == 400
    reply = sms.reply(twilio_request(TEXT), [])
    assert reply.content_type == "text/xml"
    assert b"<Response>" in reply.body


SIGNING = "slack-signing-secret"
NOW = 1_700_000_000
slack = SlackConnector(SecretStr(SIGNING), clock=lambda: NOW)


def slack_request(
    body: dict[str, object] | bytes, *, stamp: int = NOW, secret: str = SIGNING
) -> WebhookRequest:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    signature = "v0=" + hmac_hex(secret, f"v0:{stamp}:".encode() + raw)
    return request(raw, {"X-Slack-Request-Timestamp": str(stamp), "X-Slack-Signature": signature})


def message_event(**event: object) -> dict[str, object]:
    base: dict[str, object] = {
        "type": "message",
        "channel": "C1",
        "user": "U1",
        "text": "hi",
        "ts": "1700000000.000100",
    }
    return {"type": "event_callback", "team_id": "T1", "event_id": "Ev1", "event": base | event}


def test_slack_url_verification_returns_the_challenge() -> None:
    reply = slack.handshake(slack_request(fixture("slack/url_verification.json")))
    assert reply is not None
    assert json.loads(reply.body) == {"challenge": "tl-challenge-3f9a"}


def test_slack_reaction_is_acknowledged_not_stored() -> None:
    raw = fixture("slack/reaction_added.json")
    assert slack.parse(slack_request(raw)) == []


def test_slack_message_events() -> None:
    [event] = slack.parse(slack_request(message_event()))
    assert (event.event_id, event.external_user_id, event.thread_id, event.text) == (
        "Ev1",
        "U1",
        "T1:C1",
        "hi",
    )
    [threaded] = slack.parse(slack_request(message_event(thread_ts="1699999999.0001")))
    assert threaded.thread_id == "T1:C1:1699999999.0001"
    [bot] = slack.parse(slack_request(message_event(bot_id="B1", user=None, subtype="bot_message")))
    assert bot.role == Speaker.BOT
    assert slack.parse(slack_request(message_event(subtype="message_changed"))) == []
    [file_only] = slack.parse(
        slack_request(
            message_event(text="", files=[{"name": "a.pdf", "mimetype": "application/pdf"}])
        )
    )
    assert file_only.text == "[file]"


def test_slack_replays_and_bad_signatures_are_refused() -> None:
    with pytest.raises(WebhookError, match="5-minute"):
        slack.verify(slack_request(message_event(), stamp=NOW - 301))
    with pytest.raises(WebhookError, match="bad signature"):
        slack.verify(slack_request(message_event(), secret="wrong"))
    with pytest.raises(WebhookError, match="bad signature"):
        slack.handshake(
            slack_request({"type": "url_verification", "challenge": "x"}, secret="wrong")
        )
    slack.verify(slack_request(message_event(), stamp=NOW - 299))  # inside the window
