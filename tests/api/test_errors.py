from __future__ import annotations

import logging

import pytest
from graphql.error import GraphQLError

from api.errors import coded
from graph.domain.errors import ConflictError, NotFoundError


def test_expected_errors_keep_message_code_and_details() -> None:
    error = GraphQLError(
        "x", path=["session"], original_error=NotFoundError("no session 's1'", field="sessionId")
    )
    result = coded(error, "req1")
    assert result.message == "no session 's1'"
    assert result.extensions == {"code": "NOT_FOUND", "field": "sessionId"}
    assert result.path == ["session"]


def test_conflict_carries_the_current_state() -> None:
    error = GraphQLError("x", path=["f"], original_error=ConflictError("stale", version=7))
    assert coded(error, "r").extensions == {"code": "CONFLICT", "version": 7}


def test_unexpected_errors_are_masked_and_logged_with_the_request_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    error = GraphQLError("x", path=["f"], original_error=RuntimeError("password=hunter2"))
    with caplog.at_level(logging.ERROR, logger="threadline.api"):
        result = coded(error, "req42")
    assert result.message == "Internal error (request id req42)."
    assert result.extensions == {"code": "INTERNAL", "requestId": "req42"}
    assert "hunter2" not in result.message
    assert "req42" in caplog.text


def test_malformed_requests_are_bad_input() -> None:
    assert coded(GraphQLError("Syntax Error"), "r").extensions == {"code": "BAD_INPUT"}
