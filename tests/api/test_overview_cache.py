"""The dashboard overview cache: one computation per window per TTL, shared by concurrent
views, not kept when it fails — against the real analytics on Neo4j."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import api.dashboard.data
import graph.analytics.named
from api.dashboard.cache import OverviewCache
from graph.store.database import Database

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

ANALYTICS_PER_OVERVIEW = len(api.dashboard.data.OVERVIEW)
SINCE = datetime(2026, 1, 1, tzinfo=UTC)
UNTIL = SINCE + timedelta(days=30)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The analytics actually run, by name."""
    ran: list[str] = []
    real = graph.analytics.named.run_analytic

    async def counted(db: Database, name: str, params: dict[str, Any], limits: Any) -> Any:
        ran.append(name)
        return await real(db, name, params, limits)

    monkeypatch.setattr(api.dashboard.data, "run_analytic", counted)
    return ran


async def test_concurrent_and_repeated_views_share_one_computation(
    db: Database, runs: list[str]
) -> None:
    clock = Clock()
    cache = OverviewCache(60, clock)
    first, second = await asyncio.gather(cache.get(db, SINCE, UNTIL), cache.get(db, SINCE, UNTIL))
    assert first is second
    assert len(runs) == ANALYTICS_PER_OVERVIEW
    clock.now += 59
    assert await cache.get(db, SINCE, UNTIL) is first
    assert len(runs) == ANALYTICS_PER_OVERVIEW
    other = await cache.get(db, SINCE, UNTIL + timedelta(days=1))  # another window: its own
    assert other is not first
    assert len(runs) == 2 * ANALYTICS_PER_OVERVIEW
    clock.now += 1  # the first window's TTL is over
    fresh = await cache.get(db, SINCE, UNTIL)
    assert fresh is not first
    assert fresh.computed_at >= first.computed_at
    assert len(runs) == 3 * ANALYTICS_PER_OVERVIEW


async def test_a_failed_computation_is_not_kept(
    db: Database, runs: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = OverviewCache(60, Clock())
    counted = getattr(api.dashboard.data, "run_analytic")  # noqa: B009 - the counting one

    async def failing(db: Database, name: str, params: dict[str, Any], limits: Any) -> Any:
        raise RuntimeError("Neo4j went away")

    monkeypatch.setattr(api.dashboard.data, "run_analytic", failing)
    with pytest.raises(RuntimeError):
        await cache.get(db, SINCE, UNTIL)
    monkeypatch.setattr(api.dashboard.data, "run_analytic", counted)
    assert (await cache.get(db, SINCE, UNTIL)).kpis
    assert len(runs) == ANALYTICS_PER_OVERVIEW


async def test_a_viewer_leaving_does_not_cancel_it_for_the_others(
    db: Database, runs: list[str]
) -> None:
    cache = OverviewCache(60, Clock())
    leaving = asyncio.ensure_future(cache.get(db, SINCE, UNTIL))
    await asyncio.sleep(0)
    staying = asyncio.ensure_future(cache.get(db, SINCE, UNTIL))
    leaving.cancel()
    assert (await staying).kpis
    assert len(runs) == ANALYTICS_PER_OVERVIEW


async def test_zero_seconds_computes_every_view(db: Database, runs: list[str]) -> None:
    cache = OverviewCache(0)
    await cache.get(db, SINCE, UNTIL)
    await cache.get(db, SINCE, UNTIL)
    assert len(runs) == 2 * ANALYTICS_PER_OVERVIEW
