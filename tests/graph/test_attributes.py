"""Session attributes with optimistic concurrency, proven with concurrent writers on real Neo4j."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from graph.config import WriteRules
from graph.domain.attribute_policies import MergePolicy, PolicyRule
from graph.domain.errors import BadInputError, ConflictError, NotFoundError
from graph.domain.events import EventInput
from graph.pipeline.ingest import ingest_events
from graph.store.attributes import (
    AttributeWrite,
    Owner,
    attributes_of,
    session_attributes,
    set_attributes,
    set_session_attributes,
)
from graph.store.database import Database
from graph.store.sessions import get_session

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


async def new_session(db: Database, uid: str) -> str:
    result = await ingest_events(db, [EventInput(f"{uid}-1", "web", uid, text="hi")])
    return result.results[0].session_id


async def test_compare_and_set_applies_once_per_version(db: Database, uid: str) -> None:
    session_id = await new_session(db, uid)
    start = await get_session(db, session_id)
    assert start is not None
    session, values = await set_session_attributes(
        db, session_id, AttributeWrite({"cart": ["SKU-1"], "locale": "en"}, start.version, "web")
    )
    assert session.version == start.version + 1
    assert values == {"cart": ["SKU-1"], "locale": "en"}
    with pytest.raises(ConflictError) as stale:
        await set_session_attributes(
            db, session_id, AttributeWrite({"locale": "fr"}, start.version, "mobile")
        )
    assert stale.value.details["version"] == start.version + 1
    assert stale.value.details["attributes"] == {"cart": ["SKU-1"], "locale": "en"}
    assert await session_attributes(db, session_id) == {"cart": ["SKU-1"], "locale": "en"}


async def test_sixteen_concurrent_cas_writers_one_wins_the_rest_conflict(
    db: Database, uid: str
) -> None:
    session_id = await new_session(db, uid)
    start = await get_session(db, session_id)
    assert start is not None
    outcomes = await asyncio.gather(
        *(
            set_session_attributes(
                db, session_id, AttributeWrite({"owner": f"writer-{n}"}, start.version, "web")
            )
            for n in range(16)
        ),
        return_exceptions=True,
    )
    winners = [o for o in outcomes if not isinstance(o, BaseException)]
    losers = [o for o in outcomes if isinstance(o, ConflictError)]
    assert len(winners) == 1
    assert len(losers) == 15
    winner_value = winners[0][1]["owner"]
    assert await session_attributes(db, session_id) == {"owner": winner_value}
    final = await get_session(db, session_id)
    assert final is not None
    assert final.version == start.version + 1


async def test_read_modify_write_with_retries_loses_no_update(db: Database, uid: str) -> None:
    session_id = await new_session(db, uid)

    async def increment(times: int) -> None:
        for _ in range(times):
            while True:
                session = await get_session(db, session_id)
                assert session is not None
                current = (await session_attributes(db, session_id)).get("count", 0)
                try:
                    await set_session_attributes(
                        db, session_id, AttributeWrite({"count": current + 1}, session.version)
                    )
                    break
                except ConflictError:
                    continue

    await asyncio.gather(*(increment(5) for _ in range(8)))
    assert (await session_attributes(db, session_id))["count"] == 40


@pytest.mark.parametrize(
    "attributes", [{}, [1, 2], {"bad key!": 1}, {"k" * 65: 1}, {"big": "x" * (64 * 1024)}]
)
async def test_bad_attributes_are_bad_input(db: Database, uid: str, attributes: object) -> None:
    session_id = await new_session(db, uid)
    with pytest.raises(BadInputError):
        await set_session_attributes(db, session_id, AttributeWrite(attributes))


async def test_unknown_session_is_not_found(db: Database, uid: str) -> None:
    with pytest.raises(NotFoundError):
        await set_session_attributes(db, f"ses_{uid}", AttributeWrite({"a": 1}))


def with_rules(rules: list[PolicyRule]) -> WriteRules:
    return WriteRules(attribute_policies=tuple(rules))


T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


async def test_sixteen_writers_across_channels_occ_append_and_lww(db: Database, uid: str) -> None:
    """The issue's proof: OCC loses no update, APPEND keeps every element exactly once, LWW ends
    at the value with the latest event time — with 16 writers on one session at once."""
    session_id = await new_session(db, uid)
    channels = ["web", "mobile", "whatsapp", "email"]
    append = AttributeWrite({"seen": []}, policy=MergePolicy.APPEND)
    await set_session_attributes(db, session_id, append)

    async def writer(n: int) -> tuple[int, int]:
        channel = channels[n % 4]
        # LWW: event times shuffled against arrival order; writer 5 carries the latest time
        lww = AttributeWrite({"status": f"from-{n}"}, channel=channel, at=at((n * 7) % 16))
        await set_session_attributes(db, session_id, lww)
        item = AttributeWrite({"seen": [f"item-{n}"]}, channel=channel, policy=MergePolicy.APPEND)
        await set_session_attributes(db, session_id, item)
        successes = conflicts = 0
        for _ in range(3):  # OCC increments: retry on CONFLICT until applied
            while True:
                session = await get_session(db, session_id)
                assert session is not None
                count = (await session_attributes(db, session_id)).get("count", 0)
                write = AttributeWrite({"count": count + 1}, session.version, channel)
                try:
                    await set_session_attributes(db, session_id, write)
                    successes += 1
                    break
                except ConflictError as error:
                    newer.append(error.details["version"] > session.version)
                    conflicts += 1
        return successes, conflicts

    newer: list[bool] = []
    outcomes = await asyncio.gather(*(writer(n) for n in range(16)))
    assert all(newer)  # every loser was told the newer version it lost to
    final = await session_attributes(db, session_id)
    assert final["count"] == sum(s for s, _ in outcomes) == 48
    assert sorted(final["seen"]) == sorted(f"item-{n}" for n in range(16))
    assert len(final["seen"]) == 16
    latest = max(range(16), key=lambda n: (n * 7) % 16)
    assert final["status"] == f"from-{latest}"


@pytest.mark.parametrize(
    ("policy", "writes", "expected"),
    [
        (MergePolicy.LAST_WRITE_WINS, [("a", 5), ("b", 3), ("c", 4)], "a"),
        (MergePolicy.KEEP_FIRST, [("a", 5), ("b", 3), ("c", 9)], "a"),
        (MergePolicy.MAX, [(3, 1), (9, 2), (4, 3)], 9),
        (MergePolicy.MIN, [(3, 1), (9, 2), (-4, 3)], -4),
        (MergePolicy.APPEND, [([1], 1), (2, 2), ([1, 3], 3)], [1, 2, 1, 3]),
        (MergePolicy.UNION, [([1, 1], 1), (2, 2), ([1, 3], 3)], [1, 2, 3]),
    ],
)
async def test_policy_overrides_merge_sequential_writes(
    db: Database, uid: str, policy: MergePolicy, writes: list[tuple[object, int]], expected: object
) -> None:
    session_id = await new_session(db, uid)
    for value, seconds in writes:
        write = AttributeWrite({"k": value}, channel="web", at=at(seconds), policy=policy)
        await set_session_attributes(db, session_id, write)
    assert (await session_attributes(db, session_id))["k"] == expected


async def test_channel_precedence_and_configured_policies(db: Database, uid: str) -> None:
    rules = [
        PolicyRule(pattern="tier", policy=MergePolicy.CHANNEL_PRECEDENCE, channels=("crm", "web")),
        PolicyRule(pattern="tags.*", policy=MergePolicy.UNION),
    ]
    session_id = await new_session(db, uid)
    for channel, value in [("web", "silver"), ("crm", "gold"), ("web", "bronze"), ("sms", "x")]:
        write = AttributeWrite({"tier": value, "tags.topic": [channel]}, channel=channel)
        await set_session_attributes(db, session_id, write, rules)
    values = await session_attributes(db, session_id)
    assert values["tier"] == "gold"  # crm outranks web; unlisted sms ranks last
    assert values["tags.topic"] == ["web", "crm", "sms"]


async def test_event_attributes_use_the_configured_policies(db: Database, uid: str) -> None:
    rules = [
        PolicyRule(pattern="cart", policy=MergePolicy.APPEND),
        PolicyRule(pattern="score", policy=MergePolicy.MAX),
    ]
    configured = with_rules(rules)
    events = [
        EventInput(
            f"{uid}-a", "web", uid, text="add", occurred_at=at(1), attributes={"cart": "SKU-1"}
        ),
        EventInput(
            f"{uid}-b", "web", uid, occurred_at=at(3), attributes={"cart": "SKU-2", "score": 4}
        ),
        EventInput(
            f"{uid}-c", "web", uid, occurred_at=at(2), attributes={"score": 7, "mood": "late"}
        ),
        EventInput(f"{uid}-d", "web", uid, occurred_at=at(0), attributes={"mood": "early"}),
    ]
    result = await ingest_events(db, events, rules=configured)
    session_id = result.results[0].session_id
    await ingest_events(db, events[:2], rules=configured)  # replays change nothing
    more = EventInput(
        f"{uid}-e", "web", uid, occurred_at=at(4), attributes={"cart": ["SKU-3"], "score": 1}
    )
    await ingest_events(db, [more], rules=configured)
    values = await session_attributes(db, session_id)
    assert values == {"cart": ["SKU-1", "SKU-2", "SKU-3"], "score": 7, "mood": "late"}
    bad = EventInput(f"{uid}-f", "web", uid, attributes={"score": "high"})
    with pytest.raises(BadInputError, match=r"events\[0\]\.attributes\.score"):
        await ingest_events(db, [bad], rules=configured)


async def test_user_attributes_with_compare_and_set(db: Database, uid: str) -> None:
    session_id = await new_session(db, uid)
    session = await get_session(db, session_id)
    assert session is not None
    user_id = session.user_id
    first = await set_attributes(db, Owner.USER, user_id, AttributeWrite({"lang": "de"}, 0))
    assert first.version == 1
    assert first.attributes == {"lang": "de"}
    with pytest.raises(ConflictError) as stale:
        await set_attributes(db, Owner.USER, user_id, AttributeWrite({"lang": "fr"}, 0))
    assert stale.value.details["version"] == 1
    assert stale.value.details["attributes"] == {"lang": "de"}
    assert await attributes_of(db, Owner.USER, user_id) == {"lang": "de"}
    assert await session_attributes(db, session_id) == {}
    with pytest.raises(NotFoundError):
        await set_attributes(db, Owner.USER, f"usr_{uid}", AttributeWrite({"a": 1}))


async def test_bad_policy_arguments_are_bad_input(db: Database, uid: str) -> None:
    session_id = await new_session(db, uid)
    write = AttributeWrite({"a": 1}, policy=MergePolicy.CHANNEL_PRECEDENCE)
    with pytest.raises(BadInputError, match="channelOrder"):
        await set_session_attributes(db, session_id, write)
    with pytest.raises(BadInputError, match="number"):
        await set_session_attributes(
            db, session_id, AttributeWrite({"a": "x"}, policy=MergePolicy.MAX)
        )
    assert await session_attributes(db, session_id) == {}
