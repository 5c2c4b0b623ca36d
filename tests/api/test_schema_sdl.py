"""The public GraphQL schema, printed, is what clients were promised: a change to it shows up
here as a diff to review (regenerate the fixture on purpose when a change is a deliberate fix:
`python -c "from strawberry.printer import print_schema; from api.schema import build_schema;
print(print_schema(build_schema()))" > tests/fixtures/graphql/schema.graphql`)."""

from __future__ import annotations

import difflib
from pathlib import Path

from strawberry.printer import print_schema

from api.schema import build_schema

SDL = Path(__file__).resolve().parents[1] / "fixtures" / "graphql" / "schema.graphql"


def test_the_printed_schema_is_unchanged() -> None:
    printed = print_schema(build_schema()) + "\n"
    expected = SDL.read_text()
    diff = "".join(difflib.unified_diff(expected.splitlines(True), printed.splitlines(True)))
    assert printed == expected, f"the public schema changed:\n{diff}"
