"""One real Neo4j for the whole run, provisioned like `make serve` does (graph.local.provision):
NEO4J_URI, else Docker via testcontainers, else a local server from Maven Central on JDK 17.
Tests isolate their data with unique ids, so the suite can also run against a shared server."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
import pytest
import uvicorn
from neo4j import Driver, GraphDatabase

from api.app import create_app
from enrichment.pipeline import Enricher, EnrichmentConfig, build_enricher
from graph.compliance.auth import Role, create_key
from graph.config import Settings
from graph.local.neo4j_server import free_port
from graph.local.provision import Neo4jTarget, provision
from graph.local.redis_server import local_redis
from graph.store.database import Database
from graph.store.schema import migrate


@pytest.fixture(scope="session")
def neo4j_target() -> Iterator[Neo4jTarget]:
    # small transaction-log files and frequent checkpoints, so the erasure test can watch erased
    # data leave the disk within seconds (the defaults bound it by 16 MB of writes and 5 minutes)
    quick_logs = {"neo4j_tx_log_rotation_size": "256K", "neo4j_checkpoint_interval": "5s"}
    with provision(Settings().model_copy(update=quick_logs)) as target:
        yield target


@pytest.fixture(scope="session")
def settings(neo4j_target: Neo4jTarget) -> Settings:
    """Settings pointing at the provisioned server, with the schema applied once."""
    auth = neo4j_target.auth or ("neo4j", "")
    configured = Settings().model_copy(
        update={
            # no background sweeper in test servers: lifecycle tests drive the clock themselves
            "sweep_interval_seconds": 0,
            "neo4j_uri": neo4j_target.uri,
            "neo4j_user": auth[0],
            "neo4j_database": neo4j_target.database,
        }
    )
    if neo4j_target.auth:
        from pydantic import SecretStr

        configured = configured.model_copy(update={"neo4j_password": SecretStr(auth[1])})

    async def apply() -> None:
        db = _connect(configured)
        try:
            await migrate(db)
        finally:
            await db.close()

    asyncio.run(apply())
    return configured


def _connect(settings: Settings) -> Database:
    return Database.from_settings(settings)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A throw-away redis-server (live events across API processes)."""
    with local_redis() as url:
        yield url


@pytest.fixture(scope="session")
def driver(settings: Settings) -> Iterator[Driver]:
    """A plain sync driver for arranging and inspecting the graph in tests."""
    assert settings.neo4j_uri is not None
    with GraphDatabase.driver(settings.neo4j_uri, auth=settings.neo4j_auth()) as sync_driver:
        yield sync_driver


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = _connect(settings)
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
def uid() -> str:
    """A short unique token for ids, so tests never see each other's data."""
    return uuid.uuid4().hex[:12]


@pytest.fixture(scope="session")
def live_server(settings: Settings) -> Iterator[str]:
    """The real app under uvicorn on a free loopback port; yields its base URL."""
    with serve(settings) as url:
        yield url


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
}


@pytest.fixture(scope="session")
def webhook_server(settings: Settings) -> Iterator[str]:
    """The app with every connector's secret set (Alexa stays disabled: no skill id)."""
    from pydantic import SecretStr

    secrets = {name: SecretStr(value) for name, value in WEBHOOK_SECRETS.items()}
    with serve(settings.model_copy(update=secrets | {"webhook_max_bytes": 64 * 1024})) as url:
        yield url


@contextmanager
def serve(
    settings: Settings, *, dev: bool = True, tls: tuple[str, str] | None = None
) -> Iterator[str]:
    """The app under uvicorn; `dev` (no token = local admin) unless a test checks security;
    `tls` = (certificate, key) files to serve HTTPS."""
    port = free_port()
    config = uvicorn.Config(
        create_app(settings, dev=dev),
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


@pytest.fixture
def gql(live_server: str) -> Iterator[GraphQLClient]:
    client = GraphQLClient(live_server)
    yield client
    client.http.close()


def make_key(settings: Settings, role: Role, channels: list[str] | None = None) -> tuple[str, str]:
    async def create() -> tuple[str, str]:
        db = Database.from_settings(settings)
        try:
            new = await create_key(db, role, channels, f"test {role.value}")
            return new.record.id, new.token
        finally:
            await db.close()

    # on a worker thread: a test may already run an event loop here (Playwright's sync API does)
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, create()).result()


@pytest.fixture(scope="session")
def rules_enricher() -> Enricher:
    """The rule-based enrichment pipeline (entities, sentiment, intents), built once."""
    return build_enricher(EnrichmentConfig(model="rules"))
