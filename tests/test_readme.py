"""The README's curl walkthrough, run as written against the real server, gives the shown output."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from neo4j import GraphDatabase

from graph.config import Settings
from graph.local.neo4j_server import LocalNeo4j
from tests.helpers.server import serve

pytestmark = pytest.mark.integration

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"```(sh|json)\n(.*?)```", re.DOTALL)
DOCUMENTED_URL = "http://127.0.0.1:8000"


def walkthrough() -> list[tuple[str, str]]:
    """(shell script, expected JSON) pairs: each curl block followed by its output block."""
    blocks = BLOCK.findall(README.read_text())
    return [
        (script, blocks[i + 1][1])
        for i, (kind, script) in enumerate(blocks)
        if kind == "sh" and "curl" in script and i + 1 < len(blocks) and blocks[i + 1][0] == "json"
    ]


def test_readme_has_the_five_step_walkthrough() -> None:
    assert len(walkthrough()) == 5


def test_readme_make_commands_are_the_two_documented_ones() -> None:
    text = README.read_text()
    assert "make serve" in text
    assert "make test" in text


@dataclass(frozen=True)
class NewUsersServer:
    url: str
    neo4j_uri: str


@pytest.fixture(scope="module")
def new_users_server(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[NewUsersServer]:
    """The server a new user's `make serve` gives: a Neo4j of its own holding nothing else, and
    the default embeddings (the suite's servers run without)."""
    if shutil.which("mvn") is None:
        pytest.skip("a second, empty Neo4j needs the local JDK and Maven")
    server = LocalNeo4j(tmp_path_factory.mktemp("new-user-neo4j"), settings)
    uri = server.start()
    defaults = {"neo4j_uri": uri, "embeddings": Settings.model_fields["embeddings"].default}
    try:
        with serve(settings.model_copy(update=defaults)) as url:
            yield NewUsersServer(url, uri)
    finally:
        server.stop()


def wait_until_embedded(neo4j_uri: str, seconds: float = 10) -> None:
    """Messages are embedded just after commit; a reader a moment later sees them embedded."""
    deadline = time.monotonic() + seconds
    with GraphDatabase.driver(neo4j_uri, auth=None) as driver:
        while True:
            records, _, _ = driver.execute_query(
                "MATCH (m:Message) WHERE m.embedding IS NULL AND m.text IS NOT NULL "
                "RETURN count(m) AS due"
            )
            if records[0]["due"] == 0:
                return
            assert time.monotonic() < deadline, "messages not embedded in time"
            time.sleep(0.05)


def test_readme_curl_examples_return_the_documented_output(
    new_users_server: NewUsersServer,
) -> None:
    new_users_server_url = new_users_server.url
    for script, expected in walkthrough():
        if "recall(" in script:
            wait_until_embedded(new_users_server.neo4j_uri)
        result = subprocess.run(
            [
                "bash",
                "-euo",
                "pipefail",
                "-c",
                script.replace(DOCUMENTED_URL, new_users_server_url),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout) == json.loads(expected), script


def test_every_setting_is_in_the_readme_configuration_table() -> None:

    readme = README.read_text()
    missing = [
        env
        for name, field in Settings.model_fields.items()
        if (
            env := field.validation_alias
            if isinstance(field.validation_alias, str)
            else f"THREADLINE_{name.upper()}"
        )
        not in readme
    ]
    assert missing == []


def agent_section() -> str:
    text = README.read_text()
    start = text.index("## Use it from an agent")
    return text[start : text.index("\n## ", start + 1)]


def test_readme_mcp_configuration_names_the_mcp_command() -> None:
    [config] = re.findall(r"```json\n(.*?)```", agent_section(), re.DOTALL)
    server = json.loads(config)["mcpServers"]["threadline"]
    assert server["command"].endswith("/.venv/bin/threadline")
    assert server["args"][0] == "mcp"
    assert "THREADLINE_TOKEN" in server["env"]


def test_readme_langchain_lines_run_as_written(
    live_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    [code] = re.findall(r"```python\n(.*?)```", agent_section(), re.DOTALL)
    monkeypatch.delenv("THREADLINE_TOKEN", raising=False)  # as against `make serve`: no key
    runnable = code.replace(DOCUMENTED_URL, live_server)
    namespace: dict[str, object] = {}
    exec(runnable, namespace)
    history = namespace["history"]
    history.add_user_message("from the LangChain snippet")  # type: ignore[attr-defined]
    assert history.messages[-1].text == "from the LangChain snippet"  # type: ignore[attr-defined]
    found = namespace["retriever"].invoke("LangChain snippet")  # type: ignore[attr-defined]
    assert found[0].page_content == "from the LangChain snippet"
    namespace["client"].close()  # type: ignore[attr-defined]
