"""Triggers in Neo4j: the state sessions are in, the rules' on/off state per session, firings,
and the signed webhook deliveries of their actions (queued, retried, dead-lettered)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from graph.domain.brief import Trend, slope_of, trend_of
from graph.domain.records import FiringRecord, json_value, native_time, to_millis
from graph.domain.sentiment_trend import recency_weighted
from graph.domain.triggers import SessionState

if TYPE_CHECKING:
    from graph.store.database import Database

WEBHOOK_ATTEMPTS = 6
WEBHOOK_BACKOFF_SECONDS = (1, 5, 30, 120, 600)
WEBHOOK_LEASE_SECONDS = 60


def _now() -> int:
    return to_millis(datetime.now(UTC))


async def session_states(db: Database, session_ids: list[str]) -> list[SessionState]:
    records = await db.read("triggers/session_state", sessionIds=session_ids)
    states = []
    for row in records:
        newest_first = [float(s) for s in row["sentiments"]]
        slope = slope_of(list(reversed(newest_first)))
        last_user = row["lastUser"][0] if row["lastUser"] else None
        attributes = {k: json_value(v) for k, v in row["userAttributes"]}
        attributes |= {k: json_value(v) for k, v in row["sessionAttributes"]}
        states.append(
            SessionState(
                session_id=row["sessionId"],
                user_id=row["userId"],
                sentiment=recency_weighted(newest_first),
                falling=trend_of(slope) is Trend.FALLING,
                last_user_intents=frozenset(last_user["intents"]) if last_user else frozenset(),
                attributes=attributes,
                entity_types=frozenset(row["entityTypes"]),
                last_user_at=native_time(last_user["at"]) if last_user else None,
                last_staff_at=native_time(row["lastStaff"][0]) if row["lastStaff"] else None,
                last_channels=tuple(row["lastChannels"]),
            )
        )
    return states


async def open_sessions(db: Database, since: datetime, limit: int = 500) -> list[str]:
    records = await db.read("triggers/open_sessions", since=to_millis(since), limit=limit)
    return [str(r["id"]) for r in records]


async def transition(
    db: Database, session_id: str, rule: str, holds: bool, actions: list[str]
) -> str | None:
    """Record whether `rule` holds for the session; the new firing's id when it starts to."""
    rows = await db.write_rows(
        "triggers/transition",
        sessionId=session_id,
        rule=rule,
        holds=holds,
        now=_now(),
        firingId=f"fir_{uuid.uuid4().hex}",
        actions=actions,
    )
    return str(rows[0]["firingId"]) if rows else None


async def record_outcomes(db: Database, firing_id: str, outcomes: list[str]) -> None:
    await db.write_rows("triggers/firing_outcome", id=firing_id, outcomes=outcomes)


async def enqueue_webhook(
    db: Database,
    firing_id: str,
    session_id: str,
    rule: str,
    url: str,
    secret_env: str | None,
    payload: dict[str, Any],
) -> str:
    rows = await db.write_rows(
        "triggers/enqueue_webhook",
        id=f"whd_{uuid.uuid4().hex}",
        firingId=firing_id,
        sessionId=session_id,
        rule=rule,
        url=url,
        secretEnv=secret_env,
        payload=json.dumps(payload, separators=(",", ":"), sort_keys=True),
        now=_now(),
    )
    return str(rows[0]["id"])


@dataclass(frozen=True)
class WebhookDelivery:
    id: str
    firing_id: str
    session_id: str
    rule: str
    url: str
    secret_env: str | None
    payload: str  # the JSON body, exactly as signed
    attempts: int


async def claim_webhooks(db: Database, limit: int = 20) -> list[WebhookDelivery]:
    rows = await db.write_rows(
        "triggers/claim_webhooks", now=_now(), limit=limit, leaseMillis=WEBHOOK_LEASE_SECONDS * 1000
    )
    return [
        WebhookDelivery(
            d["id"],
            d["firingId"],
            d["sessionId"],
            d["rule"],
            d["url"],
            d["secretEnv"],
            d["payload"],
            int(d["attempts"]),
        )
        for d in (r["delivery"] for r in rows)
    ]


async def webhook_outcome(
    db: Database, delivery: WebhookDelivery, error: str | None, retryable: bool = True
) -> str:
    """DELIVERED (no error), QUEUED again with backoff, or DEAD; returns the status."""
    retry_at = None
    if error is None:
        status = "DELIVERED"
    elif retryable and delivery.attempts < WEBHOOK_ATTEMPTS:
        status = "QUEUED"
        index = min(delivery.attempts, len(WEBHOOK_BACKOFF_SECONDS)) - 1
        retry_at = _now() + WEBHOOK_BACKOFF_SECONDS[index] * 1000
    else:
        status = "DEAD"
    await db.write_rows(
        "triggers/webhook_done",
        id=delivery.id,
        status=status,
        error=error,
        retryAt=retry_at,
        now=_now(),
    )
    return status


async def session_firings(db: Database, session_id: str, limit: int = 50) -> list[FiringRecord]:
    records = await db.read("triggers/session_firings", sessionId=session_id, limit=limit)
    return [
        FiringRecord(
            f["id"],
            f["rule"],
            native_time(f["at"]),  # type: ignore[arg-type]
            list(f["actions"] or []),
            list(f["outcomes"] or []),
            list(f["webhooks"]),
        )
        for f in (r["firing"] for r in records)
    ]


async def dead_webhooks(db: Database, limit: int = 100) -> list[dict[str, Any]]:
    records = await db.read("triggers/dead_webhooks", limit=limit)
    return [dict(r["delivery"]) for r in records]
