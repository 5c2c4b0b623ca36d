"""The selection tree resolvers build from (api/selection.py)."""

from __future__ import annotations

from api.selection import Selection, selects_under

CONTEXT: Selection = {
    "session": {"id": {}},
    "messages": {"seq": {}, "text": {}},
    "previous": {"messages": {"seq": {}, "entities": {"key": {}}}},
}


def test_a_name_selected_under_a_parent_at_any_depth() -> None:
    assert selects_under(CONTEXT, "messages", {"entities", "intents"})  # in previous { … }
    assert not selects_under({"messages": {"seq": {}}}, "messages", {"entities", "intents"})
    assert not selects_under({"entities": {"key": {}}}, "messages", {"entities"})  # not under
    assert selects_under({"messages": {"intents": {"name": {}}}}, "messages", {"intents"})
    assert not selects_under({}, "messages", {"entities"})
