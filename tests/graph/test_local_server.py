"""`threadline neo4j start|status|stop`: a persistent local Neo4j from Maven Central jars."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from neo4j import GraphDatabase

from graph.domain.errors import Neo4jUnavailableError
from graph.local.neo4j_server import SUPPORTED_JAVA, _java_major, find_java, free_port


def java_available() -> bool:
    try:
        find_java()
    except Neo4jUnavailableError:
        return False
    return shutil.which("mvn") is not None


def threadline(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_free_port_prefers_the_requested_port_when_free() -> None:
    port = free_port()
    assert free_port(port) == port
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        assert free_port(taken) != taken


@pytest.mark.skipif(not java_available(), reason="needs a JDK 17/21 and Maven")
def test_find_java_picks_a_version_neo4j_runs_on() -> None:
    assert _java_major(find_java()) in SUPPORTED_JAVA


@pytest.mark.integration
@pytest.mark.skipif(not java_available(), reason="needs a JDK 17/21 and Maven")
def test_cli_starts_reports_stops_and_restarts_a_persistent_server_with_its_browser(
    tmp_path: Path,
) -> None:
    data_dir = str(tmp_path / "neo4j")
    started = threadline("neo4j", "start", "--data-dir", data_dir)
    try:
        assert started.returncode == 0, started.stderr
        [line] = started.stdout.splitlines()  # stdout is exactly the line a script evals
        assert line.startswith("NEO4J_URI=bolt://127.0.0.1:")
        uri = line.removeprefix("NEO4J_URI=")
        again = threadline("neo4j", "start", "--data-dir", data_dir)
        assert again.stdout == started.stdout  # already running: same server
        status = threadline("neo4j", "status", "--data-dir", data_dir)
        assert (status.returncode, status.stdout) == (0, started.stdout)
        with GraphDatabase.driver(uri) as driver:
            driver.execute_query("CREATE (:Marker {name: 'kept'})")
            tuned, _, _ = driver.execute_query(
                "SHOW SETTINGS YIELD name, value WHERE name IN "
                "['server.bolt.connection_keep_alive_for_requests', "
                "'dbms.cypher.min_replan_interval'] RETURN name, value ORDER BY name"
            )
        # no recv-timeout hint (the async driver arms no timer per socket read), and stale-plan
        # re-planning (50-550 ms inside a query) at most every 5 minutes
        assert [(r["name"], r["value"]) for r in tuned] == [
            ("dbms.cypher.min_replan_interval", "5m"),
            ("server.bolt.connection_keep_alive_for_requests", "STREAMING"),
        ]
    finally:
        stopped = threadline("neo4j", "stop", "--data-dir", data_dir)
    assert stopped.returncode == 0
    assert threadline("neo4j", "status", "--data-dir", data_dir).returncode == 1

    # started again, with the Neo4j Browser this time (one server start serves both checks)
    restarted = threadline("neo4j", "start", "--browser", "--data-dir", data_dir)
    try:
        assert restarted.stdout == started.stdout  # the port is reused when free
        with GraphDatabase.driver(uri) as driver:
            records, _, _ = driver.execute_query("MATCH (m:Marker) RETURN m.name AS name")
        assert [r["name"] for r in records] == ["kept"]
        found = re.search(r"Neo4j Browser: (http://127\.0\.0\.1:\d+/browser/)", restarted.stderr)
        assert found, restarted.stderr
        page = httpx.get(found.group(1), timeout=30)
        assert page.status_code == 200, page.text[:300]
        assert "<title>Neo4j Browser" in page.text
    finally:
        threadline("neo4j", "stop", "--data-dir", data_dir)
