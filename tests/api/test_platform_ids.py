"""Ids a sender controls never steer a reply's URL (#28): every id that addresses a platform
request follows that platform's grammar where it enters (BAD_INPUT / 400), and the outbox builds
URLs from percent-encoded segments that must stay under the configured base."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from neo4j import Driver
from pydantic import SecretStr

from connectors.platforms.outbound import platform_url
from graph.config import Settings
from graph.domain.errors import BadInputError
from graph.domain.events import DEFAULT_INGEST_LIMITS, EventInput, validate_batch
from graph.domain.outbox import SendError
from graph.domain.platform_ids import GRAMMARS, id_problem
from tests.helpers.fake_platforms import FakePlatforms, fake_platforms, wait_until
from tests.helpers.server import data_of, error_codes, post_graphql, serve

HOSTILE = [
    "../../../2/tweets?",
    "../../../me/evil?:1",
    "%2e%2e",
    "%2e%2e%2f2%2ftweets",
    "123?x=1",
    "123#frag",
    "123@evil.example",
    "123\\..\\x",
    "12/3",
    "..",
    " 123",
]
VALID = {
    "x": ("2000000002", ["2000000002", "1000000001:2000000002"]),
    "whatsapp": ("15550001111", ["15550001111", "109876543210:15550001111"]),
    "messenger": ("6789012345", ["6789012345", "1234567890:6789012345"]),
    "slack": ("U0123ABCD", ["T0001:C0123ABC", "T0001:C0123ABC:1700000000.000100", "team:C01"]),
}
# ids that travel only in a request body: free-form, minus anything that could steer a URL
BODY_IDS = {
    "whatsapp": ["wa-42", "+15550001111", "abc.def_1"],
    "slack": ["U0123ABCD", "B01", "bot"],
}
INGEST = "mutation($e: [EventInput!]!) { ingestEvents(events: $e) { results { sessionId } } }"


def event(channel: str, who: str, thread: str | None = None) -> EventInput:
    return EventInput("e1", channel, who, thread_id=thread, text="hi")


def test_every_replying_platform_has_a_grammar() -> None:
    assert set(GRAMMARS) == set(VALID)


@pytest.mark.parametrize("channel", sorted(VALID))
def test_valid_platform_ids_are_accepted(channel: str) -> None:
    user, threads = VALID[channel]
    assert id_problem(channel, "externalUserId", user) is None
    for thread in threads:
        assert id_problem(channel, "threadId", thread) is None
        validate_batch([event(channel, user, thread)], DEFAULT_INGEST_LIMITS)


@pytest.mark.parametrize("channel", sorted(VALID))
@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_ids_are_refused_at_ingest_in_every_place(channel: str, hostile: str) -> None:
    user, threads = VALID[channel]
    with pytest.raises(BadInputError, match=r"externalUserId: is not a"):
        validate_batch([event(channel, hostile)], DEFAULT_INGEST_LIMITS)
    for thread in threads:  # each part of each thread form
        parts = thread.split(":")
        for index in range(len(parts)):
            bad = ":".join(hostile if i == index else p for i, p in enumerate(parts))
            with pytest.raises(BadInputError, match=r"threadId: is not a"):
                validate_batch([event(channel, user, bad)], DEFAULT_INGEST_LIMITS)


@pytest.mark.parametrize("channel", sorted(BODY_IDS))
def test_body_only_user_ids_are_free_form_but_safe(channel: str) -> None:
    for user in BODY_IDS[channel]:
        assert id_problem(channel, "externalUserId", user) is None, user
    for bad in (".", "..", "a:b", "a b", "a/b", "a%2f"):
        assert id_problem(channel, "externalUserId", bad) is not None, bad


def test_channels_without_a_platform_grammar_keep_free_ids() -> None:
    validate_batch([event("web", "cookie/../42?#@")], DEFAULT_INGEST_LIMITS)


@pytest.mark.parametrize("hostile", HOSTILE)
@pytest.mark.parametrize(
    ("base", "before", "after"),
    [
        ("https://api.x.com", ("2", "dm_conversations", "with"), ("messages",)),
        ("https://graph.facebook.com/v21.0", (), ("messages",)),
        ("https://api.twilio.com", ("2010-04-01", "Accounts"), ("Messages.json",)),
    ],
)
def test_urls_keep_every_id_in_its_own_segment_under_the_base(
    hostile: str, base: str, before: tuple[str, ...], after: tuple[str, ...]
) -> None:
    if hostile == "..":  # a whole segment of dots would still be resolved: refused outright
        with pytest.raises(SendError, match="refused"):
            platform_url(base, *before, hostile, *after)
        return
    url = httpx.URL(platform_url(base, *before, hostile, *after))
    prefix = "/".join(("", *before))
    assert str(url).startswith(base)
    assert url.raw_path.decode().startswith(f"{httpx.URL(base).path.rstrip('/')}{prefix}/")
    assert url.raw_path.decode().endswith("/" + "/".join(after))
    assert not url.query
    assert not url.fragment
    segments = url.raw_path.decode().split("/")
    assert len(segments) == len(httpx.URL(base).path.rstrip("/").split("/")) + len(before) + 2


def test_a_base_with_a_path_is_never_left() -> None:
    assert platform_url("https://graph.facebook.com/v21.0/", "1", "messages") == (
        "https://graph.facebook.com/v21.0/1/messages"
    )
    with pytest.raises(SendError):
        platform_url("https://graph.facebook.com/v21.0", "..", "me")


# -- end to end: the real server, its outbox worker and a local fake platform ------------------


@pytest.fixture(scope="module")
def platforms() -> Iterator[FakePlatforms]:
    with fake_platforms() as fake:
        yield fake


@pytest.fixture(scope="module")
def server(settings: Settings, platforms: FakePlatforms) -> Iterator[str]:
    configured = settings.model_copy(
        update={
            "outbox_interval_seconds": 0.2,
            "x_api_base": f"{platforms.url}/x",
            "x_access_token": SecretStr("x-user-token"),
            "x_consumer_secret": SecretStr("x-secret"),
            "whatsapp_api_base": f"{platforms.url}/wa",
            "whatsapp_access_token": SecretStr("wa-token"),
        }
    )
    with serve(configured) as url:
        yield url


def x_signed(body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    digest = hmac.new(b"x-secret", raw, hashlib.sha256).digest()
    return raw, {
        "x-twitter-webhooks-signature": "sha256=" + base64.b64encode(digest).decode(),
        "content-type": "application/json",
    }


@pytest.mark.integration
def test_ingest_refuses_a_traversal_sender_id_with_bad_input(server: str, uid: str) -> None:
    for channel, who, thread in [
        ("x", "../../../2/tweets?", None),
        ("whatsapp", "15550001111", "../../../me/evil?:1"),
        ("whatsapp", "15550001111", "%2e%2e:15550001111"),
    ]:
        body = post_graphql(
            server,
            INGEST,
            e=[
                {
                    "eventId": f"{uid}-{channel}",
                    "channel": channel,
                    "externalUserId": who,
                    "threadId": thread,
                    "text": "hi",
                }
            ],
        )
        assert error_codes(body) == ["BAD_INPUT"], body


@pytest.mark.integration
def test_an_x_webhook_with_a_traversal_sender_is_a_400_and_stores_nothing(
    server: str, driver: Driver, uid: str
) -> None:
    sender = "../../../2/tweets?"
    raw, headers = x_signed(
        {
            "for_user_id": "1000000001",
            "direct_message_events": [
                {
                    "type": "message_create",
                    "id": f"dm-{uid}",
                    "created_timestamp": "1795593600000",
                    "message_create": {
                        "target": {"recipient_id": "1000000001"},
                        "sender_id": sender,
                        "message_data": {"text": "hello", "entities": {}},
                    },
                }
            ],
        }
    )
    answer = httpx.post(f"{server}/webhooks/x", content=raw, headers=headers, timeout=30)
    assert answer.status_code == 400, answer.text
    stored = driver.execute_query("MATCH (i:Identity {key: $k}) RETURN i", k=f"x:{sender}")
    assert stored.records == []


SEND = 'mutation($s: ID!) { sendMessage(sessionId: $s, text: "Thanks!") { id } }'
OUTBOX = "query($s: ID!) { session(id: $s) { outbox { status error } } }"


def outbox_of(server: str, session: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = data_of(post_graphql(server, OUTBOX, s=session))["session"][
        "outbox"
    ]
    return found


def queued_with_hostile_ids(
    server: str,
    platforms: FakePlatforms,
    driver: Driver,
    event: dict[str, str],
    valid_path: str,
    hostile: dict[str, str],
) -> str:
    """A reply waiting in the outbox whose ids were stored before ingest checked them (an older
    version): a valid reply whose first attempt the platform refused (503, retryable), then its
    outbox item rewritten in the graph with the hostile ids and due at once."""
    body = post_graphql(server, INGEST, e=[event | {"text": "hello?"}])
    session = str(data_of(body)["ingestEvents"]["results"][0]["sessionId"])
    platforms.scripts[valid_path] = [(503, {"error": "busy"})]
    data_of(post_graphql(server, SEND, s=session))
    platforms.wait_for(valid_path)
    wait_until(lambda: outbox_of(server, session)[0]["status"] == "QUEUED")
    driver.execute_query(
        "MATCH (o:Outbox {sessionId: $s}) SET o += $hostile, o.nextAttemptAt = datetime()",
        s=session,
        hostile=hostile,
    )
    return session


@pytest.mark.integration
def test_the_outbox_keeps_a_stored_traversal_id_inside_its_segment(
    server: str, platforms: FakePlatforms, driver: Driver, uid: str
) -> None:
    digits = str(int(uid[:8], 16))
    hostile = "../../../2/tweets?"
    event = {"eventId": f"{uid}-in", "channel": "x", "externalUserId": digits}
    queued_with_hostile_ids(
        server,
        platforms,
        driver,
        event,
        f"/x/2/dm_conversations/with/{digits}/",
        {"recipient": hostile},
    )
    encoded = "/x/2/dm_conversations/with/..%2F..%2F..%2F2%2Ftweets%3F/"
    platforms.scripts[encoded] = [(201, {"data": {"dm_event_id": uid}})]
    [request] = platforms.wait_for(encoded)
    assert request.path == f"{encoded}messages"
    assert request.headers["authorization"] == "Bearer x-user-token"
    assert platforms.to("/x/2/tweets") == []  # the public-tweet endpoint never heard a thing


@pytest.mark.integration
def test_the_outbox_refuses_a_stored_dot_dot_phone_number_id(
    server: str, platforms: FakePlatforms, driver: Driver, uid: str
) -> None:
    phone = f"1555{int(uid[:7], 16) % 10**7:07d}"
    number = str(int(uid[7:12], 16))
    event = {
        "eventId": f"{uid}-in",
        "channel": "whatsapp",
        "externalUserId": phone,
        "threadId": f"{number}:{phone}",
    }
    session = queued_with_hostile_ids(
        server,
        platforms,
        driver,
        event,
        f"/wa/{number}/",
        {"destination": json.dumps({"thread": f"..:{phone}", "replyTo": {}})},
    )
    wait_until(lambda: outbox_of(server, session)[0]["status"] == "FAILED")
    assert "refused" in outbox_of(server, session)[0]["error"]
    assert len(platforms.to(f"/wa/{number}/")) == 1  # only the valid first attempt
    assert [r.path for r in platforms.requests if r.path.startswith("/me")] == []
