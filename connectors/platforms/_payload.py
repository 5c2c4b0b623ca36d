"""Typed shapes of platform payloads, checked before a connector reads them.

Every connector validates the JSON a platform sent against a pydantic model of the platform's
documented format before reading a field: a payload of the wrong shape (a list where an object
belongs, an object where an id belongs) is a 400 naming the field, never a 500 from deep in the
parser. Models allow fields they do not name (platforms add fields all the time) and treat
`null` lists as empty. Ids are what the platforms define them to be — strings or numbers — and
are carried as strings; anything else (an object, a list, a boolean) is refused.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from connectors.platforms.base import WebhookError


def _platform_id(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("must be a string or a number")
    return str(value)


def _listed(value: Any) -> Any:
    return [] if value is None else value


PlatformId = Annotated[str, BeforeValidator(_platform_id)]
Items = Annotated[list[Any], BeforeValidator(_listed)]


class Payload(BaseModel):
    """A platform object: the fields we read are typed, any others are kept as sent."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


NullAsEmpty = BeforeValidator(_listed)  # `Annotated[list[X], NullAsEmpty]`: null is []


Model = TypeVar("Model", bound=BaseModel)


def validated(model: type[Model], data: Any) -> Model:
    """`data` as `model`, or a 400 naming the first field of the wrong shape."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "payload"
        raise WebhookError(400, f"{where}: {first['msg']}") from None
