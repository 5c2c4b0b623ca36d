"""`threadline mcp` driven by the official MCP SDK's client, over stdio and over streamable HTTP,
against the real API (authentication on) and the real Neo4j: the tools are listed with their
schemas, each answers with the expected data, the session resource reads, a wrong token or
role is refused, and bad arguments are tool errors, not crashes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import httpx2
import pytest
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from connectors.clients.client import ThreadlineClient
from graph.config import Settings
from graph.domain.callers import CallerRole
from graph.local.neo4j_server import free_port
from tests.helpers.server import make_key

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
TOOLS = {
    "get_context",
    "recall",
    "get_brief",
    "add_message",
    "set_attributes",
    "handoff",
    "search_sessions",
}


@pytest.fixture(scope="module")
def keys(secure_settings: Settings) -> dict[str, str]:
    return {
        role: make_key(secure_settings, getattr(CallerRole, role))[1]
        for role in ("AGENT", "CONNECTOR", "ADMIN")
    }


def stdio_params(url: str, token: str) -> StdioServerParameters:
    env = {**os.environ, "THREADLINE_TOKEN": token, "THREADLINE_LOG_LEVEL": "warning"}
    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "api.cli", "mcp", "--url", url],
        env=env,
        cwd=str(ROOT),
    )


@asynccontextmanager
async def over_stdio(url: str, token: str) -> AsyncIterator[ClientSession]:
    async with (
        stdio_client(stdio_params(url, token)) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


def result_data(result: Any) -> Any:
    assert not result.is_error, result.content
    if result.structured_content is not None:
        content = result.structured_content
        return content.get("result", content) if isinstance(content, dict) else content
    return json.loads(result.content[0].text)


def error_text(result: Any) -> str:
    """A tool error's text after the SDK's `Error executing tool <name>: ` prefix."""
    assert result.is_error, result
    text = str(result.content[0].text)
    return text.split(": ", 1)[1] if text.startswith("Error executing tool") else text


async def exercise_every_tool(mcp: ClientSession, uid: str) -> None:
    """List the tools, then call each one and read the resource, checking what comes back."""
    digits = f"{int(uid[:6], 16) % 10**6:06d}"
    listed = await mcp.list_tools()
    tools = {tool.name: tool for tool in listed.tools}
    assert set(tools) >= TOOLS
    assert tools["recall"].input_schema["required"] == ["query"]
    assert "channel" in tools["add_message"].input_schema["properties"]
    assert all(tool.description for tool in tools.values())

    first = result_data(
        await mcp.call_tool(
            "add_message",
            {
                "channel": "web",
                "external_user_id": f"w-{uid}",
                "text": f"Hi, where is my order A-{digits}? It is late.",
                "event_id": f"{uid}-1",
            },
        )
    )
    session = first["session_id"]
    again = result_data(
        await mcp.call_tool(
            "add_message",
            {
                "channel": "web",
                "external_user_id": f"w-{uid}",
                "text": "x",
                "event_id": f"{uid}-1",
            },
        )
    )
    assert again["duplicate"] is True
    result_data(
        await mcp.call_tool(
            "add_message",
            {
                "channel": "whatsapp",
                "external_user_id": f"wa-{uid}",
                "text": "Can you send it to my office instead?",
                "session_id": session,
            },
        )
    )
    context = result_data(await mcp.call_tool("get_context", {"session_id": session}))
    assert [m["channel"] for m in context["messages"]] == ["web", "whatsapp"]
    found = result_data(
        await mcp.call_tool(
            "recall", {"query": f"where is order a{digits}?", "session_id": session}
        )
    )
    assert found["hits"][0]["message"]["seq"] == 1
    assert "web USER: Hi, where is my order" in found["text"]
    brief = result_data(await mcp.call_tool("get_brief", {"session_id": session}))
    assert brief["issue"]["intent"] == "order_status"
    assert brief["channel_path"] == ["web", "whatsapp"]
    assert brief["text"].startswith("Issue: order_status")
    written = result_data(
        await mcp.call_tool(
            "set_attributes", {"session_id": session, "attributes": {"step": "address"}}
        )
    )
    assert written == {"version": 1, "attributes": {"step": "address"}}
    conflict = await mcp.call_tool(
        "set_attributes",
        {"session_id": session, "attributes": {"step": "x"}, "expected_version": 0},
    )
    assert error_text(conflict).startswith("CONFLICT")
    handed = result_data(
        await mcp.call_tool(
            "handoff",
            {"session_id": session, "agent_id": f"ann-{uid}", "reason": "address change"},
        )
    )
    assert handed["handler_id"] == f"ann-{uid}"
    sessions = result_data(
        await mcp.call_tool("search_sessions", {"entity": f"ORDER_ID:A{digits}"})
    )
    assert [s["id"] for s in sessions] == [session]

    resource = await mcp.read_resource(f"threadline://session/{session}")
    [content] = resource.contents
    text = getattr(content, "text", "")
    assert text.startswith(f"session {session}")
    assert "whatsapp USER: Can you send it to my office instead?" in text

    missing = await mcp.call_tool("get_context", {"session_id": f"ses_nope{uid}"})
    # exactly the form docs/agents.md shows: the SDK's prefix, then the Threadline code
    text = getattr(missing.content[0], "text", "")
    assert text.startswith("Error executing tool get_context: NOT_FOUND: ")
    bad = await mcp.call_tool("recall", {"query": "x", "session_id": session, "limit": 1000})
    assert bad.is_error  # the input schema refuses it, the server lives on
    # closed input schemas: an argument a tool does not declare is refused, not dropped
    extra = await mcp.call_tool("get_context", {"session_id": session, "extra": "x"})
    assert extra.is_error
    assert "extra" in getattr(extra.content[0], "text", "").lower()
    listed = await mcp.list_tools()
    assert all(tool.input_schema.get("additionalProperties") is False for tool in listed.tools)
    assert result_data(await mcp.call_tool("get_brief", {"session_id": session}))


def test_every_tool_over_stdio(secure_server: str, keys: dict[str, str], uid: str) -> None:
    with ThreadlineClient(secure_server, token=keys["ADMIN"]) as admin:
        admin.upsert_agent(f"ann-{uid}", "HUMAN", "Ann")

    async def scenario() -> None:
        async with over_stdio(secure_server, keys["AGENT"]) as mcp:
            await exercise_every_tool(mcp, uid)

    anyio.run(scenario)


def test_stdio_refuses_a_wrong_token_and_a_role_without_the_right(
    secure_server: str, keys: dict[str, str], uid: str
) -> None:
    async def scenario() -> None:
        async with over_stdio(secure_server, "tl_not_a_key") as mcp:
            refused = await mcp.call_tool("get_context", {"user_id": f"usr_{uid}"})
            assert error_text(refused).startswith("UNAUTHENTICATED")
        async with over_stdio(secure_server, keys["CONNECTOR"]) as mcp:
            refused = await mcp.call_tool("get_brief", {"user_id": f"usr_{uid}"})
            assert error_text(refused).startswith("FORBIDDEN")

    anyio.run(scenario)


@pytest.fixture(scope="module")
def mcp_http(secure_server: str) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "api.cli",
            "mcp",
            "--http",
            "--port",
            str(port),
            "--url",
            secure_server,
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/mcp"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(url, timeout=1)
            break
        except httpx.TransportError:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "threadline mcp --http did not start"
            time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(timeout=10)
    if process.stderr is not None:
        process.stderr.close()


@asynccontextmanager
async def over_http(url: str, token: str) -> AsyncIterator[ClientSession]:
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30) as http,
        streamable_http_client(url, http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


def test_every_tool_over_http_with_the_callers_own_token(
    mcp_http: str, secure_server: str, keys: dict[str, str], uid: str
) -> None:
    assert httpx.post(mcp_http, json={}, timeout=5).status_code == 401  # no bearer, no entry
    # a bearer Threadline refuses gets no further than one it never saw: not even `initialize`
    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "probe", "version": "1"},
        },
    }
    accept = {"accept": "application/json, text/event-stream"}
    for wrong in ("tl_wrong", "tlk_0000_not-a-key", "eyJhbGciOiJub25lIn0.e30."):
        refused = httpx.post(
            mcp_http, json=initialize, headers=accept | {"authorization": f"Bearer {wrong}"}
        )
        assert refused.status_code == 401, refused.text
        assert refused.headers["www-authenticate"] == "Bearer"
    admitted = httpx.post(
        mcp_http, json=initialize, headers=accept | {"authorization": f"Bearer {keys['AGENT']}"}
    )
    assert admitted.status_code == 200, admitted.text
    with ThreadlineClient(secure_server, token=keys["ADMIN"]) as admin:
        admin.upsert_agent(f"ann-{uid}", "HUMAN", "Ann")

    async def scenario() -> None:
        async with over_http(mcp_http, keys["AGENT"]) as mcp:
            await exercise_every_tool(mcp, uid)
        async with over_http(mcp_http, keys["CONNECTOR"]) as mcp:
            refused = await mcp.call_tool("get_context", {"user_id": f"usr_{uid}"})
            assert error_text(refused).startswith("FORBIDDEN")

    anyio.run(scenario)
