"""Where Neo4j comes from, decided in one place for tests, benchmarks and tools.

Order: `NEO4J_URI` (any external server or cluster) → a Docker engine that answers (testcontainers,
`neo4j:5.26-community`) → a local server from Maven Central on the local JDK (`LocalNeo4j`).
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from graph.config import Settings
from graph.local.neo4j_server import LocalNeo4j

log = logging.getLogger(__name__)

DOCKER_IMAGE = "neo4j:5.26-community"


@dataclass(frozen=True)
class Neo4jTarget:
    """How to reach a server: the driver's URI, auth and database, and where it came from."""

    uri: str
    auth: tuple[str, str] | None
    database: str
    source: str  # "external", "docker" or "local"
    home: Path | None = None  # a local server's folder (config, data, logs)


def _docker_endpoint_exists() -> bool:
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    return not host.startswith("unix://") or Path(host.removeprefix("unix://")).exists()


def docker_available() -> bool:
    """True when testcontainers' Docker client can reach an engine."""
    if not _docker_endpoint_exists():  # the client leaks a socket when it finds no engine
        return False
    try:
        import docker  # optional: only installed with the dev extra

        client = docker.from_env()
    except Exception:  # any failure means "no engine"
        return False
    try:
        return bool(client.ping())
    except Exception:
        return False
    finally:
        client.close()


@contextmanager
def _docker_neo4j() -> Iterator[Neo4jTarget]:
    try:  # testcontainers >= 4.15 moved the module; the old path warns
        from testcontainers.community.neo4j import Neo4jContainer
    except ImportError:  # pragma: no cover - older testcontainers
        from testcontainers.neo4j import Neo4jContainer
    password = "threadline-test"  # noqa: S105 - a throwaway container on loopback
    with Neo4jContainer(image=DOCKER_IMAGE, password=password) as container:
        yield Neo4jTarget(container.get_connection_url(), ("neo4j", password), "neo4j", "docker")


@contextmanager
def provision(settings: Settings, home: Path | None = None) -> Iterator[Neo4jTarget]:
    """A reachable Neo4j for the duration of the `with` block; stops what it started.

    `home` keeps a local server's data (default: a temporary folder removed afterwards).
    """
    if settings.neo4j_uri:
        yield Neo4jTarget(
            settings.neo4j_uri, settings.neo4j_auth(), settings.neo4j_database, "external"
        )
        return
    if docker_available():
        log.info("starting Neo4j in Docker (%s)", DOCKER_IMAGE)
        with _docker_neo4j() as target:
            yield target
        return
    with tempfile.TemporaryDirectory(prefix="threadline-neo4j-") as scratch:
        server = LocalNeo4j(home or Path(scratch), settings)
        log.info("starting local Neo4j %s from Maven Central jars", settings.neo4j_version)
        uri = server.start()
        try:
            yield Neo4jTarget(uri, None, "neo4j", "local", server.home)
        finally:
            server.stop()
