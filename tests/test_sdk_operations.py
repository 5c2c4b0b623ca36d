"""The operation documents app and web clients are generated from (connectors/clients/web-sdk/
operations/*.graphql, for Apollo iOS / Apollo Kotlin codegen: docs/sdk.md) validate against the
schema the server serves, and `threadline schema` prints that schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import OperationDefinitionNode, parse, validate
from strawberry.printer import print_schema

from api.cli import main
from api.schema import build_schema

OPERATIONS = (
    Path(__file__).resolve().parents[1] / "connectors" / "clients" / "web-sdk" / "operations"
)
DOCUMENTS = sorted(OPERATIONS.glob("*.graphql"))


def test_there_is_a_document_for_every_sdk_operation() -> None:
    assert {path.stem for path in DOCUMENTS} == {
        "SendEvent",
        "Context",
        "Recall",
        "SetSessionAttributes",
        "CreateContinuationToken",
        "ResumeSession",
        "SessionEvents",
    }


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.stem)
def test_the_document_validates_against_the_served_schema(path: Path) -> None:
    document = parse(path.read_text())
    errors = validate(build_schema()._schema, document)
    assert errors == [], [e.message for e in errors]
    [operation] = document.definitions
    assert isinstance(operation, OperationDefinitionNode)
    assert operation.name is not None
    assert operation.name.value == path.stem


def test_the_schema_command_prints_the_served_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    assert capsys.readouterr().out.strip() == print_schema(build_schema()).strip()
