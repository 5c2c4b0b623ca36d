"""What a new user tripped on (#27): a pasted placeholder token, a taken port, `--help` without
defaults, the CLI run from a subfolder, and `GET /` in a browser."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from api.cli import parser
from api.cli.support import EXIT_CANNOT_LISTEN, local_neo4j_dir
from api.index_page import INDEX, index
from connectors.clients.client import ThreadlineClient
from connectors.clients.inputs import bearer_headers
from tests.helpers.cli import ROOT, run_threadline

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def threadline(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return run_threadline(*args, cwd=cwd, timeout=120)


@pytest.mark.parametrize(
    ("token", "offence"),
    [
        ("tlk_…", "U+2026"),  # the docs' placeholder, pasted as is
        ("tlk_abc_def ", "U+0020"),  # a trailing space
        ("tlk_abc\n", "U+000A"),
        ("tlk_abc=def", "U+003D"),  # '=' only as padding at the end
        ("==", "U+003D"),
    ],
)
def test_the_client_refuses_a_malformed_token_before_sending(token: str, offence: str) -> None:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200)

    transport = httpx.MockTransport(answer)
    with pytest.raises(ValueError, match=re.escape(offence)) as refused:
        ThreadlineClient("http://127.0.0.1:8000", token=token, transport=transport)
    assert "not a bearer token" in str(refused.value)
    assert sent == []


def test_well_formed_tokens_and_no_token_pass() -> None:
    key = "tlk_351c7b1ede3f13cf_Qm9vLXRva2VuLXNlY3JldC1ieXRlcy0xMjM0NTY3ODk"
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl-_w=="
    assert bearer_headers(key) == {"Authorization": f"Bearer {key}"}
    assert bearer_headers(jwt) == {"Authorization": f"Bearer {jwt}"}
    assert bearer_headers(None) == bearer_headers("") == {}


def test_help_is_whole_and_shows_every_default() -> None:
    root = threadline("--help")
    assert "run a local Neo4j for development." in root.stdout  # not cut mid-sentence
    mcp = threadline("mcp", "--help").stdout
    assert "(default: 8377)" in mcp
    assert "(default: 127.0.0.1)" in mcp
    serve = threadline("serve", "--help").stdout
    assert "(default: 8000)" in serve
    assert "(default: 1)" in serve  # --workers


def every_parser(root: object) -> list[object]:
    import argparse

    assert isinstance(root, argparse.ArgumentParser)
    found: list[object] = [root]
    for action in root._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                found += every_parser(child)
    return found


def test_every_option_with_a_default_says_it_in_help() -> None:
    import argparse

    for command in every_parser(parser()):
        assert isinstance(command, argparse.ArgumentParser)
        text = command.format_help()
        for action in command._actions:
            if action.option_strings and action.default not in (None, False, argparse.SUPPRESS):
                assert f"(default: {action.default})" in " ".join(text.split()), (
                    command.prog,
                    action.dest,
                )


@pytest.mark.parametrize("command", [["mcp", "--http"], ["serve", "--dev"]])
def test_a_taken_port_fails_with_one_clear_line_and_its_own_exit_code(command: list[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        env_uri = ["NEO4J_URI=bolt://127.0.0.1:1"] if command[0] == "serve" else []
        result = subprocess.run(
            ["env", *env_uri, sys.executable, "-m", "api.cli", *command, "--port", port],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == EXIT_CANNOT_LISTEN, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        f"error: cannot listen on 127.0.0.1:{port}: the port is in use by "
        "another process; choose another with --port"
    ]
    assert "http://127.0.0.1" not in result.stderr  # nothing announced that does not listen


def test_the_local_neo4j_is_found_from_any_subfolder(tmp_path: Path) -> None:
    home = tmp_path / ".threadline" / "neo4j"
    home.mkdir(parents=True)
    deep = tmp_path / "docs" / "a" / "b"
    deep.mkdir(parents=True)
    assert local_neo4j_dir(deep) == home
    assert local_neo4j_dir(tmp_path) == home
    elsewhere = tmp_path.parent / f"{tmp_path.name}-other"
    elsewhere.mkdir()
    assert local_neo4j_dir(elsewhere) == elsewhere / ".threadline" / "neo4j"


def test_neo4j_status_from_a_subfolder_reads_the_server_of_the_folder_above(
    tmp_path: Path,
) -> None:
    home = tmp_path / ".threadline" / "neo4j"
    home.mkdir(parents=True)
    state = {"pid": os.getpid(), "port": 7687, "uri": "bolt://127.0.0.1:7687", "browser": None}
    (home / "server.json").write_text(json.dumps(state))
    deep = tmp_path / "connectors" / "web-sdk"
    deep.mkdir(parents=True)
    status = threadline("neo4j", "status", cwd=deep)
    assert status.returncode == 0, status.stderr
    assert status.stdout.strip() == "NEO4J_URI=bolt://127.0.0.1:7687"


def index_client() -> TestClient:
    return TestClient(Starlette(routes=[Route("/", index)]))


def test_the_root_answers_a_browser_with_a_page_and_anything_else_with_json() -> None:
    with index_client() as client:
        page = client.get("/", headers={"accept": BROWSER_ACCEPT})
        assert page.headers["content-type"].startswith("text/html")
        for path in INDEX.values():
            if path.startswith("/"):
                assert f'href="{path}"' in page.text
        assert "docs/" in page.text
        for accept in ("*/*", "application/json", "application/json, text/html"):
            answer = client.get("/", headers={"accept": accept})
            assert answer.json() == INDEX, accept
        assert client.get("/").json() == INDEX  # no Accept at all
