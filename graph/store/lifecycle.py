"""Session timers: ACTIVE → IDLE → CLOSED → ARCHIVED, applied in batches by a sweeper.

`sweep` is idempotent and safe with several API instances sweeping at once (each transition is
re-checked under the session's write lock). The clock is a parameter, so tests drive timers
without waiting. Messages of archived sessions are kept (analytics); an event for a CLOSED or
ARCHIVED session starts a new session that CONTINUES it (see session_resolution).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from graph.domain.records import TransitionRecord, native_time, to_millis
from graph.live.bus import LiveEvent, LiveEventKind

if TYPE_CHECKING:
    from collections.abc import Mapping

    from graph.config import Settings
    from graph.store.database import Database

log = logging.getLogger("threadline.lifecycle")


@dataclass(frozen=True)
class Timers:
    idle_after: timedelta = timedelta(minutes=30)
    close_after: timedelta = timedelta(hours=24)
    archive_after: timedelta = timedelta(days=30)

    @classmethod
    def from_settings(cls, settings: Settings) -> Timers:
        return cls(
            idle_after=timedelta(minutes=settings.idle_after_minutes),
            close_after=timedelta(hours=settings.close_after_hours),
            archive_after=timedelta(days=settings.archive_after_days),
        )


def channel_timers(settings: Settings) -> dict[str, Timers]:
    """Each overridden channel's full timers (unset fields fall back to the defaults)."""
    base = Timers.from_settings(settings)
    return {
        channel: Timers(
            idle_after=base.idle_after
            if o.idle_after_minutes is None
            else timedelta(minutes=o.idle_after_minutes),
            close_after=base.close_after
            if o.close_after_hours is None
            else timedelta(hours=o.close_after_hours),
            archive_after=base.archive_after
            if o.archive_after_days is None
            else timedelta(days=o.archive_after_days),
        )
        for channel, o in settings.channel_timers.items()
    }


async def sweep(
    db: Database,
    timers: Timers,
    now: datetime | None = None,
    batch: int = 1000,
    channel_timers: Mapping[str, Timers] | None = None,
) -> dict[str, int]:
    """Apply every due transition (in batches of `batch`); returns how many sessions moved.

    `channel_timers` overrides the timers for sessions whose last activity was on that channel.
    """
    moment = now or datetime.now(UTC)
    overrides = dict(channel_timers or {})
    moved: dict[str, int] = {}
    scopes: list[tuple[str | None, Timers]] = [(None, timers), *sorted(overrides.items())]
    for channel, scope_timers in scopes:
        counts = await _sweep_scope(db, scope_timers, moment, batch, channel, sorted(overrides))
        for key, count in counts.items():
            moved[key] = moved.get(key, 0) + count
    return moved


async def _sweep_scope(
    db: Database,
    timers: Timers,
    moment: datetime,
    batch: int,
    channel: str | None,
    overridden: list[str],
) -> dict[str, int]:
    steps = [
        ("ACTIVE", "IDLE", moment - timers.idle_after, "idle timeout"),
        ("IDLE", "CLOSED", moment - timers.close_after, "inactivity timeout"),
        ("ACTIVE", "CLOSED", moment - timers.close_after, "inactivity timeout"),
        ("CLOSED", "ARCHIVED", moment - timers.archive_after, "archive timeout"),
    ]
    moved: dict[str, int] = {}
    # closing first, so a long-idle ACTIVE session goes straight to CLOSED, not IDLE then CLOSED
    for source, target, before, timer in [steps[2], steps[1], steps[0], steps[3]]:
        cause = timer if channel is None else f"{timer} ({channel} timers)"
        total = 0
        while True:
            params = {
                "from": source,
                "to": target,
                "before": to_millis(before),
                "now": to_millis(moment),
                "cause": cause,
                "limit": batch,
                "channel": channel,
                "overridden": overridden,
            }
            records = await db.write("lifecycle/sweep", **params)
            count = len(records)
            for row in records:
                db.live.publish(
                    LiveEvent(
                        LiveEventKind.STATUS,
                        moment,
                        session_id=row["id"],
                        user_id=row["userId"],
                        status=target,
                        cause=cause,
                    )
                )
            total += count
            if count < batch:
                break
        key = f"{source}->{target}"
        moved[key] = moved.get(key, 0) + total
    return moved


async def transitions(db: Database, session_id: str) -> list[TransitionRecord]:
    records = await db.read("read/session_transitions", sessionId=session_id)
    return [
        TransitionRecord(r["from"], r["to"], native_time(r["at"]), r["cause"])  # type: ignore[arg-type]
        for r in records
    ]


async def sweep_forever(
    db: Database,
    timers: Timers,
    interval_seconds: float,
    channel_timers: Mapping[str, Timers] | None = None,
    retention: tuple[float, str] | None = None,  # (days, "anonymize" | "purge"), when configured
) -> None:
    """The background sweeper of `threadline serve`: timers, then retention if configured."""
    from graph.store.continuation import purge_expired_tokens
    from graph.store.retention import apply_retention

    while True:
        try:
            moved = await sweep(db, timers, channel_timers=channel_timers)
            if any(moved.values()):
                log.info("lifecycle sweep: %s", moved)
            await purge_expired_tokens(db)
            if retention is not None:
                days, mode = retention
                kept = await apply_retention(db, days, mode)
                if kept["sessions"]:
                    log.info("retention (%s): %s", mode, kept)
        except Exception:  # a failed sweep is retried at the next interval
            log.exception("lifecycle sweep failed")
        await asyncio.sleep(interval_seconds)
