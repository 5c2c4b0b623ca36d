"""What the Python client sends: events, and the bearer token that authenticates them.
Standard library only."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# RFC 6750's b64token: what an `Authorization: Bearer` value may hold (API keys and JWTs do)
_BEARER_TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
_TOKEN_CHARS = frozenset(string.ascii_letters + string.digits + "-._~+/")


def bearer_headers(token: str | None) -> dict[str, str]:
    """The Authorization header for `token` (none without one). A malformed token — the docs'
    `tlk_…` placeholder pasted as is, a stray space or newline — is refused here, before
    anything is sent, rather than deep inside the HTTP library."""
    if not token:
        return {}
    if not _BEARER_TOKEN.fullmatch(token):
        body = token.rstrip("=")
        position = next((i for i, char in enumerate(body) if char not in _TOKEN_CHARS), 0)
        char = token[position]
        raise ValueError(
            f"token is not a bearer token: {char!r} (U+{ord(char):04X}) at position {position}. "
            "Pass the whole API key (tlk_<id>_<secret>) or JWT, or no token to a server in dev "
            "mode (make serve)."
        )
    return {"Authorization": f"Bearer {token}"}


@dataclass(frozen=True)
class EventInput:
    """One thing that happened on a channel (an utterance, or only state). `event_id` is the
    platform's id: a retry with the same id is stored once."""

    event_id: str
    channel: str
    external_user_id: str
    thread_id: str | None = None
    session_id: str | None = None
    role: str = "USER"  # USER, BOT, AGENT, SYSTEM
    text: str | None = None
    occurred_at: datetime | None = None
    attributes: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None
    agent_id: str | None = None  # the bot or human agent who said a BOT/AGENT message
