"""HTTP/1.1 as uvicorn speaks it, plus a deadline for a request's headers.

uvicorn closes idle keep-alive connections, but a connection that has sent part of a request's
headers — or nothing at all since it opened — is kept open for as long as the client likes:
fifty such slow-header sockets (slowloris) held their slots indefinitely. Here a connection must
deliver a request's complete headers within `header_timeout` seconds of opening, or of the
request's first byte; otherwise it is closed. The body is bounded elsewhere (the /graphql body
limit and request timeout).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

DEFAULT_HEADER_TIMEOUT_SECONDS = 10.0


class HeaderDeadlineProtocol(HttpToolsProtocol):
    """`HttpToolsProtocol` that closes a connection whose request headers do not arrive in time.
    `header_timeout` is set once per process (`threadline serve` from THREADLINE_HEADER_TIMEOUT_
    SECONDS; each worker of `--workers` from its environment)."""

    header_timeout: float = DEFAULT_HEADER_TIMEOUT_SECONDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._header_deadline = self.loop.call_later(self.header_timeout, self._too_slow)

    def _disarm(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _too_slow(self) -> None:
        self._header_deadline = None
        if not self.transport.is_closing():
            self.transport.close()


def use_header_timeout(seconds: float) -> None:
    """Set this process's deadline for request headers."""
    HeaderDeadlineProtocol.header_timeout = seconds
