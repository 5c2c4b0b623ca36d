"""`threadline cypher` meeting a database error answers one coded line and a non-zero exit,
never a Python traceback (#28): a read that needs more memory than a transaction may have is
LIMIT_EXCEEDED, against the real Neo4j."""

from __future__ import annotations

import pytest

from graph.config import Settings
from tests.helpers.cli import run_threadline

pytestmark = pytest.mark.integration

# collects more than the test server's transactions may hold (70 % of its 512 MiB heap, Neo4j's
# default server.memory.transaction.total.max): refused by the server as it grows
GREEDY = "UNWIND range(1, 40000000) AS x RETURN size(collect(x)) AS n"


def cli(settings: Settings, *args: str) -> tuple[int, str]:
    auth = settings.neo4j_auth() or ("neo4j", "")
    done = run_threadline(
        *args,
        env={
            "NEO4J_URI": str(settings.neo4j_uri),
            "NEO4J_USER": auth[0],
            "NEO4J_PASSWORD": auth[1],
        },
        timeout=180,
    )
    return done.returncode, done.stderr


def test_a_read_over_the_memory_limit_is_one_coded_line(settings: Settings) -> None:
    code, stderr = cli(settings, "cypher", GREEDY)
    assert code == 1, stderr
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: LIMIT_EXCEEDED: the query needs more memory"), lines


def test_an_unreachable_database_is_one_coded_line(settings: Settings) -> None:
    done = run_threadline(
        "cypher", "RETURN 1", env={"NEO4J_URI": "bolt://127.0.0.1:1"}, timeout=180
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("error: UNAVAILABLE: "), done.stderr
