"""Plain fields answered without graphql-core's per-field machinery.

Most of a read's result fields are plain: a scalar or enum (or a list of them) read from the
object by name — a message's `seq`, `text`, `at`. graphql-core executes each one like any
field: it builds a resolve info, calls strawberry's resolver, checks for an awaitable and
completes the value through the generic completion steps, ~8 µs per field, so the 20-message
context read spent most of its GraphQL execution there.

`PlannedExecution` works out once per selection (per request, for each object type and set
of fields selected on it) which fields are plain and how each is coerced, then reads those
straight from the object: attribute, PII mask, the type's own output coercion. Anything else —
a resolver, arguments, an object, a field extension other than the PII mask — goes through
graphql-core as before, and so does any plain value that is not what its type allows (a null
in a non-null field, a value the scalar refuses): the generic path raises the usual error.
The PII mask (`api.pii.Pii`) is applied here exactly as its extension does, decided by the
caller's role once per request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from graphql import (
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    Undefined,
)
from graphql.execution.collect_fields import GroupedFieldSet
from graphql.pyutils import Path, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from api.pii import Pii

DEFINITION = "strawberry-definition"  # where strawberry keeps its field on a GraphQLField


class Refused(Exception):
    """A plain value its type does not allow: the generic path completes it (and raises)."""


# (the execution, the source object, the field's group) -> the completed value, or raises
# (Refused or the read's own error: the generic path then completes the field, with its error)
Reader = Callable[["PlannedExecution", Any, Any], Any]
Entry = tuple[str, Any, Reader | None]  # response name, field group, reader (None: generic)


@dataclass(frozen=True)
class Plan:
    entries: tuple[Entry, ...]
    plain: bool  # every field has a reader: the object is read whole, without graphql-core


# (a value, the execution, the field's group) -> the completed item
Completer = Callable[[Any, "PlannedExecution", Any], Any]


def _nullable(kind: GraphQLOutputType) -> tuple[bool, GraphQLOutputType]:
    if isinstance(kind, GraphQLNonNull):
        return False, kind.of_type
    return True, kind


def _refuse() -> Any:
    raise Refused


def _listed(kind: GraphQLOutputType, item: Completer) -> Completer | None:
    """How a value of `kind` is completed when each innermost item completes by `item` (None:
    a shape other than T or [T], each with any nullability)."""
    nullable, inner = _nullable(kind)
    if not isinstance(inner, GraphQLList):

        def one(value: Any, execution: PlannedExecution, group: Any) -> Any:
            if value is None:
                return None if nullable else _refuse()
            return item(value, execution, group)

        return one
    item_nullable, item_type = _nullable(inner.of_type)
    if isinstance(item_type, (GraphQLList, GraphQLNonNull)):
        return None

    def many(value: Any, execution: PlannedExecution, group: Any) -> Any:
        if value is None:
            return None if nullable else _refuse()
        if isinstance(value, (str, bytes, dict)):
            _refuse()  # graphql-core decides what a non-list means
        return [
            (None if item_nullable else _refuse()) if v is None else item(v, execution, group)
            for v in value
        ]

    return many


def _innermost(kind: GraphQLOutputType) -> GraphQLOutputType:
    while isinstance(kind, (GraphQLNonNull, GraphQLList)):
        kind = kind.of_type
    return kind


def _leaf(leaf: GraphQLLeafType) -> Completer:
    coerce = leaf.coerce_output_value

    def coerced(value: Any, execution: PlannedExecution, group: Any) -> Any:
        result = coerce(value)
        if result is None or result is Undefined:
            raise Refused
        return result

    return coerced


def _whole(kind: GraphQLObjectType) -> Completer:
    def whole(value: Any, execution: PlannedExecution, group: Any) -> Any:
        return execution.whole(kind, group, value)

    return whole


def _plain_field(parent: GraphQLObjectType, group: Any) -> tuple[Any, Any, Pii | None] | None:
    """The field `group` selects on `parent` (graphql-core's, strawberry's, its PII mask) when
    it is read from its object by name: no resolver, arguments, directives or permission, and no
    extension but the PII mask."""
    node = group[0].node
    if node.arguments or node.directives or any(d.node.directives for d in group[1:]):
        return None
    field = parent.fields.get(node.name.value)
    definition = (field.extensions or {}).get(DEFINITION) if field is not None else None
    if field is None or field.args or definition is None:
        return None
    if definition.base_resolver is not None or definition.default_resolver is not getattr:
        return None
    if getattr(definition, "permission_classes", None):
        return None
    extensions = list(definition.extensions)
    masks = [e for e in extensions if isinstance(e, Pii)]
    if len(masks) != len(extensions) or len(masks) > 1:
        return None  # another extension wraps this field: it runs as it always does
    return field, definition, masks[0] if masks else None


def _field_reader(parent: GraphQLObjectType, group: Any) -> Reader | None:
    """How the field `group` selects on `parent` is read directly, or None when it is not
    plain (graphql-core executes it)."""
    if group[0].node.name.value == "__typename" and not group[0].node.directives:
        typename = parent.name
        return lambda execution, source, group: typename
    found = _plain_field(parent, group)
    if found is None:
        return None
    field, definition, mask = found
    innermost = _innermost(field.type)
    if isinstance(innermost, GraphQLLeafType):
        complete = _listed(field.type, _leaf(innermost))
    elif isinstance(innermost, GraphQLObjectType) and not innermost.is_type_of and not mask:
        complete = _listed(field.type, _whole(innermost))
    else:
        complete = None
    if complete is None:
        return None
    read = attrgetter(definition.python_name)
    if mask is None:
        return lambda execution, source, group: complete(read(source), execution, group)
    return lambda execution, source, group: complete(
        mask.shown_to(read(source), source, execution.sees_pii), execution, group
    )


MAX_KNOWN = 4096  # selections whose readers are remembered across requests
_known: dict[tuple[int, ...], tuple[tuple[Any, ...], tuple[Reader | None, ...]]] = {}


def _readers(parent: GraphQLObjectType, grouped: GroupedFieldSet) -> tuple[Reader | None, ...]:
    """The readers of a selection on `parent`, worked out once per selection of a document:
    documents come from the parser cache, so the same query's field nodes are the same objects
    on every request; keyed by the schema's type too (held here with the nodes, so their ids
    are theirs while remembered)."""
    nodes = (parent, *(details.node for group in grouped.values() for details in group))
    key = tuple(map(id, nodes))
    known = _known.get(key)
    if known is not None and all(a is b for a, b in zip(known[0], nodes, strict=True)):
        return known[1]
    readers = tuple(_field_reader(parent, group) for group in grouped.values())
    if len(_known) >= MAX_KNOWN:
        _known.clear()
    _known[key] = (nodes, readers)
    return readers


class PlannedExecution(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's execution with plain fields read directly (see the module)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: dict[int, tuple[GroupedFieldSet, Plan]] = {}
        principal = getattr(self.context_value, "principal", None)
        self.sees_pii = principal is not None and principal.sees_pii
        manager = self.middleware_manager
        self._direct = manager is None or not manager.middlewares

    def _plan(self, parent: GraphQLObjectType, grouped: GroupedFieldSet) -> Plan:
        known = self._plans.get(id(grouped))
        if known is not None and known[0] is grouped:
            return known[1]
        readers = _readers(parent, grouped) if self._direct else (None,) * len(grouped)
        entries = tuple(
            (name, group, read)
            for (name, group), read in zip(grouped.items(), readers, strict=True)
        )
        plan = Plan(entries, all(read is not None for _, _, read in entries))
        self._plans[id(grouped)] = (grouped, plan)  # the set kept alive: its id stays its own
        return plan

    def whole(self, kind: GraphQLObjectType, group: Any, value: Any) -> dict[str, Any]:
        """An object whose selected fields are all plain, read at once (else Refused)."""
        grouped, deferred, forbidden = self.collect_subfields(kind, group)
        if deferred or forbidden:
            raise Refused
        plan = self._plan(kind, grouped)
        if not plan.plain:
            raise Refused
        return {name: read(self, value, group) for name, group, read in plan.entries}  # type: ignore[misc]

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        plan = self._plan(parent_type, grouped_field_set)
        results: dict[str, Any] = {}
        awaitable: list[str] = []
        is_awaitable = self.is_awaitable
        try:
            for name, group, read in plan.entries:
                if read is not None:
                    try:
                        results[name] = read(self, source_value, group)
                        continue
                    except Exception:  # noqa: S110 - Refused, or a read that failed:
                        pass  # the generic path below completes it, with its located error
                result = self.execute_field(
                    parent_type,
                    source_value,
                    group,
                    Path(path, name, parent_type.name),
                    position_context,
                )
                if result is not Undefined:
                    results[name] = result
                    if is_awaitable(result):
                        awaitable.append(name)
        except Exception:
            if awaitable:
                self.settle_in_background([results[name] for name in awaitable])
            raise
        if not awaitable:
            return results
        return self._gathered(results, awaitable)

    async def _gathered(self, results: dict[str, Any], awaitable: list[str]) -> dict[str, Any]:
        if len(awaitable) == 1:
            results[awaitable[0]] = await results[awaitable[0]]
            return results
        values = await gather_with_cancel(*(results[name] for name in awaitable))
        results.update(zip(awaitable, values, strict=True))
        return results
