"""Slow-header sockets (slowloris) are closed once the header deadline passes (#28): 50 of them
were kept open 20 s. The real app under uvicorn with the protocol `threadline serve` uses."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from graph.config import Settings
from tests.helpers.server import serve

pytestmark = pytest.mark.integration

DEADLINE = 1.0


@pytest.fixture(scope="module")
def server(settings: Settings) -> Iterator[str]:
    with serve(settings.model_copy(update={"header_timeout_seconds": DEADLINE})) as url:
        yield url


def open_socket(url: str) -> socket.socket:
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    return sock


def closed_by_server(sock: socket.socket) -> bool:
    try:
        return sock.recv(1024) == b""
    except ConnectionResetError:
        return True


def test_fifty_slow_header_sockets_are_closed_after_the_deadline(server: str) -> None:
    sockets = [open_socket(server) for _ in range(50)]
    try:
        for n, sock in enumerate(sockets):
            if n % 2:  # half send part of a request, then nothing; half never send anything
                sock.sendall(b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: app")
        started = time.monotonic()
        assert all(closed_by_server(sock) for sock in sockets)
        waited = time.monotonic() - started
        assert waited < DEADLINE + 3, waited
        # meanwhile and afterwards, ordinary requests are served
        assert httpx.get(f"{server}/healthz", timeout=10).status_code == 200
    finally:
        for sock in sockets:
            sock.close()


def test_headers_sent_slowly_but_in_time_are_served(server: str) -> None:
    with open_socket(server) as sock:
        for piece in (b"GET /healthz HTTP/1.1\r\n", b"Host: x\r\n", b"\r\n"):
            sock.sendall(piece)
            time.sleep(DEADLINE / 4)
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 200")


def test_a_keep_alive_connection_gets_a_fresh_deadline_per_request(server: str) -> None:
    with open_socket(server) as sock:
        for _ in range(3):
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert sock.recv(4096).startswith(b"HTTP/1.1 200")
            time.sleep(DEADLINE * 0.6)  # the requests together take longer than one deadline
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # then stalls mid-headers
        started = time.monotonic()
        assert closed_by_server(sock)
        assert time.monotonic() - started < DEADLINE + 3
