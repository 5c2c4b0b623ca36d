"""What a query selects under a field, as a tree of GraphQL field names (aliases and fragments
resolved): a resolver builds only the parts of its answer that were asked for."""

from __future__ import annotations

from typing import Any

from strawberry.types.nodes import SelectedField

from api.request import Info

# field name -> what is selected under it (empty for a scalar)
Selection = dict[str, "Selection"]


def _merge(into: Selection, selections: list[Any]) -> Selection:
    for selection in selections:
        if isinstance(selection, SelectedField):
            _merge(into.setdefault(selection.name, {}), selection.selections)
        else:  # a fragment spread or inline fragment: its fields are this level's
            _merge(into, selection.selections)
    return into


def selection_of(info: Info) -> Selection:
    """Everything selected under the field being resolved."""
    selected: Selection = {}
    for field in info.selected_fields:
        _merge(selected, field.selections)
    return selected


def selects_under(selection: Selection, parent: str, names: set[str]) -> bool:
    """Whether any of `names` is selected under a field called `parent`, at any depth."""
    return any(
        (name == parent and not names.isdisjoint(inner)) or selects_under(inner, parent, names)
        for name, inner in selection.items()
    )
