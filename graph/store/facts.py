"""A person's facts, read from their own messages and attribute history (`graph.domain.facts`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from graph.domain.facts import (
    ATTRIBUTE,
    FactRecord,
    Statement,
    attribute_facts,
    mention_facts,
)
from graph.domain.records import entity_text, native_time

if TYPE_CHECKING:
    from enrichment.patterns import FactRules
    from graph.domain.as_of import UserThen
    from graph.domain.attribute_policies import PolicyRule
    from graph.store.database import Database


def statements_of(row: dict[str, Any], types: frozenset[str]) -> list[Statement]:
    spans = tuple((m["start"], m["end"]) for m in row["mentions"])
    return [
        Statement(
            message_id=row["id"],
            seq=row["seq"],
            session_id=row["sessionId"],
            channel=row["channel"],
            at=native_time(row["at"]),  # type: ignore[arg-type]
            type=m["type"],
            value=entity_text(m["value"]),
            start=m["start"],
            end=m["end"],
            text=row["text"] or "",
            others=tuple(span for span in spans if span != (m["start"], m["end"])),
        )
        for m in row["mentions"]
        if m["type"] in types
    ]


async def user_facts(
    db: Database,
    then: UserThen,
    rules: FactRules,
    types: frozenset[str],
    policies: Sequence[PolicyRule],
) -> list[FactRecord]:
    """The facts of the user `then` describes (now, or as of its instant): mentions in what its
    identities said (by then), then its attributes (users merged in then included)."""
    facts: list[FactRecord] = []
    entity_types = sorted(types & rules.types)
    keys = [identity.key for identity in then.user.identities]
    if entity_types and keys:
        records = await db.read(
            "read/user_statements",
            userIds=then.people,
            identityKeys=keys,
            types=entity_types,
            until=then.at,
        )
        statements = [s for r in records for s in statements_of(r["message"], types)]
        facts += mention_facts(statements, rules, types)
    if ATTRIBUTE in types:
        facts += attribute_facts(then.history(), then.attributes(policies))
    return facts
