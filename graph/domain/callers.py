"""Who may call the API: the roles of API keys, JWTs and user tokens (what each may do is in
`api/permissions.py` and docs/security.md's role table)."""

from __future__ import annotations

from enum import StrEnum


class CallerRole(StrEnum):
    CONNECTOR = "connector"  # ingest only (optionally for some channels)
    AGENT = "agent"  # read context, handoff, attributes, identity
    ANALYST = "analyst"  # read and analytics, PII masked
    ADMIN = "admin"  # everything: erase/export, audit, keys
    USER = "user"  # an end user's device: its own identity's sessions only (user tokens)
