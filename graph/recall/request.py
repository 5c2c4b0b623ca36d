"""What a recall asks for, checked once, where it is built."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from graph.domain.errors import BadInputError, LimitExceededError
from graph.domain.recall import MAX_QUERY_CHARS

MAX_LIMIT = 100
MAX_NEIGHBORS = 5
MAX_FILTER_VALUES = 50


@dataclass(frozen=True)
class RecallRequest:
    """A question and the filters of a recall."""

    query: str
    limit: int = 10
    channels: list[str] | None = None
    roles: list[str] | None = None
    since: datetime | None = None
    until: datetime | None = None
    neighbors: int = 0

    def __post_init__(self) -> None:
        check_request(self)


def check_request(request: RecallRequest) -> None:
    if not request.query.strip():
        raise BadInputError("query must not be empty", field="query")
    if len(request.query) > MAX_QUERY_CHARS:
        raise LimitExceededError(
            f"query must be at most {MAX_QUERY_CHARS} characters",
            field="query",
            limit=MAX_QUERY_CHARS,
        )
    if request.limit < 1:
        raise BadInputError("limit must be >= 1", field="limit")
    if request.limit > MAX_LIMIT:
        raise LimitExceededError(f"limit must be <= {MAX_LIMIT}", field="limit", limit=MAX_LIMIT)
    if not 0 <= request.neighbors <= MAX_NEIGHBORS:
        raise BadInputError(f"neighbors must be 0..{MAX_NEIGHBORS}", field="neighbors")
    for name, values in (("channels", request.channels), ("roles", request.roles)):
        if values is not None and len(values) > MAX_FILTER_VALUES:
            raise LimitExceededError(
                f"{name} must list at most {MAX_FILTER_VALUES} values",
                field=name,
                limit=MAX_FILTER_VALUES,
            )
    if request.since and request.until and request.since >= request.until:
        raise BadInputError("since must be before until", field="since")
