"""Small holes, each closed: empty JWT subjects, an outage that named the database's address,
a subscription sent over plain HTTP."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest

from api.app import create_app
from graph.config import Settings
from graph.local.neo4j_server import free_port
from tests.helpers.server import JWT_SECRET

pytestmark = pytest.mark.integration


def bearer(sub: object) -> dict[str, str]:
    claims = {
        "sub": sub,
        "role": "agent",
        "iss": "threadline",
        "aud": "threadline",
        "exp": int(time.time()) + 60,
    }
    return {"authorization": f"Bearer {jwt.encode(claims, JWT_SECRET, algorithm='HS256')}"}


@pytest.mark.parametrize("sub", ["", "   "])
def test_a_jwt_without_a_subject_is_refused(secure_server: str, sub: str) -> None:
    response = httpx.post(
        f"{secure_server}/graphql",
        json={"query": '{ agent(id: "x") { id } }'},
        headers=bearer(sub),
        timeout=30,
    )
    assert response.status_code == 401
    assert "sub" in response.text


def test_a_jwt_with_a_subject_still_works(secure_server: str) -> None:
    response = httpx.post(
        f"{secure_server}/graphql",
        json={"query": '{ agent(id: "x") { id } }'},
        headers=bearer("desk-7"),
        timeout=30,
    )
    assert response.json() == {"data": {"agent": None}}


@pytest.mark.anyio
async def test_readiness_during_an_outage_does_not_name_the_database(settings: Settings) -> None:
    port = free_port()
    down = settings.model_copy(update={"neo4j_uri": f"bolt://127.0.0.1:{port}"})
    app = create_app(down, apply_schema=False)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test"
        ) as client:
            ready = await client.get("/readyz")
    finally:
        await app.state.db.close()
    assert ready.status_code == 503
    assert ready.json() == {"status": "unavailable"}
    assert str(port) not in ready.text


def test_a_subscription_over_plain_http_is_a_coded_error(secure_server: str) -> None:
    response = httpx.post(
        f"{secure_server}/graphql",
        json={"query": 'subscription { sessionEvents(sessionId: "ses_x") { kind } }'},
        headers=bearer("desk-7"),
        timeout=30,
    )
    body = response.json()
    assert response.status_code < 500
    codes = [e.get("extensions", {}).get("code") for e in body.get("errors") or []]
    assert codes == ["BAD_INPUT"], body
