from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from graph.config import Settings
from graph.domain.errors import BadInputError, LimitExceededError
from graph.domain.events import EventInput, Speaker, validate_batch, validate_event

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
LIMITS = Settings().ingest_limits()


def event(**overrides: object) -> EventInput:
    fields: dict[str, object] = {
        "event_id": "e1",
        "channel": "web",
        "external_user_id": "u1",
        "text": "hi",
    }
    fields.update(overrides)
    return EventInput(**fields)  # type: ignore[arg-type]


def test_valid_event_defaults_time_to_now_and_serialises_json() -> None:
    [valid] = validate_batch(
        [event(metadata={"page": "/cart"}, attributes={"cart": [1, 2]})], LIMITS, NOW
    )
    assert valid.at == NOW
    assert valid.metadata_json == '{"page":"/cart"}'
    assert valid.attributes == {"cart": "[1,2]"}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"event_id": ""}, "eventId"),
        ({"event_id": "x" * 257}, "eventId"),
        ({"channel": "WhatsApp"}, "channel"),
        ({"channel": "a" * 33}, "channel"),
        ({"channel": "web chat"}, "channel"),
        ({"external_user_id": "  "}, "externalUserId"),
        ({"thread_id": ""}, "threadId"),
        ({"session_id": "s" * 300}, "sessionId"),
        ({"text": "x" * (16 * 1024 + 1)}, "text"),
        ({"occurred_at": datetime(2026, 11, 25, 12, 0)}, "occurredAt"),
        ({"occurred_at": datetime(1999, 12, 31, tzinfo=UTC)}, "occurredAt"),
        ({"occurred_at": NOW + timedelta(hours=1)}, "occurredAt"),
        ({"metadata": ["not", "an", "object"]}, "metadata"),
        ({"attributes": "nope"}, "attributes"),
        ({"agent_id": "bot-1"}, "agentId"),  # a USER message has no agent
        ({"agent_id": "", "role": Speaker.BOT}, "agentId"),
    ],
)
def test_bad_event_is_rejected_naming_its_index_and_field(
    overrides: dict[str, object], field: str
) -> None:
    batch = [event(event_id="ok"), event(**overrides)]
    with pytest.raises(BadInputError) as caught:
        validate_batch(batch, LIMITS, NOW)
    assert caught.value.details == {"index": 1, "field": field}
    assert caught.value.message.startswith(f"events[1].{field}")


def test_text_limit_counts_bytes_not_characters() -> None:
    with pytest.raises(BadInputError):
        validate_batch([event(text="é" * (8 * 1024 + 1))], LIMITS, NOW)


def test_empty_and_oversized_batches_are_refused() -> None:
    with pytest.raises(BadInputError):
        validate_batch([], LIMITS, NOW)
    with pytest.raises(LimitExceededError) as caught:
        validate_batch(
            [event(event_id=str(i)) for i in range(501)], Settings().ingest_limits(), NOW
        )
    assert caught.value.code == "LIMIT_EXCEEDED"


def test_times_are_normalised_to_utc() -> None:
    local = datetime(2026, 11, 25, 12, 30, tzinfo=timezone(timedelta(hours=1)))
    [valid] = validate_batch([event(occurred_at=local)], LIMITS, NOW)
    assert valid.at == datetime(2026, 11, 25, 11, 30, tzinfo=UTC)
    assert valid.at.tzinfo == UTC


@pytest.mark.parametrize("key", ["bad\nkey", "tab\tkey", "nul\x00", "é", "", "x" * 65])
def test_event_attribute_keys_follow_the_attribute_key_rule(key: str) -> None:
    with pytest.raises(BadInputError, match="attributes"):
        validate_event(0, event(attributes={key: 1}), LIMITS, NOW)


def test_a_skew_limit_past_a_day_is_reported_in_full() -> None:
    limits = Settings(future_skew_seconds=2 * 86400).ingest_limits()
    late = event(occurred_at=NOW + timedelta(days=3))
    with pytest.raises(BadInputError, match="172800s in the future"):
        validate_event(0, late, limits, NOW)
