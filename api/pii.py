"""One mechanism for PII in the API: fields declare a mask; callers without PII access get it.

`strawberry.field(extensions=[Pii(mask)])` on any field; `mask(value, source)` gets the resolved
value and the object it belongs to (e.g. a mention's `type`). Roles without PII access (and any
request without a principal) see the masked value; resolvers stay unaware.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from strawberry.extensions import FieldExtension
from strawberry.types import Info

from graph.masking import (
    mask_entity_key,
    mask_entity_value,
    mask_identifier,
    mask_identity_key,
    redact_text,
)

Mask = Callable[[Any, Any], Any]


class Pii(FieldExtension):
    def __init__(self, mask: Mask) -> None:
        self.mask = mask

    def _shown(self, value: Any, source: Any, info: Info) -> Any:
        principal = getattr(info.context, "principal", None)
        if value is None or (principal is not None and principal.sees_pii):
            return value
        return self.mask(value, source)

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        return self._shown(next_(source, info, **kwargs), source, info)

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        return self._shown(await next_(source, info, **kwargs), source, info)


def identifier() -> list[FieldExtension]:
    return [Pii(lambda value, _: mask_identifier(value))]


def identity_key() -> list[FieldExtension]:
    return [Pii(lambda value, _: mask_identity_key(value))]


def identity_keys() -> list[FieldExtension]:
    return [Pii(lambda values, _: [mask_identity_key(v) for v in values])]


def free_text() -> list[FieldExtension]:
    return [Pii(lambda value, _: redact_text(value))]


def entity_value() -> list[FieldExtension]:
    """An entity's value or surface text; masked when the entity's `type` is personal data."""
    return [Pii(lambda value, source: mask_entity_value(source.type, value))]


def entity_key() -> list[FieldExtension]:
    return [Pii(lambda value, _: mask_entity_key(value))]
