"""The in-process event bus: filtering, and a slow subscriber ends instead of losing silently."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from graph.domain.errors import SubscriberLaggedError
from graph.live.bus import InProcessBus, LiveEvent, LiveEventKind

pytestmark = pytest.mark.anyio


def event(session_id: str, user_id: str, seq: int = 1) -> LiveEvent:
    return LiveEvent(LiveEventKind.MESSAGE, datetime.now(UTC), session_id, user_id, seq=seq)


async def test_subscribers_get_their_session_or_user_only() -> None:
    bus = InProcessBus()
    async with bus.subscribe("s1", None) as by_session, bus.subscribe(None, "u2") as by_user:
        assert bus.subscriber_count == 2
        bus.publish(event("s1", "u1"))
        bus.publish(event("s2", "u2"))
        bus.publish(event("s3", "u3"))
        assert (await anext(by_session)).session_id == "s1"
        assert (await anext(by_user)).session_id == "s2"
        bus.publish(event("s1", "u2", seq=2))  # both want it
        assert (await anext(by_session)).seq == 2
        assert (await anext(by_user)).seq == 2
    assert bus.subscriber_count == 0


async def test_a_lagging_subscriber_drains_then_ends_with_lagged() -> None:
    bus = InProcessBus(queue_size=3)
    async with bus.subscribe("s1", None) as events:
        for seq in range(5):
            bus.publish(event("s1", "u1", seq))
        assert bus.subscriber_count == 0  # dropped from the fan-out at the first overflow
        assert [(await anext(events)).seq for _ in range(3)] == [0, 1, 2]
        with pytest.raises(SubscriberLaggedError):
            await anext(events)


async def test_end_all_wakes_a_waiting_subscriber_with_lagged_after_what_it_had() -> None:
    bus = InProcessBus()
    async with bus.subscribe("s1", None) as events, bus.subscribe("s2", None) as idle:
        bus.publish(event("s1", "u1", 7))
        waiting = asyncio.ensure_future(anext(idle))  # blocked: nothing for s2 yet
        await asyncio.sleep(0)
        bus.end_all()
        assert bus.subscriber_count == 0
        assert (await anext(events)).seq == 7
        with pytest.raises(SubscriberLaggedError):
            await anext(events)
        with pytest.raises(SubscriberLaggedError):
            await asyncio.wait_for(waiting, timeout=5)
