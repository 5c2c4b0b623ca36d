"""Live events across API processes through a real redis-server: each instance hears every
instance's commits, filters them for its subscribers, and ends them with LAGGED when the Redis
connection is lost instead of letting them miss changes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import orjson
import pytest
import redis

from graph.config import Settings
from graph.domain.errors import LiveUnavailableError, SubscriberLaggedError
from graph.domain.events import EventInput
from graph.live.bus import LiveEvent, LiveEventKind
from graph.live.redis_bus import RedisBus, decode_events, encode_events
from graph.local.neo4j_server import free_port
from graph.pipeline.ingest import ingest_events
from graph.store.database import Database

pytestmark = [pytest.mark.anyio, pytest.mark.redis, pytest.mark.integration]


@pytest.fixture
async def instances(redis_url: str, uid: str) -> AsyncIterator[tuple[RedisBus, RedisBus]]:
    """Two API processes' buses on one channel (unique per test)."""
    first = RedisBus.from_url(redis_url, f"test:{uid}")
    second = RedisBus.from_url(redis_url, f"test:{uid}")
    yield first, second
    await first.close()
    await second.close()


def message(session_id: str, user_id: str, seq: int) -> LiveEvent:
    return LiveEvent(
        LiveEventKind.MESSAGE, datetime.now(UTC), session_id, user_id, "web", "USER", seq=seq
    )


async def next_of(events: AsyncIterator[LiveEvent]) -> LiveEvent:
    return await asyncio.wait_for(anext(events), timeout=5)


def test_events_survive_the_wire_whole() -> None:
    event = LiveEvent(
        LiveEventKind.ATTRIBUTES,
        datetime(2026, 11, 25, 20, 1, 2, 345000, tzinfo=UTC),
        session_id="ses_1",
        user_id="usr_1",
        channel="whatsapp",
        attributes={"plan": "gold", "tags": ["a", 1], "vip": True, "none": None},
    )
    handoff = LiveEvent(
        LiveEventKind.HANDOFF, datetime.now(UTC), "ses_1", agent_id="agt_1", cause="angry"
    )
    assert decode_events(encode_events([event, handoff])) == [event, handoff]


async def test_unknown_fields_and_unreadable_messages_do_not_stop_the_listener(
    instances: tuple[RedisBus, RedisBus], redis_url: str, uid: str
) -> None:
    first, _ = instances
    newer = {"kind": "MESSAGE", "at": "2026-11-25T20:00:00+00:00", "session_id": "s1", "seq": 1}
    async with first.subscribe("s1", None) as events:
        with redis.Redis.from_url(redis_url) as other:
            other.publish(f"test:{uid}", b"not json")
            other.publish(f"test:{uid}", b'[{"kind": "NO_SUCH_KIND"}]')
            other.publish(f"test:{uid}", orjson.dumps([newer | {"sentBy": "a newer version"}]))
        assert (await next_of(events)).seq == 1


async def test_each_instance_hears_every_instances_events_filtered(
    instances: tuple[RedisBus, RedisBus],
) -> None:
    first, second = instances
    async with first.subscribe("s1", None) as on_first, second.subscribe(None, "u2") as on_second:
        first.publish(message("s1", "u1", 1))  # for on_first (its own process)
        second.publish(message("s2", "u2", 2))  # for on_second (its own process)
        second.publish(message("s9", "u9", 3))  # for nobody
        second.publish(message("s1", "u2", 4))  # for both, across processes
        first.publish(message("s2", "u2", 5))  # for on_second, across processes
        # order holds per process; across processes events carry `seq` (sessions) to order by
        assert {(await next_of(on_first)).seq for _ in range(2)} == {1, 4}
        assert {(await next_of(on_second)).seq for _ in range(3)} == {2, 4, 5}
        assert first.subscriber_count == second.subscriber_count == 1
    assert first.subscriber_count == 0


async def test_other_channels_are_not_heard(redis_url: str, uid: str) -> None:
    ours = RedisBus.from_url(redis_url, f"ours:{uid}")
    theirs = RedisBus.from_url(redis_url, f"theirs:{uid}")
    try:
        async with ours.subscribe("s1", None) as events:
            theirs.publish(message("s1", "u1", 1))
            ours.publish(message("s1", "u1", 2))
            assert (await next_of(events)).seq == 2
    finally:
        await ours.close()
        await theirs.close()


async def test_one_processes_events_arrive_in_publish_order(
    instances: tuple[RedisBus, RedisBus],
) -> None:
    first, second = instances
    async with second.subscribe("s1", None) as events:
        for seq in range(1, 51):
            first.publish(message("s1", "u1", seq))
            if seq % 7 == 0:  # several sends, not one
                await asyncio.sleep(0.001)
        assert [(await next_of(events)).seq for _ in range(50)] == list(range(1, 51))


async def test_close_sends_what_is_queued(instances: tuple[RedisBus, RedisBus]) -> None:
    first, second = instances
    async with second.subscribe("s1", None) as events:
        for seq in range(1, 4):
            first.publish(message("s1", "u1", seq))
        await first.close()  # a CLI command ending right after its writes
        assert [(await next_of(events)).seq for _ in range(3)] == [1, 2, 3]


async def test_a_lost_redis_connection_ends_subscribers_with_lagged(
    instances: tuple[RedisBus, RedisBus], redis_url: str
) -> None:
    first, second = instances
    async with first.subscribe("s1", None) as events:
        second.publish(message("s1", "u1", 1))
        assert (await next_of(events)).seq == 1
        with redis.Redis.from_url(redis_url) as admin:
            assert admin.client_kill_filter(_type="pubsub") >= 1
        with pytest.raises(SubscriberLaggedError):  # it may have missed events: re-read
            await next_of(events)
    async with first.subscribe("s1", None) as events:  # and subscribing again works
        second.publish(message("s1", "u1", 2))
        assert (await next_of(events)).seq == 2


async def test_unreachable_redis_fails_subscribe_but_never_a_writer() -> None:
    bus = RedisBus.from_url(f"redis://127.0.0.1:{free_port()}/0")
    dropped: list[int] = []
    bus.on_dropped = dropped.append
    try:
        for seq in range(3):
            bus.publish(message("s1", "u1", seq))  # dropped with a warning, no exception
        with pytest.raises(LiveUnavailableError):
            async with bus.subscribe("s1", None):
                pass
    finally:
        await bus.close()
    assert sum(dropped) == 3  # reported, for the metrics


async def test_a_commit_through_one_instance_reaches_a_subscriber_of_another(
    settings: Settings, redis_url: str, uid: str
) -> None:
    configured = settings.model_copy(update={"live_url": redis_url, "live_channel": f"t:{uid}"})
    writer, reader = Database.from_settings(configured), Database.from_settings(configured)
    try:
        assert isinstance(writer.live, RedisBus)
        first = await ingest_events(writer, [EventInput(f"{uid}-1", "web", uid, text="hi")])
        session_id = first.results[0].session_id
        async with reader.live.subscribe(session_id, None) as events:
            await ingest_events(
                writer,
                [EventInput(f"{uid}-2", "web", uid, text="where is order A12345?")],
            )
            change = await next_of(events)
            if change.seq == 1:  # the first commit's event may still have been on its way
                change = await next_of(events)
        assert (change.kind, change.session_id, change.seq, change.text) == (
            "MESSAGE",
            session_id,
            2,
            "where is order A12345?",
        )
    finally:
        await writer.close()
        await reader.close()
