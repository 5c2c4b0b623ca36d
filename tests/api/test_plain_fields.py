"""Plain fields read directly (api/plain_fields.py): the same answers, errors and masks as
graphql-core's per-field execution, which still runs every field that is not plain."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from enum import Enum
from typing import Any

import pytest
import strawberry
from strawberry.extensions import ParserCache
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from api import pii
from api.plain_fields import PlannedExecution
from api.schema import build_schema


@strawberry.enum
class Mood(Enum):
    GOOD = "GOOD"
    BAD = "BAD"


@strawberry.type
class Tag:
    name: str
    weight: float | None


@strawberry.type
class Note:
    seq: int
    text: str | None = strawberry.field(extensions=pii.free_text())
    mood: Mood
    tags: list[Tag]
    labels: list[str]
    maybe: list[str | None] | None
    must: str  # the fixture puts None here in one note: a non-null field without a value

    @strawberry.field
    def shout(self, times: int = 1) -> str:  # a resolver with an argument: graphql-core's
        return (self.text or "").upper() * times

    @strawberry.field
    async def later(self) -> int:  # an async resolver below a plain object
        await asyncio.sleep(0)
        return self.seq * 10


@strawberry.type
class Book:
    title: str
    notes: list[Note]
    first: Note | None


def _notes(*, broken: bool = False) -> list[Note]:
    return [
        Note(
            seq=1,
            text="call me at jane.doe@example.com",
            mood=Mood.GOOD,
            tags=[Tag(name="a", weight=1.5), Tag(name="b", weight=None)],
            labels=["x", "y"],
            maybe=["p", None],
            must="ok",
        ),
        Note(
            seq=2,
            text=None,
            mood=Mood.BAD,
            tags=[],
            labels=[],
            maybe=None,
            must=None if broken else "fine",  # type: ignore[arg-type]
        ),
    ]


@strawberry.type
class Query:
    @strawberry.field
    def book(self) -> Book:
        notes = _notes()
        return Book(title="T", notes=notes, first=notes[0])

    @strawberry.field
    def broken(self) -> Book:
        notes = _notes(broken=True)
        return Book(title="B", notes=notes, first=notes[1])


@dataclass
class Caller:
    sees_pii: bool


@dataclass
class Context:
    principal: Caller | None


def _schemas() -> tuple[strawberry.Schema, strawberry.Schema]:
    generic = strawberry.Schema(
        query=Query, execution_context_class=StrawberryGraphQLCoreExecutionContext
    )
    planned = strawberry.Schema(query=Query, execution_context_class=PlannedExecution)
    return generic, planned


def _run(
    schema: strawberry.Schema,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    sees_pii: bool = True,
) -> tuple[Any, list[Any]]:
    result = asyncio.run(
        schema.execute(query, variable_values=variables, context_value=Context(Caller(sees_pii)))
    )
    errors = [(e.message, e.path) for e in result.errors or []]
    return result.data, errors


QUERIES = [
    "{ book { title notes { seq text mood labels maybe must } } }",
    "{ book { __typename notes { __typename seq tags { name weight } } first { seq } } }",
    "{ book { notes { n: seq t: text again: seq tags { name } tags { weight } } } }",
    "{ book { notes { seq shout(times: 2) later } } }",
    "{ book { notes { ...N } } } fragment N on Note { seq mood ... on Note { labels } }",
    "query($on: Boolean!) { book { notes { seq text @include(if: $on) must @skip(if: $on) } } }",
]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("sees_pii", [True, False])
def test_the_answer_is_the_generic_executions(query: str, sees_pii: bool) -> None:
    generic, planned = _schemas()
    variables = {"on": True} if "$on" in query else None
    expected = _run(generic, query, variables, sees_pii=sees_pii)
    assert expected[1] == []
    assert _run(planned, query, variables, sees_pii=sees_pii) == expected


def test_the_pii_mask_applies_as_the_extension_does() -> None:
    _, planned = _schemas()
    query = "{ book { notes { text } } }"
    shown, _ = _run(planned, query, sees_pii=True)
    masked, _ = _run(planned, query, sees_pii=False)
    assert shown["book"]["notes"][0]["text"] == "call me at jane.doe@example.com"
    assert "jane.doe@example.com" not in masked["book"]["notes"][0]["text"]
    assert masked["book"]["notes"][1]["text"] is None


def test_a_value_its_type_refuses_gets_the_generic_error_and_path() -> None:
    generic, planned = _schemas()
    for query in (
        "{ broken { title notes { seq must } } }",  # the null propagates to the list's parent
        "{ broken { title first { seq must } } }",  # ... to the nullable object
    ):
        expected = _run(generic, query)
        assert expected[1], "the fixture should make an error"
        assert _run(planned, query) == expected


def test_plain_fields_skip_graphql_cores_field_execution(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the root field and the fields that are not plain (a resolver) go through
    graphql-core's execute_field: the rest are read directly."""
    executed: list[str] = []
    original = PlannedExecution.execute_field

    def counted(self: PlannedExecution, parent: Any, source: Any, group: Any, *rest: Any) -> Any:
        executed.append(f"{parent.name}.{group[0].node.name.value}")
        return original(self, parent, source, group, *rest)

    monkeypatch.setattr(PlannedExecution, "execute_field", counted)
    _, planned = _schemas()
    data, errors = _run(planned, "{ book { title notes { seq text tags { name } shout } } }")
    assert errors == []
    assert data["book"]["notes"][0]["shout"] == "CALL ME AT JANE.DOE@EXAMPLE.COM"
    # notes select a resolver field: the list goes through graphql-core, each note's plain
    # fields are still read directly
    assert executed == ["Query.book", "Book.notes", "Note.shout", "Note.shout"]


EMAIL = "jane.doe@example.com"


@strawberry.type(name="Book")
class PlainBook:
    title: str  # plain here ...


@strawberry.type(name="Query")
class PlainQuery:
    @strawberry.field
    def book(self) -> PlainBook:
        return PlainBook(title=EMAIL)


@strawberry.type(name="Book")
class MaskedBook:
    title: str = strawberry.field(extensions=pii.free_text())  # ... masked there


@strawberry.type(name="Query")
class MaskedQuery:
    @strawberry.field
    def book(self) -> MaskedBook:
        return MaskedBook(title=EMAIL)


def test_each_schema_reads_the_same_document_by_its_own_types() -> None:
    """Documents come from a parser cache shared by every schema in the process (so the same
    query is the same nodes in both): what is remembered about a selection belongs to one
    schema's types, not to a type's name — else the second schema would answer with the
    first one's unmasked reader."""
    plain, masked = (
        strawberry.Schema(
            query=query,
            execution_context_class=PlannedExecution,
            extensions=[lambda: ParserCache(maxsize=256)],
        )
        for query in (PlainQuery, MaskedQuery)
    )
    query = "{ book { title } }"
    assert _run(plain, query, sees_pii=False) == ({"book": {"title": EMAIL}}, [])
    data, errors = _run(masked, query, sees_pii=False)
    assert errors == []
    assert EMAIL not in data["book"]["title"]
    assert _run(plain, query, sees_pii=False) == ({"book": {"title": EMAIL}}, [])


def test_the_threadline_schema_executes_with_plain_fields() -> None:
    assert build_schema().execution_context_class is PlannedExecution
