"""The one error hierarchy of Threadline: every expected failure carries a stable `code`."""

from __future__ import annotations

from typing import Any


class ThreadlineError(Exception):
    """Root of every error a caller can act on; `code` is what clients branch on."""

    code = "INTERNAL"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class BadInputError(ThreadlineError):
    """The request is malformed: a field is missing, too long, or out of range."""

    code = "BAD_INPUT"


class NotFoundError(ThreadlineError):
    """A referenced user, session or identity does not exist."""

    code = "NOT_FOUND"


class ConflictError(ThreadlineError):
    """A concurrent change won; `details` carries the current state."""

    code = "CONFLICT"


class LimitExceededError(ThreadlineError):
    """The request asks for more than the service allows in one call."""

    code = "LIMIT_EXCEEDED"


class Neo4jUnavailableError(ThreadlineError):
    """Neo4j could not be provisioned or reached."""

    code = "UNAVAILABLE"


class InvalidTokenError(ThreadlineError):
    """A continuation token is unknown, expired or already used (`details.reason`)."""

    code = "INVALID_TOKEN"
