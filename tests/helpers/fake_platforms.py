"""Local stand-ins for the platforms' APIs: a real HTTP server that records every request and
answers from a script, and a real SMTP server (aiosmtpd) that keeps what it receives."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

from graph.local.neo4j_server import free_port


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class FakePlatforms:
    """Answers each path prefix from its script of (status, JSON) replies, in order (the last
    repeats); records every request."""

    url: str = ""
    scripts: dict[str, list[tuple[int, Any]]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, path: str) -> tuple[int, Any]:
        with self.lock:
            for prefix, script in self.scripts.items():
                if path.startswith(prefix):
                    return script.pop(0) if len(script) > 1 else script[0]
        return 404, {"error": f"no script for {path}"}

    def to(self, prefix: str) -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if r.path.startswith(prefix)]

    def wait_for(self, prefix: str, count: int = 1, timeout: float = 15) -> list[Recorded]:
        found: list[Recorded] = wait_until(
            lambda: found if len(found := self.to(prefix)) >= count else None, timeout
        )
        return found


def wait_until(check: Callable[[], Any], timeout: float = 15, step: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(step)


@contextmanager
def fake_platforms() -> Iterator[FakePlatforms]:
    platforms = FakePlatforms()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length)
            with platforms.lock:
                platforms.requests.append(
                    Recorded(
                        "POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body
                    )
                )
            status, reply = platforms.answer(self.path)
            raw = json.dumps(reply).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
            return

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    platforms.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield platforms
    finally:
        server.shutdown()
        server.server_close()


class Mailbox:
    """An aiosmtpd handler keeping every message it is handed."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.original_content or envelope.content))
        return "250 OK"


@contextmanager
def fake_smtp() -> Iterator[tuple[int, Mailbox]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, mailbox
    finally:
        controller.stop()
