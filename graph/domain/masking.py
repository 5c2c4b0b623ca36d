"""Masks for personal data shown to roles without PII access (pure functions).

`j***@example.com`, `+44*******123`, `co***42` for other identifiers, and message text redacted
whole: free text can hold anything (names, addresses), so partial masking would leak.
"""

from __future__ import annotations

import re
from typing import Any

PII_ENTITY_TYPES = frozenset({"EMAIL", "PHONE", "PERSON"})  # PERSON: the statistical NER
REDACTED = "[redacted]"
_PHONE = re.compile(r"\+?[\d\s().-]{7,}")


def mask_email(value: str) -> str:
    local, at, domain = value.partition("@")
    if not at:
        return mask_identifier(value)
    return f"{local[:1]}***@{domain}"


def mask_phone(value: str) -> str:
    digits = [c for c in value if c.isdigit()]
    if len(digits) < 6:
        return "***"
    prefix = "+" if value.strip().startswith("+") else ""
    head, tail = digits[:2], digits[-3:]
    return prefix + "".join(head) + "*" * (len(digits) - 5) + "".join(tail)


def mask_identifier(value: str) -> str:
    """An external id of any channel: email and phone forms keep their shape."""
    if "@" in value:
        return mask_email(value)
    if _PHONE.fullmatch(value.strip()):
        return mask_phone(value)
    if len(value) <= 4:
        return "***"
    return f"{value[:2]}***{value[-2:]}"


def mask_identity_key(key: str) -> str:
    channel, sep, external = key.partition(":")
    return f"{channel}:{mask_identifier(external)}" if sep else mask_identifier(key)


def mask_entity_value(entity_type: str, value: str) -> str:
    if entity_type == "EMAIL":
        return mask_email(value)
    if entity_type == "PHONE":
        return mask_phone(value)
    if entity_type == "PERSON":
        return f"{value[:1]}***"
    return value


def mask_entity_key(key: str) -> str:
    entity_type, sep, value = key.partition(":")
    return f"{entity_type}:{mask_entity_value(entity_type, value)}" if sep else key


def mask_signal(signal: str) -> str:
    """A recall signal; `entity:<KEY>` and `entity-hop:<KEY>` carry an entity key."""
    kind, sep, key = signal.partition(":")
    return f"{kind}:{mask_entity_key(key)}" if sep else signal


def redact_text(value: str | None) -> str | None:
    return None if value is None else REDACTED


# Causes the lifecycle itself writes (graph/store/lifecycle.py; `activity`: IDLE -> ACTIVE on a
# new message): not personal, kept for analysts.
TIMER_CAUSE = re.compile(
    r"(idle|inactivity|archive) timeout( \([a-z0-9_-]{1,32} timers\))?|activity"
)


def mask_cause(value: str | None) -> str | None:
    """A transition's or live event's cause: a timer's own words stay, free text (a reason an
    agent typed, merge evidence) is redacted."""
    if value is None or TIMER_CAUSE.fullmatch(value):
        return value
    return REDACTED


def mask_attribute_values(value: Any) -> Any:
    """Attributes as a JSON object: keys kept (what is known), every value redacted."""
    if isinstance(value, dict):
        return {key: REDACTED for key in value}
    return REDACTED
