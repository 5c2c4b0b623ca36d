"""Shared GraphQL scalars and enums."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON

from graph.domain.attribute_policies import MergePolicy
from graph.domain.events import Speaker
from graph.store.attributes import AttributeWrite

# who said a message: `Speaker` in Python (never confused with a caller's `CallerRole`), `Role`
# in the published schema
strawberry.enum(Speaker, name="Role", description="Who said a message.")
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


__all__ = ["JSON", "AttributeWriteOptions", "MergePolicy", "SessionStatus", "Speaker"]


@strawberry.input(
    description="How an attribute write combines with what is stored (every field optional): "
    "setSessionAttributes and setUserAttributes take it as `options`."
)
class AttributeWriteOptions:
    channel: str | None = strawberry.field(
        default=None, description="Who writes (ranked by CHANNEL_PRECEDENCE)."
    )
    at: datetime | None = strawberry.field(
        default=None, description="The write's event time for LAST_WRITE_WINS (default: now)."
    )
    policy: MergePolicy | None = strawberry.field(
        default=None, description="One policy for every key of this write, not the configured ones."
    )
    channel_order: list[str] | None = strawberry.field(
        default=None, description="The CHANNEL_PRECEDENCE ranking for this write."
    )

    def write(self, attributes: Any, expected_version: int | None) -> AttributeWrite:
        return AttributeWrite(
            attributes,
            expected_version,
            self.channel,
            self.at,
            self.policy,
            tuple(self.channel_order or ()),
        )


def attribute_write(
    attributes: Any, expected_version: int | None, options: AttributeWriteOptions | None
) -> AttributeWrite:
    """The write an attribute mutation asks for."""
    return (options or AttributeWriteOptions()).write(attributes, expected_version)
