"""Fast construction of flat input types (fields that are scalars, enums or JSON).

Strawberry's generic argument conversion resolves every field's annotation again for every
value: for `ingestEvents(events: [EventInput!]!)` with 100 events that was about a quarter of the
API process's CPU (py-spy, `make bench`'s ingest-batch). graphql-core has already coerced each
field of such an input (IDs, enums to their members, DateTime, JSON) by the time a resolver
runs, so building the instance is a rename of keys. `flat_input` installs that as the type's
`from_input` hook, which Strawberry calls instead of its generic conversion.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from strawberry.types.arguments import InputContext
from strawberry.types.base import (
    StrawberryList,
    StrawberryOptional,
    get_object_definition,
    has_object_definition,
)

T = TypeVar("T", bound=type)


def _nested(field_type: object) -> bool:
    """Whether a field holds something Strawberry would have to convert (an input type)."""
    while isinstance(field_type, (StrawberryOptional, StrawberryList)):
        field_type = field_type.of_type
    return has_object_definition(field_type)


def flat_input(cls: T) -> T:
    """Decorate a `@strawberry.input` class whose fields are all leaves (refused otherwise)."""
    definition = get_object_definition(cls, strict=True)
    for field in definition.fields:
        if _nested(field.resolve_type(type_definition=definition)):
            raise TypeError(f"{cls.__name__}.{field.python_name} is an input type: not flat")
    python_names: dict[int, dict[str, str]] = {}  # per name converter (one per schema config)

    def build(target: type, value: Mapping[str, Any], context: InputContext) -> Any:
        converter = context.config.name_converter
        names = python_names.get(id(converter))
        if names is None:
            names = {converter.from_field(f): f.python_name for f in definition.fields}
            python_names[id(converter)] = names
        return target(**{names[key]: item for key, item in value.items()})

    definition.from_input = build
    return cls
