"""Every field that can carry personal data is classified: a new one fails until it is."""

from __future__ import annotations

from graphql import GraphQLObjectType, get_named_type

from api.pii import NOT_PERSONAL, Pii
from api.schema import build_schema

ROOTS = {"Query", "Mutation", "Subscription"}


def scalar_fields() -> dict[str, tuple[bool, str]]:
    """`Type.field` → (carries a Pii mask, its type) for every scalar-valued field."""
    schema = build_schema()
    found: dict[str, tuple[bool, str]] = {}
    for name, graphql_type in schema._schema.type_map.items():
        if (
            name.startswith("__")
            or name in ROOTS
            or not isinstance(graphql_type, GraphQLObjectType)
        ):
            continue
        definition = schema.get_type_by_name(name)
        masked = {
            schema.config.name_converter.get_graphql_name(f)
            for f in getattr(definition, "fields", [])
            if any(isinstance(e, Pii) for e in f.extensions)
        }
        for field_name, field in graphql_type.fields.items():
            if isinstance(get_named_type(field.type), GraphQLObjectType):
                continue  # an object: its own fields are classified
            found[f"{name}.{field_name}"] = (field_name in masked, str(field.type))
    return found


def test_every_scalar_field_is_masked_or_declared_not_personal() -> None:
    unclassified = [
        field
        for field, (masked, _) in scalar_fields().items()
        if not masked and field.split(".")[1] not in NOT_PERSONAL.get(field.split(".")[0], ())
    ]
    assert unclassified == [], (
        "classify these fields: a Pii mask (api/pii.py) if they can hold personal data, "
        f"else add them to NOT_PERSONAL with the reason: {unclassified}"
    )


def test_no_field_is_both_masked_and_declared_not_personal() -> None:
    both = [
        field
        for field, (masked, _) in scalar_fields().items()
        if masked and field.split(".")[1] in NOT_PERSONAL.get(field.split(".")[0], ())
    ]
    assert both == []


def test_the_fields_that_hold_personal_data_are_masked() -> None:
    masked = {field for field, (is_masked, _) in scalar_fields().items() if is_masked}
    assert {
        "Context.attributes",
        "Session.attributes",
        "User.attributes",
        "SessionEvent.attributes",
        "SessionEvent.cause",
        "SessionEvent.text",
        "Merge.evidence",
        "Merge.identities",
        "Identity.evidence",
        "Identity.externalId",
        "Handoff.reason",
        "Transition.cause",
        "Message.text",
        "Message.metadata",
    } <= masked
