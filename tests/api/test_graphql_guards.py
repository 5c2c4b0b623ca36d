"""OWASP GraphQL guards with auth on: introspection and suggestions off, depth, alias and token
limits, body size, no batching, request timeout — and a schemathesis fuzz of every operation."""

from __future__ import annotations

from datetime import UTC
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.graphql import nodes

from api.schema import build_schema
from graph.config import Settings
from graph.domain.callers import CallerRole
from tests.helpers.server import make_key

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def admin(secure_settings: Settings) -> str:
    return make_key(secure_settings, CallerRole.ADMIN)[1]


def post(url: str, token: str, body: Any) -> httpx.Response:
    return httpx.post(
        f"{url}/graphql", json=body, headers={"authorization": f"Bearer {token}"}, timeout=30
    )


def first_error(response: httpx.Response) -> dict[str, Any]:
    error: dict[str, Any] = response.json()["errors"][0]
    return error


def test_no_introspection_or_suggestions_outside_dev(
    secure_server: str,
    live_server: str,
    admin: str,
) -> None:
    introspect = {"query": "{ __schema { types { name } } }"}
    refused = post(secure_server, admin, introspect)
    assert first_error(refused)["extensions"]["code"] == "BAD_INPUT"
    assert "introspection" in first_error(refused)["message"].lower()
    assert post(live_server, admin, introspect).json()["data"]["__schema"]["types"]  # dev
    typo = post(secure_server, admin, {"query": '{ sesion(id: "x") { id } }'})
    assert "Did you mean" not in first_error(typo)["message"]
    arg_typo = post(secure_server, admin, {"query": '{ session(idd: "x") { id } }'})
    assert "Did you mean" not in str(arg_typo.json())


def test_depth_alias_and_token_limits(secure_server: str, admin: str) -> None:
    deep = '{ user(id: "x") { ' + "sessions { user { " * 6 + "id" + " } }" * 6 + " } }"
    assert "depth" in first_error(post(secure_server, admin, {"query": deep}))["message"]
    aliases = " ".join(f'a{n}: session(id: "x") {{ id }}' for n in range(25))
    response = post(secure_server, admin, {"query": "{ " + aliases + " }"})
    assert "aliases" in first_error(response)["message"].lower()
    tokens = "{ " + " ".join(f"a{n}: __typename" for n in range(1500)) + " }"
    response = post(secure_server, admin, {"query": tokens})
    assert first_error(response)["extensions"]["code"] == "BAD_INPUT"
    assert "token" in first_error(response)["message"].lower()


def test_body_limit_and_no_batching(secure_server: str, admin: str) -> None:
    huge = {"query": "{ __typename }", "variables": {"pad": "x" * (300 * 1024)}}
    too_big = post(secure_server, admin, huge)
    assert too_big.status_code == 413
    assert first_error(too_big)["extensions"]["code"] == "LIMIT_EXCEEDED"
    stranger = httpx.post(f"{secure_server}/graphql", json=huge, timeout=30)
    assert stranger.status_code == 401  # refused before its body is read
    batch = post(secure_server, admin, [{"query": "{ __typename }"}, {"query": "{ __typename }"}])
    assert batch.status_code == 400


def test_request_timeout(settings: Settings) -> None:
    """The endpoint answers 504 TIMEOUT when the request runs too long (a slow app stands in
    for a slow query; nothing was sent yet)."""
    import asyncio

    from api.endpoint import GraphQLEndpoint

    async def slow_app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await asyncio.sleep(5)

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b'{"query": "{ __typename }"}', "more_body": False}

    quick = settings.model_copy(update={"request_timeout_seconds": 0.05})
    endpoint = GraphQLEndpoint(slow_app, quick, dev=True)
    scope = {"type": "http", "method": "POST", "headers": [], "query_string": b"", "path": "/"}
    asyncio.run(endpoint(scope, receive, send))  # type: ignore[arg-type]
    assert sent[0]["status"] == 504
    assert b"TIMEOUT" in sent[1]["body"]


# --- fuzzing: every operation with generated arguments; no 5xx and nothing unmasked -----------

schemathesis.graphql.scalar(
    "DateTime",
    st.datetimes(timezones=st.just(UTC)).map(lambda moment: nodes.String(moment.isoformat())),
)
schemathesis.graphql.scalar(
    "JSON",
    st.one_of(
        st.integers(-5, 5).map(nodes.Int),
        st.text(max_size=8).map(nodes.String),
        st.dictionaries(
            st.from_regex(r"[a-z][a-z0-9_.-]{0,8}", fullmatch=True),
            st.integers(0, 9).map(nodes.Int),
            max_size=3,
        ).map(lambda d: nodes.Object([_field(k, v) for k, v in d.items()])),
    ),
)


def _field(name: str, value: Any) -> Any:
    import graphql

    return graphql.ObjectFieldNode(name=graphql.NameNode(value=name), value=value)


fuzzed = schemathesis.graphql.from_file(build_schema().as_str())


@pytest.fixture(scope="module")
def fuzz_target(secure_server: str, admin: str) -> tuple[str, str]:
    return secure_server, admin


@fuzzed.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_fuzz_no_server_errors_and_nothing_unmasked(
    case: Any, fuzz_target: tuple[str, str]
) -> None:
    url, token = fuzz_target
    response = case.call(base_url=f"{url}/graphql", headers={"authorization": f"Bearer {token}"})
    assert response.status_code < 500, response.text
    body = response.json()
    for error in body.get("errors") or []:
        assert error["extensions"]["code"] != "INTERNAL", (case.body, error)
        assert "Traceback" not in error["message"]
        assert "neo4j" not in error["message"].lower(), error
