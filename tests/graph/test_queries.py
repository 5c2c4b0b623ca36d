"""Reads as auto-commit transactions: results, bookmarks, and retries of retryable failures."""

from __future__ import annotations

from typing import Any

import pytest
from neo4j import AsyncSession
from neo4j.exceptions import ConfigurationError, ServiceUnavailable

from graph.domain.errors import Neo4jUnavailableError
from graph.domain.events import EventInput
from graph.pipeline.ingest import ingest_events
from graph.store.database import READ_ATTEMPTS, Database, StatementError

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


async def test_a_read_sees_the_write_before_it(db: Database, uid: str) -> None:
    written = await ingest_events(db, [EventInput(f"{uid}-1", "web", f"{uid}-u", text="hi")])
    session_id = written.results[0].session_id
    records = await db.read(
        "context/session_context",
        sessionIds=[session_id],
        userId=None,
        identityKey=None,
        ownedOnly=False,
        last=5,
        entityLimit=5,
        sentimentWindow=5,
        previous=1,
        asOf=None,
        brief=0,
        links=True,
    )
    assert [m["text"] for m in records[0]["messages"]] == ["hi"]
    assert records[0]["previousIds"] == []  # a first session continues nothing


async def test_retryable_failures_are_retried_and_others_are_not(
    db: Database, uid: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    written = await ingest_events(db, [EventInput(f"{uid}-1", "sms", f"{uid}-u", text="yo")])
    session_id = written.results[0].session_id
    calls = 0
    run = AsyncSession.run
    failure: Exception = ServiceUnavailable("reader restarting")

    async def flaky(self: AsyncSession, *args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise failure
        return await run(self, *args, **kwargs)

    monkeypatch.setattr(AsyncSession, "run", flaky)
    params = {
        "sessionIds": [session_id],
        "userId": None,
        "identityKey": None,
        "ownedOnly": False,
        "last": 5,
        "entityLimit": 5,
        "sentimentWindow": 5,
        "previous": 0,
        "asOf": None,
        "brief": 0,
        "links": False,
    }
    records = await db.read("context/session_context", **params)
    assert calls == 2
    assert records[0]["session"]["id"] == session_id

    calls, failure = 0, ConfigurationError("not retryable")
    assert not failure.is_retryable()
    with pytest.raises(StatementError) as refused:  # translated, the driver's error chained
        await db.read("context/session_context", **params)
    assert calls == 1
    assert isinstance(refused.value.__cause__, ConfigurationError)

    always = 0

    async def down(self: AsyncSession, *args: Any, **kwargs: Any) -> Any:
        nonlocal always
        always += 1
        raise ServiceUnavailable("reader gone")

    monkeypatch.setattr(AsyncSession, "run", down)
    with pytest.raises(Neo4jUnavailableError):  # retried, then UNAVAILABLE
        await db.read("context/session_context", **params)
    assert always == READ_ATTEMPTS
