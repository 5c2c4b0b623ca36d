"""What a platform is told when something fails: 5xx with Retry-After for what a retry can fix
(enrichment failing, the database unreachable), 4xx only for what it cannot — and a long email
is stored, cut, rather than refused."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from neo4j import Driver
from pydantic import SecretStr
from starlette.applications import Starlette

import graph.pipeline.prepare
from api.app import create_app
from graph.config import Settings
from graph.domain.errors import EnrichmentFailedError
from graph.domain.events import EventInput, fit_text
from graph.local.neo4j_server import free_port

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

TOKEN = "mail-token"


def email(uid: str, body: str) -> bytes:
    message = EmailMessage()
    message["From"] = f"Ana <ana.{uid}@example.com>"
    message["To"] = "help@shop.example"
    message["Subject"] = "My order"
    message["Message-ID"] = f"<{uid}@example.com>"
    message.set_content(body)
    return bytes(message)


async def post_email(app: Starlette, raw: bytes) -> httpx.Response:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        return await client.post(
            "/webhooks/email",
            content=raw,
            headers={"content-type": "message/rfc822", "authorization": f"Bearer {TOKEN}"},
        )


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Starlette]:
    application = create_app(
        settings.model_copy(update={"email_token": SecretStr(TOKEN)}), apply_schema=False
    )
    try:
        yield application
    finally:
        await application.state.db.close()


def test_long_text_is_cut_at_a_character_boundary_and_marked() -> None:
    text = "é" * 15_000  # 30,000 bytes of UTF-8
    fitted = fit_text(EventInput("e", "email", "a@b.c", text=text), 16_385)
    assert fitted.text == "é" * 8192  # the split last character is dropped, not mangled
    assert fitted.metadata == {"truncated": {"originalBytes": 30_000}}
    short = EventInput("e", "email", "a@b.c", text="hi")
    assert fit_text(short, 16_384) is short


async def test_a_long_non_ascii_email_is_stored_truncated(
    app: Starlette, driver: Driver, uid: str
) -> None:
    response = await post_email(app, email(uid, "ü" * 15_000))
    assert response.status_code == 200, response.text
    records, _, _ = driver.execute_query(
        "MATCH (m:Message {eventId: $id}) RETURN m.text AS text, m.metadata AS metadata",
        id=f"<{uid}@example.com>",
    )
    assert len(records[0]["text"].encode()) <= 16_384
    assert '"truncated":{"originalBytes":30000}' in records[0]["metadata"]


async def test_an_enrichment_failure_is_a_retryable_503(
    app: Starlette, uid: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: Any) -> Any:
        raise EnrichmentFailedError("the pipeline crashed")

    monkeypatch.setattr(graph.pipeline.prepare, "annotate", broken)
    response = await post_email(app, email(uid, "where is my order?"))
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.json() == {"error": "the pipeline crashed", "code": "ENRICHMENT_FAILED"}


async def test_a_malformed_message_is_a_permanent_400(app: Starlette) -> None:
    response = await post_email(app, b"this is not an email")
    assert response.status_code == 400
    assert "retry-after" not in response.headers


async def test_an_unreachable_database_is_a_503_within_five_seconds(
    settings: Settings, uid: str
) -> None:
    down = settings.model_copy(
        update={"neo4j_uri": f"bolt://127.0.0.1:{free_port()}", "email_token": SecretStr(TOKEN)}
    )
    application = create_app(down, apply_schema=False)
    try:
        started = time.monotonic()
        response = await post_email(application, email(uid, "hello?"))
        elapsed = time.monotonic() - started
    finally:
        await application.state.db.close()
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.json()["code"] == "UNAVAILABLE"
    assert elapsed < 5
