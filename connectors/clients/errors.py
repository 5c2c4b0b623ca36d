"""Errors of the Python client: the API's coded errors as one exception."""

from __future__ import annotations

from typing import Any

# the error codes a retry can cure (graph.domain.errors marks them retryable; a test keeps the
# two lists equal)
RETRYABLE_CODES = frozenset({"UNAVAILABLE", "ENRICHMENT_FAILED", "TIMEOUT", "INTERNAL"})


class ThreadlineAPIError(Exception):
    """The API answered with an error; `code` is its `extensions.code`."""

    def __init__(self, message: str, code: str, extensions: dict[str, Any]) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.extensions = extensions
