"""One real Neo4j for the whole run, provisioned like `make serve` does (graph.local.provision):
NEO4J_URI, else Docker via testcontainers, else a local server from Maven Central on JDK 17.
Tests isolate their data with unique ids, so the suite can also run against a shared server."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from neo4j import Driver, GraphDatabase

from enrichment.pipeline import Enricher, EnrichmentConfig, build_enricher
from graph.config import Settings
from graph.local.provision import Neo4jTarget, provision
from graph.local.redis_server import local_redis
from graph.store.database import Database
from graph.store.schema import migrate
from tests.helpers.server import WEBHOOK_SECRETS, GraphQLClient, serve


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
            # no background sweeper in test servers: lifecycle tests drive the clock themselves;
            # no outbox worker either: the outbox tests run their own (test_replies_out.py)
            "sweep_interval_seconds": 0,
            "outbox_interval_seconds": 0,
            # no embeddings: a background model would take a core from the suite; the tests of
            # embeddings load their model themselves (tests/graph/test_*embeddings.py)
            "embeddings": "off",
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


@pytest.fixture(scope="session")
def webhook_server(settings: Settings) -> Iterator[str]:
    """The app with every connector's secret set (Alexa stays disabled: no skill id)."""
    from pydantic import SecretStr

    secrets = {name: SecretStr(value) for name, value in WEBHOOK_SECRETS.items()}
    with serve(settings.model_copy(update=secrets | {"webhook_max_bytes": 64 * 1024})) as url:
        yield url


@pytest.fixture
def gql(live_server: str) -> Iterator[GraphQLClient]:
    client = GraphQLClient(live_server)
    yield client
    client.http.close()


@pytest.fixture(scope="session")
def rules_enricher() -> Enricher:
    """The rule-based enrichment pipeline (entities, sentiment, intents), built once."""
    return build_enricher(EnrichmentConfig(model="rules"))


# What needs a server, by the fixtures it uses: a test asking for one must carry the marker, so
# `make test-fast` (-m "not integration and not redis") never starts one by surprise.
SERVER_FIXTURES = {
    "integration": {
        "neo4j_target",
        "settings",
        "driver",
        "db",
        "live_server",
        "webhook_server",
        "secure_server",
        "secure_settings",
        "gql",
    },
    "redis": {"redis_url"},
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    unmarked = [
        f"{item.nodeid} (needs @pytest.mark.{marker})"
        for item in items
        for marker, fixtures in SERVER_FIXTURES.items()
        if fixtures & set(getattr(item, "fixturenames", ()))
        and item.get_closest_marker(marker) is None
    ]
    if unmarked:
        raise pytest.UsageError("tests using a server without its marker: " + ", ".join(unmarked))


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """`threadline` commands run in the test (api.cli.main) reach the test's Neo4j."""
    assert settings.neo4j_uri is not None
    monkeypatch.setenv("NEO4J_URI", settings.neo4j_uri)
    monkeypatch.setenv("NEO4J_USER", settings.neo4j_user)
    monkeypatch.setenv("NEO4J_PASSWORD", settings.neo4j_password.get_secret_value())
