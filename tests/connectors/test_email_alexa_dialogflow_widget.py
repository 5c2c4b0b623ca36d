"""Email (RFC 5322), voice (Alexa, Dialogflow) and our own web/mobile widget protocol."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from pydantic import SecretStr

from connectors.platforms.alexa import AlexaConnector
from connectors.platforms.base import WebhookError
from connectors.platforms.dialogflow import DialogflowConnector
from connectors.platforms.email import EmailConnector, parse_email, split_messages, strip_reply
from connectors.platforms.widget import WidgetConnector
from graph.domain.events import Speaker
from tests.helpers.payloads import fixture, hub_signed, request

REPLY = b"""From: "Jane Doe" <Jane@Example.com>
To: support@shop.example
Subject: =?utf-8?q?Re:_Order_A-12345_=E2=9C=93?=
Message-ID: <reply-2@mail.example.com>
In-Reply-To: <reply-1@shop.example>
References: <root-0@shop.example> <reply-1@shop.example>
Date: Wed, 25 Nov 2026 10:00:00 +0100
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: multipart/alternative; boundary="b2"

--b2
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

Still nothing. Caf=E9 address is fine.

--=20
Jane

On Tue, Nov 24, 2026 at 9:00 AM Support <support@shop.example> wrote:
> Your order shipped.
--b2
Content-Type: text/html; charset=utf-8

<p>Still nothing.</p>
--b2--
--b1
Content-Type: application/pdf; name="receipt.pdf"
Content-Disposition: attachment; filename="receipt.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--b1--
"""


def test_email_reply_threads_to_the_root_and_keeps_only_the_new_text() -> None:
    event = parse_email(REPLY)
    assert event.event_id == "<reply-2@mail.example.com>"
    assert event.external_user_id == "jane@example.com"
    assert event.thread_id == "<root-0@shop.example>"
    assert event.text == "Still nothing. Café address is fine."
    assert event.occurred_at == datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    assert event.metadata is not None
    assert event.metadata["subject"] == "Re: Order A-12345 ✓"
    assert event.metadata["attachments"] == [
        {"name": "receipt.pdf", "type": "application/pdf", "size": 9}
    ]
    assert event.metadata["fromName"] == "Jane Doe"


def test_html_only_email_is_converted_to_text() -> None:
    raw = (
        b"From: a@b.example\nMessage-ID: <h@b>\nContent-Type: text/html\n\n"
        b"<html><style>p{}</style><p>Hello&nbsp;there</p><script>x()</script></html>"
    )
    assert parse_email(raw).text == "Hello\xa0there"


def test_strip_reply_handles_quotes_signatures_and_outlook_headers() -> None:
    assert strip_reply("Yes please\n\n-----Original Message-----\nFrom: x") == "Yes please"
    assert strip_reply("ok\n> quoted\nmore") == "ok\nmore"
    assert strip_reply("thanks\nSent from my iPhone") == "thanks"


@pytest.mark.parametrize(
    ("name", "sender", "text"),
    [
        (
            "plain.eml",
            "rosa.diaz@example.org",
            "Hello,\n\nmy parcel for order A-20417 arrived damaged. Can you send a replacement?"
            "\n\nThanks,\nRosa",
        ),
        ("reply.eml", "rosa.diaz@example.org", "Yes please, Friday works for me."),
        (
            "multipart_attachment.eml",
            "juergen@example.de",
            "Ich möchte Bestellung B-5510 zurückschicken.",
        ),
        ("html_only.eml", "omar@example.com", "Why was I charged $49.90 twice?\nOmar"),
    ],
)
def test_emails_parse_to_the_new_part_of_the_message(name: str, sender: str, text: str) -> None:
    event = parse_email(fixture(f"email/{name}"))
    assert event.event_id.startswith("<tl-")
    assert event.external_user_id == sender
    assert event.thread_id
    assert event.text == text


def test_a_reply_threads_by_its_references_root() -> None:
    event = parse_email(fixture("email/reply.eml"))
    assert event.thread_id == "<tl-plain-1@mail.example.org>"
    assert event.metadata is not None
    assert event.metadata["fromName"] == "Rosa Diaz"


def test_attachments_are_recorded_by_name_and_type_only() -> None:
    event = parse_email(fixture("email/multipart_attachment.eml"))
    assert event.metadata is not None
    assert [(a["name"], a["type"]) for a in event.metadata["attachments"]] == [
        ("label.pdf", "application/pdf")
    ]
    assert event.metadata["subject"] == "Rücksendung"


def test_mbox_splits_into_messages_keeping_unquoted_from_lines() -> None:
    messages = split_messages(fixture("email/mailbox.mbox"))
    assert len(messages) == 2
    first = parse_email(messages[0])
    assert first.text is not None
    assert "From time to time" in first.text
    assert "From the app it works." in first.text  # the >From escape is undone


def test_single_message_is_not_split() -> None:
    assert split_messages(REPLY) == [REPLY]


def test_email_endpoint_needs_the_bearer_token_and_content_type() -> None:
    connector = EmailConnector(SecretStr("mail-token"))
    good = request(REPLY, {"Authorization": "Bearer mail-token", "Content-Type": "message/rfc822"})
    connector.verify(good)
    assert connector.parse(good)[0].event_id == "<reply-2@mail.example.com>"
    with pytest.raises(WebhookError):
        connector.verify(request(REPLY, {"Authorization": "Bearer nope"}))
    with pytest.raises(WebhookError) as caught:
        connector.parse(request(REPLY, {"Content-Type": "text/plain"}))
    assert caught.value.status == 415


ALEXA_NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC).timestamp()
alexa = AlexaConnector("amzn1.ask.skill.0000-threadline-test", clock=lambda: ALEXA_NOW)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("intent_order_status.json", "OrderStatusIntent OrderNumber=A20417"),
        ("intent_in_progress.json", "RescheduleIntent"),
        ("launch_request.json", None),
        ("session_ended.json", None),
    ],
)
def test_alexa_requests(name: str, text: str | None) -> None:
    raw = json.loads(fixture(f"alexa/{name}"))
    [event] = alexa.parse(request(raw))
    assert event.event_id == raw["request"]["requestId"]
    assert event.external_user_id == "amzn1.ask.account.THREADLINETESTUSER"
    assert event.thread_id == "amzn1.echo-api.session.tl-0001"
    assert event.metadata is not None
    assert event.metadata["requestType"] == raw["request"]["type"]
    assert event.text == text
    reply = json.loads(alexa.reply(request(raw), []).body)
    assert reply["version"] == "1.0"


def test_alexa_wrong_skill_and_stale_requests_are_refused() -> None:
    raw = json.loads(fixture("alexa/intent_order_status.json"))
    alexa.verify(request(raw))
    with pytest.raises(WebhookError):
        AlexaConnector("amzn1.other", clock=lambda: ALEXA_NOW).verify(request(raw))
    with pytest.raises(WebhookError, match="150"):
        AlexaConnector(alexa.skill_id, clock=lambda: ALEXA_NOW + 151).verify(request(raw))


dialogflow = DialogflowConnector(SecretStr("df-token"))


@pytest.mark.parametrize(
    ("name", "user", "text"),
    [
        ("es_messenger_integration.json", "600000000000001", "where is my parcel"),
        ("es_google_assistant.json", "tl-google-user-7", "deliver it on friday"),
        ("es_welcome.json", "tl-session-42", "hello"),
    ],
)
def test_dialogflow_es_requests(name: str, user: str, text: str) -> None:
    raw = json.loads(fixture(f"dialogflow/{name}"))
    signed = request(raw, {"Authorization": "Bearer df-token"})
    dialogflow.verify(signed)
    [event] = dialogflow.parse(signed)
    assert event.event_id == raw["responseId"]
    assert event.thread_id == raw["session"]
    assert (event.external_user_id, event.text) == (user, text)
    assert json.loads(dialogflow.reply(signed, []).body) == {"fulfillmentText": ""}


def test_dialogflow_cx_request() -> None:
    [event] = dialogflow.parse(request(json.loads(fixture("dialogflow/cx_request.json"))))
    assert (event.event_id, event.external_user_id, event.text) == (
        "tl-cx-response-1",
        "tl-cx-7",
        "track order A-20417",
    )
    assert event.metadata is not None
    assert event.metadata["intent"] == "order.track"


def test_dialogflow_cx_and_bad_token() -> None:
    cx = {
        "detectIntentResponseId": "r1",
        "sessionInfo": {"session": "projects/p/sessions/s9"},
        "text": "track my order",
        "intentInfo": {"displayName": "track"},
    }
    [event] = dialogflow.parse(request(cx))
    assert (event.event_id, event.external_user_id, event.text) == ("r1", "s9", "track my order")
    with pytest.raises(WebhookError):
        dialogflow.verify(request(cx, {"Authorization": "Bearer wrong"}))


WEB_SECRET = "web-secret"
web = WidgetConnector("web", SecretStr(WEB_SECRET))


def widget(**item: object) -> dict[str, object]:
    return {"id": "e1", "visitorId": "cookie-1", "conversationId": "w1", "text": "hi"} | item


def test_widget_message_click_and_page_view() -> None:
    body = {
        "events": [
            widget(),
            widget(id="e2", type="click", target="#buy", text=None),
            widget(id="e3", type="page_view", page={"url": "/cart"}, text=None),
            widget(id="e4", role="bot", text="Hello!"),
        ]
    }
    signed = hub_signed(body, WEB_SECRET, "X-Threadline-Signature")
    web.verify(signed)
    message, click, view, bot = web.parse(signed)
    assert (message.text, message.thread_id, message.external_user_id) == ("hi", "w1", "cookie-1")
    assert click.text is None
    assert click.metadata == {"target": "#buy", "type": "click"}
    assert view.metadata == {"page": {"url": "/cart"}, "type": "page_view"}
    assert bot.role == Speaker.BOT


def test_mobile_carries_the_session_id_for_continuation() -> None:
    mobile = WidgetConnector("mobile", SecretStr("m"))
    [event] = mobile.parse(request(widget(sessionId="ses_1", visitorId="account-9")))
    assert (event.channel, event.session_id, event.external_user_id) == (
        "mobile",
        "ses_1",
        "account-9",
    )


@pytest.mark.parametrize(
    "body",
    [
        {"events": []},
        {"events": "x"},
        widget(type="hover"),
        widget(text=""),
        widget(role="ROBOT"),
        {"visitorId": "v", "text": "no id"},
        {"events": [1]},
    ],
)
def test_widget_bad_input_is_400(body: dict[str, object]) -> None:
    with pytest.raises(WebhookError) as caught:
        web.parse(request(body))
    assert caught.value.status == 400


def test_widget_signature_and_disabled_without_secret() -> None:
    with pytest.raises(WebhookError):
        web.verify(hub_signed(widget(), "other", "X-Threadline-Signature"))
    assert not WidgetConnector("web", None).enabled
    assert WidgetConnector("web", None, insecure=True).enabled
