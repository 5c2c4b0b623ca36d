"""The README's curl walkthrough, run as written against the real server, gives the shown output."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from neo4j import Driver

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


def forget_the_walkthrough(driver: Driver) -> None:
    """The walkthrough uses fixed ids: remove what an earlier run left on a shared server."""
    driver.execute_query(
        """
        MATCH (i:Identity) WHERE i.key IN ['web:readme-cookie-42', 'mobile:readme-account-42']
        OPTIONAL MATCH (i)-[:IDENTIFIES]->(u:User)
        OPTIONAL MATCH (u)-[:HAS_SESSION]->(s:Session)
        OPTIONAL MATCH (s)<-[:IN]-(part)
        DETACH DELETE i, u, s, part
        """
    )


def test_readme_curl_examples_return_the_documented_output(
    live_server: str, driver: Driver
) -> None:
    forget_the_walkthrough(driver)
    for script, expected in walkthrough():
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script.replace(DOCUMENTED_URL, live_server)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout) == json.loads(expected), script


def test_every_setting_is_in_the_readme_configuration_table() -> None:
    from graph.config import Settings

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


def test_readme_langchain_lines_run_as_written(live_server: str) -> None:
    [code] = re.findall(r"```python\n(.*?)```", agent_section(), re.DOTALL)
    # dev mode: no key needed (a made-up one would be refused)
    runnable = code.replace(DOCUMENTED_URL, live_server).replace('token="tlk_…"', "token=None")
    namespace: dict[str, object] = {}
    exec(runnable, namespace)
    history = namespace["history"]
    history.add_user_message("from the LangChain snippet")  # type: ignore[attr-defined]
    assert history.messages[-1].text == "from the LangChain snippet"  # type: ignore[attr-defined]
    found = namespace["retriever"].invoke("LangChain snippet")  # type: ignore[attr-defined]
    assert found[0].page_content == "from the LangChain snippet"
    namespace["client"].close()  # type: ignore[attr-defined]
