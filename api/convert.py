"""GraphQL objects built from the graph's records by one rule instead of field-by-field copies.

`from_record(Type, record, **overrides)`: every data field of the strawberry type (resolver
fields are skipped) takes the record's attribute of the same Python name, turned into the
field's enum where the field is an enum, or into its object type (or a list of them) by that
type's own `from_record` when it has one, else by this rule; `overrides` give the fields whose
source is named or shaped differently.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, TypeVar

from strawberry.types.base import StrawberryList, StrawberryOptional, has_object_definition

T = TypeVar("T")


def from_record(cls: type[T], record: Any, **overrides: Any) -> T:
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    values: dict[str, Any] = {}
    for field in definition.fields:
        if field.base_resolver is not None:
            continue  # computed on request
        name = field.python_name
        values[name] = (
            overrides[name] if name in overrides else _shaped(field.type, getattr(record, name))
        )
    return cls(**values)


def _shaped(kind: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(kind, StrawberryOptional):
        return _shaped(kind.of_type, value)
    if isinstance(kind, StrawberryList):
        return [_shaped(kind.of_type, item) for item in value]
    if isinstance(kind, type) and issubclass(kind, Enum) and not isinstance(value, kind):
        return kind(value)
    if has_object_definition(kind) and not isinstance(value, kind):
        own = getattr(kind, "from_record", None)  # a type's own rule (its overrides) comes first
        return own(value) if own is not None else from_record(kind, value)
    return value
