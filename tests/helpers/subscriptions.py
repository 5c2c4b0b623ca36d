"""Speaking graphql-transport-ws to the real server, as an agent desktop does."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

SUBSCRIPTION = """
subscription($s: ID, $u: ID) {
  sessionEvents(sessionId: $s, userId: $u) {
    kind sessionId userId channel role text seq attributes agentId status cause
  }
}
"""


async def graphql(http: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    body = (await http.post("/graphql", json={"query": query, "variables": variables})).json()
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]
    return result


async def subscribe(url: str, query: str = SUBSCRIPTION, **variables: Any) -> ClientConnection:
    socket = await connect(
        url.replace("http://", "ws://") + "/graphql",
        subprotocols=[Subprotocol("graphql-transport-ws")],
    )
    await socket.send(json.dumps({"type": "connection_init"}))
    assert json.loads(await socket.recv())["type"] == "connection_ack"
    payload = {"query": query, "variables": variables}
    await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
    return socket


async def next_event(socket: ClientConnection) -> dict[str, Any]:
    message = json.loads(await asyncio.wait_for(socket.recv(), timeout=10))
    assert message["type"] == "next", message
    event: dict[str, Any] = message["payload"]["data"]["sessionEvents"]
    return event
