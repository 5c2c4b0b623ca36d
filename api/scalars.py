"""Shared GraphQL scalars and enums."""

from __future__ import annotations

from enum import Enum

import strawberry
from strawberry.scalars import JSON

from graph.domain.attribute_policies import MergePolicy
from graph.domain.events import Speaker

strawberry.enum(Speaker, name="Role", description="Who said a message.")
Role = Speaker  # the GraphQL enum keeps its published name, `Role`
strawberry.enum(
    MergePolicy,
    name="MergePolicy",
    description="How a write to an attribute key combines with the stored value.",
)


@strawberry.enum(description="Where a session is in its lifecycle.")
class SessionStatus(Enum):
    ACTIVE = "ACTIVE"
    IDLE = "IDLE"
    CLOSED = "CLOSED"
    ARCHIVED = "ARCHIVED"


__all__ = ["JSON", "MergePolicy", "Role", "SessionStatus"]
