"""The trigger engine (in the API's background when THREADLINE_TRIGGERS names a rule file).

- After every committed change (the live event stream: messages, attributes, handoffs...) it
  evaluates the rules for that session; every `interval` seconds it evaluates them for the open
  sessions active in the last day — the time-based rules ("no reply within 10 minutes"), and
  anything the stream dropped.
- A rule fires when it starts to hold for a session (`graph.store.triggers.transition`, under a
  lock: once, even with several API processes listening), its firing recorded and audited; its
  actions run: a signed webhook (queued, then sent by the delivery loop with retries and an
  idempotency key; DEAD after the last attempt), a handoff, a flag set on the session.
- Replays publish no live events, so they cannot set off a storm; a rule that keeps holding does
  not fire again until it has stopped holding.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx

from graph.domain.triggers import Rule, SessionState, holds
from graph.store.attributes import AttributeWrite, Owner, set_attributes
from graph.store.handoffs import handoff
from graph.store.triggers import (
    WebhookDelivery,
    claim_webhooks,
    enqueue_webhook,
    open_sessions,
    record_outcomes,
    session_states,
    transition,
    webhook_outcome,
)

if TYPE_CHECKING:
    from graph.store.database import Database

log = logging.getLogger("threadline.triggers")

Audit = Callable[[str, set[str], str], None]  # (operation, targets, outcome)
SIGNATURE_HEADER = "X-Threadline-Signature"
SWEEP_WINDOW = timedelta(days=1)


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def describe(action: Any) -> str:
    if action.webhook is not None:
        return f"webhook {action.webhook.url}"
    if action.handoff is not None:
        return f"handoff {action.handoff.agent_id}"
    return f"setFlag {action.set_flag.name}"


class TriggerEngine:
    def __init__(
        self,
        db: Database,
        rules: Sequence[Rule],
        *,
        audit: Audit | None = None,
        interval: float = 30.0,
        delivery_interval: float = 1.0,
        http: httpx.AsyncClient | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.db = db
        self.rules = list(rules)
        self.audit = audit
        self.interval = interval
        self.delivery_interval = delivery_interval
        self.http = http or httpx.AsyncClient(timeout=10.0)
        self.environ = environ if environ is not None else os.environ
        self._tasks: list[asyncio.Task[None]] = []
        self._listening = asyncio.Event()

    def start(self) -> None:
        if not self.rules or self._tasks:
            return
        self._tasks = [
            asyncio.create_task(self._listen(), name="threadline-triggers-listen"),
            asyncio.create_task(
                self._every(self.interval, self.sweep), name="threadline-triggers-sweep"
            ),
            asyncio.create_task(
                self._every(self.delivery_interval, self.deliver),
                name="threadline-triggers-deliver",
            ),
        ]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        await self.http.aclose()

    async def _listen(self) -> None:
        async with self.db.live.subscribe(None, None) as events:
            self._listening.set()
            async for event in events:
                if event.session_id is None:
                    continue
                try:
                    await self.evaluate([event.session_id])
                except Exception:  # a failed evaluation must not stop listening
                    log.exception("trigger evaluation of %s failed", event.session_id)

    async def _every(self, seconds: float, work: Callable[[], Any]) -> None:
        while True:
            try:
                await work()
            except Exception:
                log.exception("trigger round failed")
            await asyncio.sleep(seconds)

    async def sweep(self) -> list[str]:
        """Evaluate every rule for the recently active open sessions."""
        now = datetime.now(UTC)
        return await self.evaluate(await open_sessions(self.db, now - SWEEP_WINDOW))

    async def evaluate(self, session_ids: list[str]) -> list[str]:
        """Evaluate the rules for these sessions; run the actions of the rules that start to
        hold; returns the new firings' ids."""
        if not self.rules or not session_ids:
            return []
        now = datetime.now(UTC)
        fired = []
        for state in await session_states(self.db, session_ids):
            for rule in self.rules:
                actions = [describe(a) for a in rule.then]
                firing = await transition(
                    self.db, state.session_id, rule.name, holds(rule.when, state, now), actions
                )
                if firing is not None:
                    fired.append(firing)
                    await self._act(rule, state, firing, now)
        return fired

    async def _act(self, rule: Rule, state: SessionState, firing: str, now: datetime) -> None:
        outcomes = []
        for action in rule.then:
            try:
                if action.webhook is not None:
                    payload = {
                        "id": firing,
                        "trigger": rule.name,
                        "sessionId": state.session_id,
                        "userId": state.user_id,
                        "at": now.isoformat(),
                        "sentiment": state.sentiment,
                        "falling": state.falling,
                    }
                    await enqueue_webhook(
                        self.db,
                        firing,
                        state.session_id,
                        rule.name,
                        action.webhook.url,
                        action.webhook.secret_env,
                        payload,
                    )
                    outcomes.append(f"webhook {action.webhook.url}: queued")
                elif action.handoff is not None:
                    await handoff(
                        self.db,
                        state.session_id,
                        action.handoff.agent_id,
                        action.handoff.reason or f"trigger {rule.name}",
                    )
                    outcomes.append(f"handoff {action.handoff.agent_id}: done")
                elif action.set_flag is not None:
                    await set_attributes(
                        self.db,
                        Owner.SESSION,
                        state.session_id,
                        AttributeWrite(
                            {action.set_flag.name: action.set_flag.value},
                            channel="trigger",
                            writer=f"trigger:{rule.name}",
                        ),
                    )
                    outcomes.append(f"setFlag {action.set_flag.name}: done")
            except Exception as error:  # one failed action does not stop the others
                log.warning(
                    "trigger %s on %s: %s failed: %s",
                    rule.name,
                    state.session_id,
                    describe(action),
                    error,
                )
                outcomes.append(f"{describe(action)}: failed: {error}")
        await record_outcomes(self.db, firing, outcomes)
        if self.audit is not None:
            failed = any(": failed" in o for o in outcomes)
            self.audit(f"trigger.{rule.name}", {state.session_id}, "ERROR" if failed else "OK")

    async def deliver(self) -> int:
        """Send the webhook deliveries that are due; returns how many were attempted."""
        deliveries = await claim_webhooks(self.db)
        await asyncio.gather(*(self._post(d) for d in deliveries))
        return len(deliveries)

    async def _post(self, delivery: WebhookDelivery) -> None:
        body = delivery.payload.encode()
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": delivery.id,
            "X-Threadline-Trigger": delivery.rule,
        }
        secret = self.environ.get(delivery.secret_env or "") if delivery.secret_env else None
        if delivery.secret_env and not secret:
            await webhook_outcome(
                self.db, delivery, f"secret {delivery.secret_env} is not set", retryable=False
            )
            return
        if secret:
            headers[SIGNATURE_HEADER] = signature(secret, body)
        try:
            response = await self.http.post(delivery.url, content=body, headers=headers)
        except httpx.HTTPError as error:
            await webhook_outcome(self.db, delivery, f"unreachable: {error}")
            return
        if response.is_success:
            await webhook_outcome(self.db, delivery, None)
            return
        retryable = response.status_code in {408, 429} or response.status_code >= 500
        await webhook_outcome(
            self.db, delivery, f"HTTP {response.status_code}: {response.text[:200]}", retryable
        )
