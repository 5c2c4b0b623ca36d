"""A CLI that finds things: without NEO4J_URI a command uses the Neo4j `make serve` / `threadline
neo4j start` runs from this folder (and says so); `GET /` says where everything is."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import httpx
import pytest

from graph.config import Settings
from tests.helpers.cli import run_threadline

pytestmark = pytest.mark.integration


def threadline(cwd: Path, settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    auth = settings.neo4j_auth() or ("neo4j", "")
    return run_threadline(
        *args, cwd=cwd, env={"NEO4J_USER": auth[0], "NEO4J_PASSWORD": auth[1]}, timeout=120
    )


def test_commands_find_the_local_neo4j_when_neo4j_uri_is_unset(
    settings: Settings, tmp_path: Path
) -> None:
    missing = threadline(tmp_path, settings, "analytics", "run", "session_length")
    assert missing.returncode != 0
    assert "NEO4J_URI is not set" in missing.stderr
    # what `threadline neo4j start` records in its data dir (a live pid: this test's own)
    home = tmp_path / ".threadline" / "neo4j"
    home.mkdir(parents=True)
    state = {"pid": os.getpid(), "port": 0, "uri": settings.neo4j_uri, "browser": None}
    (home / "server.json").write_text(json.dumps(state))
    found = threadline(tmp_path, settings, "analytics", "run", "session_length")
    assert found.returncode == 0, found.stderr
    assert f"using the local Neo4j at {settings.neo4j_uri}" in found.stderr


def test_the_root_says_where_everything_is(live_server: str) -> None:
    response = httpx.get(f"{live_server}/", timeout=10)
    assert response.status_code == 200
    body = response.json()
    assert body["graphql"] == "/graphql"
    assert body["dashboard"] == "/dashboard"
    assert httpx.get(f"{live_server}{body['health']}", timeout=10).status_code == 200
