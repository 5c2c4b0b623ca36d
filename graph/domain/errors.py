"""The one error hierarchy of Threadline: every expected failure carries a stable `code`, and
the code says what it means over HTTP and whether the same request may succeed if retried.

Every HTTP surface (GraphQL's 401/413/504 answers, webhooks, metrics, the dashboard) renders
errors from this one table, so a platform is told to retry (5xx, 429) exactly what a retry can
fix — the database briefly down, enrichment failing on our side — and only what it cannot is a
4xx. A webhook answered 4xx is dropped by the platform: a wrong 4xx loses a message.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    """A stable error code, with its HTTP status and whether a retry may succeed."""

    http_status: int
    retryable: bool

    def __new__(cls, value: str, http_status: int, retryable: bool) -> ErrorCode:
        member = str.__new__(cls, value)
        member._value_ = value
        member.http_status = http_status
        member.retryable = retryable
        return member

    BAD_INPUT = ("BAD_INPUT", 400, False)
    NOT_FOUND = ("NOT_FOUND", 404, False)
    CONFLICT = ("CONFLICT", 409, False)
    UNAUTHENTICATED = ("UNAUTHENTICATED", 401, False)
    FORBIDDEN = ("FORBIDDEN", 403, False)
    LIMIT_EXCEEDED = ("LIMIT_EXCEEDED", 413, False)
    INVALID_TOKEN = ("INVALID_TOKEN", 400, False)
    LAGGED = ("LAGGED", 409, False)  # a subscriber fell behind: resubscribe and re-read
    TIMEOUT = ("TIMEOUT", 504, True)
    UNAVAILABLE = ("UNAVAILABLE", 503, True)  # Neo4j (or Redis) unreachable: retry shortly
    ENRICHMENT_FAILED = ("ENRICHMENT_FAILED", 503, True)  # our pipeline failed, not the input
    INTERNAL = ("INTERNAL", 500, True)  # unexpected: logged with a request id

    @property
    def retry_after_seconds(self) -> int | None:
        """What to put in `Retry-After` when answering with this code."""
        return 1 if self.retryable else None


class ThreadlineError(Exception):
    """Root of every error a caller can act on; `code` is what clients branch on."""

    code: ErrorCode = ErrorCode.INTERNAL

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class BadInputError(ThreadlineError):
    """The request is malformed: a field is missing, too long, or out of range."""

    code = ErrorCode.BAD_INPUT


class NotFoundError(ThreadlineError):
    """A referenced user, session or identity does not exist."""

    code = ErrorCode.NOT_FOUND


class ConflictError(ThreadlineError):
    """A concurrent change won; `details` carries the current state."""

    code = ErrorCode.CONFLICT


class LimitExceededError(ThreadlineError):
    """The request asks for more than the service allows in one call."""

    code = ErrorCode.LIMIT_EXCEEDED


class Neo4jUnavailableError(ThreadlineError):
    """Neo4j could not be provisioned or reached."""

    code = ErrorCode.UNAVAILABLE


class InvalidTokenError(ThreadlineError):
    """A continuation token is unknown, expired or already used (`details.reason`)."""

    code = ErrorCode.INVALID_TOKEN


class UnauthenticatedError(ThreadlineError):
    """No credentials, or credentials that do not verify."""

    code = ErrorCode.UNAUTHENTICATED


class ForbiddenError(ThreadlineError):
    """Authenticated, but the role (or channel restriction) does not allow this."""

    code = ErrorCode.FORBIDDEN


class EnrichmentFailedError(ThreadlineError):
    """The pipeline failed on a batch: nothing of the batch is written."""

    code = ErrorCode.ENRICHMENT_FAILED


class LiveUnavailableError(ThreadlineError):
    """The live-event broker (Redis) cannot be reached: subscribing is not possible now."""

    code = ErrorCode.UNAVAILABLE


class SubscriberLaggedError(ThreadlineError):
    """A subscriber fell more than QUEUE_SIZE events behind; it should re-read and resubscribe."""

    code = ErrorCode.LAGGED
