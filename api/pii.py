"""One mechanism for PII in the API: fields declare a mask; callers without PII access get it.

`strawberry.field(extensions=[Pii(mask)])` on any field; `mask(value, source)` gets the resolved
value and the object it belongs to (e.g. a mention's `type`). Roles without PII access (and any
request without a principal) see the masked value; resolvers stay unaware.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from strawberry.extensions import FieldExtension
from strawberry.types import Info

from graph.domain.masking import (
    mask_attribute_values,
    mask_cause,
    mask_entity_key,
    mask_entity_value,
    mask_identifier,
    mask_identity_key,
    mask_signal,
    redact_text,
)
from graph.domain.recall_text import redact_rendered

Mask = Callable[[Any, Any], Any]


class Pii(FieldExtension):
    def __init__(self, mask: Mask) -> None:
        self.mask = mask

    def _shown(self, value: Any, source: Any, info: Info) -> Any:
        principal = getattr(info.context, "principal", None)
        return self.shown_to(value, source, principal is not None and principal.sees_pii)

    def shown_to(self, value: Any, source: Any, sees_pii: bool) -> Any:
        """The value as a caller sees it: masked unless their role sees PII."""
        if value is None or sees_pii:
            return value
        return self.mask(value, source)

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        return self._shown(next_(source, info, **kwargs), source, info)

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        return self._shown(await next_(source, info, **kwargs), source, info)


def identifier() -> list[FieldExtension]:
    return [Pii(lambda value, _: mask_identifier(value))]


def identity_key() -> list[FieldExtension]:
    return [Pii(lambda value, _: mask_identity_key(value))]


def identity_keys() -> list[FieldExtension]:
    return [Pii(lambda values, _: [mask_identity_key(v) for v in values])]


def free_text() -> list[FieldExtension]:
    return [Pii(lambda value, _: redact_text(value))]


def entity_value() -> list[FieldExtension]:
    """An entity's value or surface text; masked when the entity's `type` is personal data."""
    return [Pii(lambda value, source: mask_entity_value(source.type, value))]


def attribute_values() -> list[FieldExtension]:
    """Attributes (a JSON object): keys kept, values redacted."""
    return [Pii(lambda value, _: mask_attribute_values(value))]


def cause() -> list[FieldExtension]:
    """A cause or reason: a lifecycle timer's own words stay, free text is redacted."""
    return [Pii(lambda value, _: mask_cause(value))]


def entity_key() -> list[FieldExtension]:
    return [Pii(lambda value, _: mask_entity_key(value))]


def entity_keys_in_signals() -> list[FieldExtension]:
    """A recall hit's signals: `entity:EMAIL:j@x.com` masks the entity key it carries."""
    return [Pii(lambda values, _: [mask_signal(v) for v in values])]


def rendered_turns() -> list[FieldExtension]:
    """A recall rendered as text: each turn's words redacted."""
    return [Pii(lambda value, _: redact_rendered(value))]


# Every scalar field of the schema is either declared personal (it carries a `Pii` mask above) or
# listed here as not personal, with the reason; tests/api/test_pii_fields.py walks the schema and
# fails on a field that is neither, so a new field is classified before it ships.
NOT_PERSONAL: dict[str, frozenset[str]] = {
    # our own ids, times, counters, statuses, channels, roles, scores
    "Agent": frozenset({"id", "kind", "name", "createdAt"}),  # staff and bots, not customers
    "AttributeChange": frozenset(  # keys are kept for analysts (what is known), values masked
        {"key", "at", "recordedAt", "channel", "version", "ownerId", "writer", "eventId"}
        | {"messageId"}
    ),
    "Brief": frozenset(
        {"channelPath", "sentiment", "trend", "slope", "falling", "messages", "truncated"}
    ),
    "BriefEntity": frozenset({"type"}),
    "BriefIntent": frozenset({"intent"}),
    "BriefIssue": frozenset({"intent", "intents"}),
    "BriefTurn": frozenset({"id", "seq", "channel", "role", "at"}),
    "Context": frozenset({"channels", "sentiment"}),
    "Delivery": frozenset({"status", "at"}),
    "OutboxItem": frozenset(
        {"id", "messageId", "channel", "status", "attempts", "createdAt", "updatedAt"}
        | {"nextAttemptAt", "platformMessageId"}
    ),
    "Fact": frozenset({"key", "type", "at", "channel", "mentions"}),  # key: a type or attr key
    "FactSource": frozenset({"kind", "id", "seq", "sessionId", "version", "writer", "eventId"}),
    "FactValue": frozenset({"at", "channel", "type"}),
    "ContextIntent": frozenset({"name", "messages", "confidence", "lastSeenAt"}),
    "Entity": frozenset({"type", "firstSeenAt", "lastSeenAt", "mentions", "channels"}),
    "Handoff": frozenset({"fromAgentId", "agentId", "agentKind", "at"}),
    "Identity": frozenset({"channel", "createdAt", "linkedBy", "mergeId"}),  # linkedBy: an actor
    "Mention": frozenset({"type", "start", "end"}),
    "Merge": frozenset(
        {"id", "sourceId", "targetId", "actor", "at", "status", "sessions", "revertedAt"}
        | {"revertedBy"}
    ),
    "Message": frozenset(
        {"id", "eventId", "sessionId", "userId", "channel", "role", "at", "seq", "agentId"}
        | {"sentiment", "sentimentLabel", "enrichmentVersion"}
    ),
    "MessageIntent": frozenset({"name", "confidence"}),
    "RecallHit": frozenset({"score"}),
    "SentimentPoint": frozenset({"seq", "at", "channel", "sentiment"}),
    "Session": frozenset(
        {"id", "userId", "status", "createdAt", "lastActivityAt", "closedAt", "seq", "version"}
        | {"channels", "continuesId", "handlerId", "lastChannel", "asOf"}
    ),
    "SessionEvent": frozenset(
        {"kind", "at", "sessionId", "userId", "channel", "role", "messageId", "seq", "agentId"}
        | {"status", "otherUserId"}
    ),
    "Transition": frozenset({"from", "to", "at"}),
    # a rule's name, what it did (webhook URLs and agent ids are configuration, not customers')
    "TriggerFiring": frozenset({"id", "rule", "at", "actions", "outcomes", "webhooks"}),
    "User": frozenset({"id", "createdAt", "version", "mergedIntoId", "asOf"}),
    # analytics: names and shapes; `rows` is masked by the resolver (mask_rows) for analysts
    "AnalyticInfo": frozenset({"name", "title", "description", "columns"}),
    "AnalyticParameter": frozenset({"name", "type", "default"}),
    "AnalyticsResult": frozenset({"name", "columns", "rows", "truncated"}),
    # noised totals of groups the caller named: differentially private, nobody's own values
    "PrivateAnalyticsResult": frozenset(
        {
            "name",
            "columns",
            "rows",
            "mechanism",
            "sensitivity",
            "scale",
            "epsilonSpent",
            "epsilonLeft",
            "consumer",
        }
    ),
    "PrivacyBudget": frozenset({"consumer", "epsilonLeft"}),
    # admin only: keyed hashes of targets, key ids as subjects
    "AuditEvent": frozenset(
        {"id", "at", "subject", "role", "operation", "targets", "outcome", "requestId"}
    ),
    # what a writer gets back about its own write (connectors and agents; never analysts)
    "ContinuationToken": frozenset({"token", "sessionId", "expiresAt"}),
    "IngestResult": frozenset({"accepted", "duplicates"}),
    "IngestedEvent": frozenset({"eventId", "sessionId", "messageId", "seq", "duplicate"}),
    # issueUserToken's answer to the connector that asked for it, about the identity it named
    "UserToken": frozenset({"token", "channel", "externalUserId", "expiresAt"}),
}
