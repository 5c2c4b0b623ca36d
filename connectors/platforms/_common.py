"""Small helpers the channel modules share."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import SecretStr

from connectors.platforms.base import WebhookError


def secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None and value.get_secret_value() else None


def signing_secret(value: SecretStr | None, insecure: bool) -> str | None:
    """The secret a request must be verified with; None only when webhooks are insecure (local
    development). A connector without one is disabled, so this refuses (403) rather than pass."""
    key = secret(value)
    if key is None and not insecure:
        raise WebhookError(403, "this webhook has no secret configured")
    return key


def from_epoch(value: Any, *, millis: bool = False) -> datetime | None:
    """A platform timestamp (seconds or milliseconds since the epoch, number or string)."""
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise WebhookError(400, f"bad timestamp {value!r}") from None
    return datetime.fromtimestamp(number / 1000 if millis else number, tz=UTC)


def from_iso(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise WebhookError(400, f"bad timestamp {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def need(mapping: dict[str, Any], key: str, where: str) -> Any:
    value = mapping.get(key)
    if value in (None, ""):
        raise WebhookError(400, f"{where}.{key} is missing")
    return value
