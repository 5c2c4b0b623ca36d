"""The converter from records to GraphQL objects (api/convert.py): one rule, each type's plan
worked out once (strawberry resolves a field's annotation on every access; doing it per field
per request cost a context read ~6 % of the API's CPU)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import strawberry

from api.convert import _plan, from_record


@strawberry.enum
class Mood(Enum):
    GOOD = "GOOD"
    BAD = "BAD"


@strawberry.type
class Inner:
    name: str


@strawberry.type
class Outer:
    mood: Mood
    moods: list[Mood] | None
    inner: Inner
    inners: list[Inner]
    tags: list[str]
    note: str | None

    @strawberry.field
    def computed(self) -> str:  # a resolver field: computed on request, never copied
        return "x"


@dataclass
class InnerRecord:
    name: str


@dataclass
class OuterRecord:
    mood: str
    moods: list[str] | None
    inner: InnerRecord
    inners: list[InnerRecord]
    tags: tuple[str, ...]
    note: str | None


def test_every_data_field_is_shaped_by_its_type() -> None:
    record = OuterRecord(
        "GOOD", ["BAD", "GOOD"], InnerRecord("a"), [InnerRecord("b")], ("t",), None
    )
    built = from_record(Outer, record)
    assert built.mood is Mood.GOOD
    assert built.moods == [Mood.BAD, Mood.GOOD]
    assert built.inner == Inner(name="a")
    assert built.inners == [Inner(name="b")]
    assert built.tags == ["t"]
    assert built.note is None
    assert from_record(Outer, record, note="given").note == "given"  # an override wins
    empty = from_record(Outer, OuterRecord("BAD", None, InnerRecord("c"), [], (), "n"))
    assert empty.moods is None
    assert empty.inners == []


def test_a_types_plan_is_worked_out_once() -> None:
    record = OuterRecord("GOOD", None, InnerRecord("a"), [InnerRecord("b")], (), None)
    from_record(Outer, record)
    before = _plan.cache_info()
    for _ in range(5):
        from_record(Outer, record)
    after = _plan.cache_info()
    assert after.misses == before.misses  # no type planned again
    assert after.hits > before.hits
    assert [name for name, _ in _plan(Outer)] == [
        "mood",
        "moods",
        "inner",
        "inners",
        "tags",
        "note",
    ]
