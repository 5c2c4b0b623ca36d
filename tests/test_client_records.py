"""The Python client's records are generated from the served schema and the client's fragments
(connectors/clients/codegen.py), never copied by hand: the committed results.py is what the
generator makes today, and every document the client sends validates against the schema."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from graphql import parse, validate
from strawberry.printer import print_schema

from api.schema import build_schema
from connectors.clients import queries
from connectors.clients.codegen import generate

RESULTS = Path(queries.__file__).with_name("results.py")
OPERATIONS = {
    name: value
    for name, value in vars(queries).items()
    if name.isupper() and name != "FRAGMENTS" and isinstance(value, str)
}


def test_results_py_is_what_the_generator_makes_from_the_served_schema() -> None:
    expected = generate(print_schema(build_schema()))
    assert RESULTS.read_text() == expected, "run `make client-records` and review the diff"


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_every_client_document_validates_against_the_served_schema(name: str) -> None:
    errors = validate(build_schema()._schema, parse(OPERATIONS[name]))
    assert errors == [], [e.message for e in errors]  # unused or missing fragments included


SDL = """
scalar DateTime
scalar JSON
enum Kind { A B }
type Item { id: ID! at: DateTime! tags: [String!] kind: Kind! extra: JSON owner: Owner }
type Owner { name: String! items: [Item!]! }
type Query { owner: Owner }
"""


def test_the_generator_types_fields_from_the_schema_and_names_nested_classes() -> None:
    source = generate(
        SDL,
        "fragment Item on Item { id at tags kind extra owner { name } }\n"
        "fragment Owner on Owner { name items { ...Item } }",
    )
    namespace: dict[str, object] = {}
    exec(compile(source, "results.py", "exec"), namespace)
    item_class, owner_class = namespace["Item"], namespace["Owner"]
    assert "class ItemOwner:" in source  # a nested selection gets a class of its own
    owner = owner_class.from_json(  # type: ignore[attr-defined]
        {
            "name": "o",
            "items": [
                {
                    "id": "1",
                    "at": "2026-01-02T03:04:05+00:00",
                    "tags": None,
                    "kind": "A",
                    "extra": {"x": 1},
                    "owner": {"name": "o"},
                }
            ],
        }
    )
    [item] = owner.items
    assert isinstance(item, item_class)  # type: ignore[arg-type]
    assert item.at == datetime.fromisoformat("2026-01-02T03:04:05+00:00")
    assert item.tags is None
    assert item.owner.name == "o"
    assert "tags: list[str] | None" in source
    assert "extra: Any | None" in source
    assert "kind: str" in source


def test_the_client_sends_each_fragment_it_spreads_and_no_other() -> None:
    assert "fragment BriefTurn on BriefTurn" in queries.BRIEF  # spread through Brief
    assert "fragment Turn on Message" not in queries.BRIEF
    assert queries.RECALL.count("fragment Turn on Message") == 1  # spread twice, sent once
