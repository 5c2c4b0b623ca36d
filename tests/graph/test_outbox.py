"""The outbox against the real Neo4j: a reply is stored with its outbox item in one
transaction; a crash before sending loses nothing; a crash during a send never sends twice
(re-sent only where the platform deduplicates); retries back off; status reports move forward
only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from graph.domain.events import EventInput, Speaker
from graph.domain.outbox import DeliveryStatus, DeliveryUpdate, OutboxItem, SendError
from graph.pipeline.ingest import ingest_events
from graph.store.database import Database
from graph.store.outbox import apply_updates, claim_due, destination_for, session_outbox
from graph.store.sessions import get_message
from graph.workers.outbox_sender import OutboxWorker

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


class Recorder:
    """A sender that records what it was asked to send and answers from a script."""

    def __init__(self, *outcomes: Exception | str | None) -> None:
        self.sent: list[OutboxItem] = []
        self.outcomes = list(outcomes) or [None]

    async def __call__(self, item: OutboxItem) -> str | None:
        self.sent.append(item)
        outcome = self.outcomes.pop(0) if len(self.outcomes) > 1 else self.outcomes[0]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


async def conversation(db: Database, uid: str, channel: str, **extra: Any) -> str:
    written = await ingest_events(
        db,
        [EventInput(f"{uid}-in", channel, f"{channel}-{uid}", text="hello?", **extra)],
    )
    return written.results[0].session_id


async def reply(db: Database, uid: str, session_id: str, channel: str, text: str) -> str:
    target = await destination_for(db, session_id, channel)
    written = await ingest_events(
        db,
        [
            EventInput(
                f"{uid}-out-{text}",
                target.channel,
                target.recipient,
                session_id=session_id,
                role=Speaker.AGENT,
                text=text,
                outbound=target,
            )
        ],
    )
    return str(written.results[0].message_id)


async def delivery(db: Database, message_id: str) -> str | None:
    message = await get_message(db, message_id)
    assert message is not None
    return message.delivery.status if message.delivery else None


async def expire_leases(db: Database, session_id: str) -> None:
    await db.driver.execute_query(
        "MATCH (o:Outbox {sessionId: $s}) WHERE o.status = 'SENDING' "
        "SET o.leaseUntil = datetime() - duration('PT1M')",
        s=session_id,
        database_=db.name,
    )


async def test_a_reply_is_stored_queued_with_its_outbox_item(db: Database, uid: str) -> None:
    session = await conversation(db, uid, "whatsapp", thread_id=f"{int(uid, 16)}:whatsapp-{uid}")
    message = await reply(db, uid, session, "whatsapp", "on its way")
    assert await delivery(db, message) == "QUEUED"
    [item] = await session_outbox(db, session)
    assert (item.message_id, item.channel, item.recipient) == (
        message,
        "whatsapp",
        f"whatsapp-{uid}",
    )
    assert item.status == "QUEUED"
    again = await reply(db, uid, session, "whatsapp", "on its way")  # the same eventId
    assert again == message
    assert len(await session_outbox(db, session)) == 1


async def test_a_crash_before_sending_loses_nothing(db: Database, uid: str) -> None:
    session = await conversation(db, uid, "whatsapp", thread_id=f"{int(uid, 16)}:whatsapp-{uid}")
    message = await reply(db, uid, session, "whatsapp", "queued then crash")
    sender = Recorder(f"wamid.{uid}")
    await OutboxWorker(db, sender, frozenset()).run_once()  # a new process picks it up
    assert [item.message_id for item in sender.sent if item.session_id == session] == [message]
    assert await delivery(db, message) == "SENT"
    [item] = await session_outbox(db, session)
    assert (item.platform_message_id, item.attempts) == (f"wamid.{uid}", 1)


async def test_a_crash_during_a_send_never_sends_twice(db: Database, uid: str) -> None:
    wa = await conversation(db, uid, "whatsapp", thread_id=f"{int(uid, 16)}:whatsapp-{uid}")
    mail = await conversation(db, f"{uid}m", "email", thread_id=f"<root-{uid}@x>")
    on_whatsapp = await reply(db, uid, wa, "whatsapp", "interrupted")
    by_email = await reply(db, f"{uid}m", mail, "email", "interrupted")
    claimed = {item.message_id for item in await claim_due(db, 100)}  # then the worker dies
    assert {on_whatsapp, by_email} <= claimed
    await expire_leases(db, wa)
    await expire_leases(db, mail)
    sender = Recorder("id-after-restart")
    await OutboxWorker(db, sender, frozenset({"email"})).run_once()
    resent = [item.message_id for item in sender.sent]
    assert on_whatsapp not in resent  # the platform may have it: not sent again...
    assert await delivery(db, on_whatsapp) == "FAILED"
    message = await get_message(db, on_whatsapp)
    assert message is not None
    assert message.delivery is not None
    assert "interrupted" in (message.delivery.error or "")
    assert message.text == "interrupted"  # ...and the message is still there
    assert resent.count(by_email) == 1  # email deduplicates by Message-ID: sent again, once
    assert await delivery(db, by_email) == "SENT"


async def test_retryable_failures_back_off_and_permanent_ones_fail(db: Database, uid: str) -> None:
    session = await conversation(db, uid, "sms", thread_id=f"+1555000{uid[:4]}:sms-{uid}")
    message = await reply(db, uid, session, "sms", "retry me")
    flaky = Recorder(SendError("503", retryable=True))
    await OutboxWorker(db, flaky, frozenset()).run_once()
    [item] = await session_outbox(db, session)
    assert (item.status, item.attempts, item.error) == ("QUEUED", 1, "503")
    assert item.updated_at is not None
    assert item.next_attempt_at is not None
    assert item.next_attempt_at - item.updated_at >= timedelta(seconds=1)  # backs off
    assert await delivery(db, message) == "QUEUED"
    refused = await reply(db, uid, session, "sms", "refuse me")
    await OutboxWorker(
        db, Recorder(SendError("400 bad number", retryable=False)), frozenset()
    ).run_once()
    assert await delivery(db, refused) == "FAILED"


async def test_status_reports_move_delivery_forward_only(db: Database, uid: str) -> None:
    session = await conversation(db, uid, "whatsapp", thread_id=f"{int(uid, 16)}:whatsapp-{uid}")
    message = await reply(db, uid, session, "whatsapp", "track me")
    await OutboxWorker(db, Recorder(f"wamid.track.{uid}"), frozenset()).run_once()
    platform_id = f"wamid.track.{uid}"

    async def report(status: DeliveryStatus) -> None:
        await apply_updates(db, [DeliveryUpdate(platform_id, status)])

    await report(DeliveryStatus.READ)
    await report(DeliveryStatus.DELIVERED)  # late: changes nothing
    await report(DeliveryStatus.SENT)
    assert await delivery(db, message) == "READ"
    await report(DeliveryStatus.FAILED)  # read is final
    assert await delivery(db, message) == "READ"


async def test_phone_replies_wait_for_the_call(db: Database, uid: str) -> None:
    number = f"+1555{int(uid[:6], 16) % 10**7:07d}"
    written = await ingest_events(
        db,
        [EventInput(f"{uid}-call", "phone", number, thread_id=f"+15005550006:{number}", text="hi")],
    )
    session = written.results[0].session_id
    message = await reply(db, uid, session, "phone", "spoken later")
    sender = Recorder()
    await OutboxWorker(db, sender, frozenset()).run_once()
    assert all(item.session_id != session for item in sender.sent)  # Twilio pulls it
    assert await delivery(db, message) == "QUEUED"
