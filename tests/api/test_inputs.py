"""`flat_input` builds the same values as Strawberry's generic argument conversion."""

from __future__ import annotations

from typing import Any

import pytest
import strawberry
from graphql import GraphQLNonNull, coerce_input_value
from strawberry.types.arguments import convert_argument
from strawberry.types.base import get_object_definition

from api.events.types import EventInput
from api.inputs import flat_input
from api.schema import build_schema
from graph.domain.events import Speaker

FULL = {
    "eventId": "e-1",
    "channel": "web",
    "externalUserId": "cookie-1",
    "threadId": "t-1",
    "sessionId": "ses_1",
    "role": "AGENT",
    "text": "hello",
    "occurredAt": "2026-11-25T10:00:00+00:00",
    "attributes": {"plan": "gold", "n": [1, 2]},
    "metadata": {"page": "/cart"},
    "agentId": "agent-7",
}
MINIMAL = {"eventId": "e-2", "channel": "sms", "externalUserId": "+15550001", "text": None}


def convert(value: dict[str, Any], *, generic: bool) -> Any:
    schema = build_schema()
    graphql_type = schema._schema.get_type("EventInput")
    assert graphql_type is not None
    coerced = coerce_input_value(value, GraphQLNonNull(graphql_type))  # type: ignore[arg-type]
    definition = get_object_definition(EventInput, strict=True)
    fast = definition.from_input
    if generic:
        definition.from_input = None
    try:
        return convert_argument(
            coerced, EventInput, schema.schema_converter.scalar_registry, schema.config
        )
    finally:
        definition.from_input = fast


@pytest.mark.parametrize("value", [FULL, MINIMAL], ids=["every-field", "defaults"])
def test_fast_conversion_equals_strawberrys(value: dict[str, Any]) -> None:
    fast = convert(value, generic=False)
    assert isinstance(fast, EventInput)
    assert fast == convert(value, generic=True)


def test_fields_are_converted_not_copied_as_strings() -> None:
    event = convert(FULL, generic=False)
    assert event.role is Speaker.AGENT
    assert event.occurred_at is not None
    assert event.occurred_at.year == 2026
    assert event.attributes == {"plan": "gold", "n": [1, 2]}
    assert convert(MINIMAL, generic=False).role is Speaker.USER  # the published default


@strawberry.input
class Inner:
    x: int


@strawberry.input
class Outer:
    inner: list[Inner] | None = None


def test_nested_input_types_are_refused() -> None:
    with pytest.raises(TypeError, match="not flat"):
        flat_input(Outer)
