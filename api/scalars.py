"""Shared GraphQL scalars and enums."""

from __future__ import annotations

from enum import Enum

import strawberry
from strawberry.scalars import JSON

from graph.events import Role

strawberry.enum(Role, name="Role", description="Who said a message.")


@strawberry.enum(description="Where a session is in its lifecycle.")
class SessionStatus(Enum):
    ACTIVE = "ACTIVE"
    IDLE = "IDLE"
    CLOSED = "CLOSED"
    ARCHIVED = "ARCHIVED"


__all__ = ["JSON", "Role", "SessionStatus"]
