"""Every Python snippet of the README and docs/ is valid Python, and those that talk to the API
run as pasted against a dev-mode server (no token: `make serve` needs none)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTED_URL = "http://127.0.0.1:8000"
PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def snippets() -> list[tuple[str, str]]:
    return [
        (f"{page.relative_to(ROOT)}#{number}", code)
        for page in PAGES
        for number, code in enumerate(PYTHON_BLOCK.findall(page.read_text()), 1)
    ]


def client_snippets() -> list[tuple[str, str]]:
    """The snippets that call the API through the Python client and end by themselves."""
    return [(name, code) for name, code in snippets() if "ThreadlineClient(" in code]


@pytest.mark.parametrize(("name", "code"), snippets(), ids=[name for name, _ in snippets()])
def test_every_python_snippet_compiles(name: str, code: str) -> None:
    compile(code, name, "exec")


def test_no_snippet_pastes_a_placeholder_token() -> None:
    pasted = [name for name, code in snippets() if re.search(r"token=\"[^\"]*…", code)]
    assert pasted == []


@pytest.mark.integration
@pytest.mark.parametrize(
    ("name", "code"), client_snippets(), ids=[name for name, _ in client_snippets()]
)
def test_client_snippets_run_as_pasted_against_a_dev_server(
    name: str, code: str, live_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("THREADLINE_TOKEN", raising=False)
    namespace: dict[str, object] = {"__name__": "snippet"}
    exec(compile(code.replace(DOCUMENTED_URL, live_server), name, "exec"), namespace)
    client = namespace.get("client")
    if client is not None:
        client.close()  # type: ignore[attr-defined]


def test_there_are_client_snippets_to_run() -> None:
    assert {name.split("#")[0] for name, _ in client_snippets()} >= {
        "README.md",
        "docs/agents.md",
        "docs/connectors.md",
    }
