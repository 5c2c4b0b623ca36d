"""The real app under uvicorn, API keys, and a GraphQL client for tests."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn

from api.app import create_app
from api.http_protocol import HeaderDeadlineProtocol, use_header_timeout
from graph.compliance.credentials import create_key
from graph.config import Settings
from graph.domain.callers import CallerRole
from graph.local.neo4j_server import free_port
from graph.store.database import Database

JWT_SECRET = "test-jwt-secret-that-is-long-enough-for-hs256"


WEBHOOK_SECRETS = {
    "web_secret": "web-secret",
    "mobile_secret": "mobile-secret",
    "whatsapp_app_secret": "wa-secret",
    "whatsapp_verify_token": "wa-verify",
    "messenger_app_secret": "fb-secret",
    "twilio_auth_token": "twilio-token",
    "slack_signing_secret": "slack-secret",
    "email_token": "mail-token",
    "dialogflow_token": "df-token",
    "x_consumer_secret": "x-secret",
}


@contextmanager
def serve(
    settings: Settings, *, dev: bool = True, tls: tuple[str, str] | None = None
) -> Iterator[str]:
    """The app under uvicorn; `dev` (no token = local admin) unless a test checks security;
    `tls` = (certificate, key) files to serve HTTPS."""
    port = free_port()
    use_header_timeout(settings.header_timeout_seconds)
    config = uvicorn.Config(
        create_app(settings, dev=dev),
        http=HeaderDeadlineProtocol,  # as `threadline serve` runs it
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        ssl_certfile=tls[0] if tls else None,
        ssl_keyfile=tls[1] if tls else None,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "uvicorn exited during start-up"
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


class GraphQLClient:
    """POSTs GraphQL over real HTTP and returns the decoded JSON body."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30)

    def __call__(self, query: str, **variables: object) -> dict[str, object]:
        response = self.http.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        body: dict[str, object] = response.json()
        return body


def make_key(
    settings: Settings,
    role: CallerRole,
    channels: list[str] | None = None,
    *,
    issue_user_tokens: bool = False,
) -> tuple[str, str]:
    async def create() -> tuple[str, str]:
        db = Database.from_settings(settings)
        try:
            new = await create_key(
                db, role, channels, f"test {role.value}", issue_user_tokens=issue_user_tokens
            )
            return new.record.id, new.token
        finally:
            await db.close()

    # on a worker thread: a test may already run an event loop here (Playwright's sync API does)
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, create()).result()


def post_graphql(url: str, query: str, **variables: object) -> dict[str, Any]:
    """One GraphQL request to the server at `url`; the decoded body (data and/or errors)."""
    body: dict[str, Any] = httpx.post(
        f"{url}/graphql", json={"query": query, "variables": variables}, timeout=30
    ).json()
    return body


def graphql_as(url: str, token: str, query: str, **variables: object) -> dict[str, Any]:
    """One GraphQL request with a bearer token; the decoded body (HTTP 200 checked)."""
    response = httpx.post(
        f"{url}/graphql",
        json={"query": query, "variables": variables},
        headers={"authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def error_codes(body: dict[str, Any]) -> list[str]:
    """The `extensions.code` of each error of a response, in order."""
    return [e["extensions"]["code"] for e in body.get("errors") or []]


def data_of(body: dict[str, Any]) -> dict[str, Any]:
    """A response's `data`, after checking it has no errors."""
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]
    return result
