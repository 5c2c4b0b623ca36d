"""Group commit: concurrent requests share transactions, yet each gets exactly its own results
and its own errors."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest
from neo4j import Driver

from enrichment.pipeline import Enricher
from graph.domain.errors import BadInputError, NotFoundError
from graph.domain.events import EventInput
from graph.pipeline.batcher import Commit, IngestBatcher
from graph.pipeline.ingest import store_events
from graph.store.database import Database

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


async def test_concurrent_requests_get_their_own_results_in_order(
    db: Database, driver: Driver, uid: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    batcher = IngestBatcher(db, None)
    calls = 0
    original = store_events

    async def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        return await original(*args, **kwargs)

    monkeypatch.setattr("graph.pipeline.batcher.store_events", counting)
    requests = [
        [
            EventInput(f"{uid}-{r}-{n}", "web", f"{uid}-user-{r % 4}", text=f"r{r} n{n}")
            for n in range(3)
        ]
        for r in range(24)
    ]
    results = await asyncio.gather(*(batcher.ingest(events) for events in requests))
    assert calls < len(requests)  # requests were grouped into fewer transactions
    for events, result in zip(requests, results, strict=True):
        assert [r.event_id for r in result.results] == [e.event_id for e in events]
        assert (result.accepted, result.duplicates) == (3, 0)
        seqs = [r.seq or 0 for r in result.results]
        assert seqs == sorted(seqs)  # a request's own events keep their order in the session
    for user in range(4):
        stored, _, _ = driver.execute_query(
            "MATCH (:Identity {key: $k})-[:IDENTIFIES]->(:User)-[:HAS_SESSION]->(s:Session) "
            "MATCH (m:Message {sessionId: s.id}) RETURN count(m) AS n, max(m.seq) AS top",
            k=f"web:{uid}-user-{user}",
        )
        assert stored[0]["n"] == stored[0]["top"] == 18  # 6 requests x 3 events, seq 1..18


async def test_every_committed_transaction_is_reported_to_the_observer(
    db: Database, uid: str
) -> None:
    commits: list[tuple[int, int, float]] = []

    def observe(commit: Commit) -> None:
        commits.append((len(commit.events), commit.requests, commit.seconds))

    batcher = IngestBatcher(db, None, observe)
    requests = [
        [EventInput(f"{uid}-{r}-{n}", "web", f"{uid}-{r}", text="hi") for n in range(2)]
        for r in range(10)
    ]
    await asyncio.gather(*(batcher.ingest(events) for events in requests))
    assert sum(events for events, _, _ in commits) == 20  # every event, in some transaction
    assert sum(combined for _, combined, _ in commits) == 10  # every request, once
    assert len(commits) < 10  # grouped
    assert all(seconds > 0 for _, _, seconds in commits)


async def test_a_bad_request_fails_alone(db: Database, uid: str) -> None:
    batcher = IngestBatcher(db, None)
    good = [EventInput(f"{uid}-ok-{n}", "sms", f"{uid}-a", text="hi") for n in range(2)]
    invalid = [EventInput(f"{uid}-bad", "SMS!", f"{uid}-b", text="hi")]
    unknown = [EventInput(f"{uid}-lost", "sms", f"{uid}-c", session_id=f"nope-{uid}", text="hi")]
    outcomes = await asyncio.gather(
        batcher.ingest(good),
        batcher.ingest(invalid),
        batcher.ingest(unknown),
        batcher.ingest([EventInput(f"{uid}-ok-2", "sms", f"{uid}-d", text="yo")]),
        return_exceptions=True,
    )
    assert isinstance(outcomes[1], BadInputError)
    assert isinstance(outcomes[2], NotFoundError)
    assert not isinstance(outcomes[0], BaseException)
    assert outcomes[0].accepted == 2
    assert not isinstance(outcomes[3], BaseException)
    assert outcomes[3].accepted == 1


async def test_the_same_event_in_two_concurrent_requests_is_stored_once(
    db: Database, uid: str
) -> None:
    batcher = IngestBatcher(db, None)
    event = EventInput(f"{uid}-once", "whatsapp", f"{uid}-w", text="retry storm")
    first, second = await asyncio.gather(batcher.ingest([event]), batcher.ingest([event]))
    assert sorted([first.duplicates, second.duplicates]) == [0, 1]
    assert first.results[0].message_id == second.results[0].message_id


async def test_requests_are_enriched_one_at_a_time_and_keep_their_own_annotations(
    db: Database,
    driver: Driver,
    uid: str,
    rules_enricher: Enricher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Enrichment runs before batching (overlapping the write in flight), never in two threads at
    once, and each message of a combined batch gets the entities of its own text."""
    inside, peak = 0, 0
    lock = threading.Lock()
    enrich = rules_enricher.enrich

    def watched(texts: list[str], times: list[datetime]) -> Any:
        nonlocal inside, peak
        with lock:
            inside += 1
            peak = max(peak, inside)
        try:
            time.sleep(0.002)  # widen the window a second thread would have to overlap in
            return enrich(texts, times)
        finally:
            with lock:
                inside -= 1

    monkeypatch.setattr(rules_enricher, "enrich", watched)
    batcher = IngestBatcher(db, rules_enricher)
    requests = [
        [  # a text-less event first, so message indexes differ from event indexes
            EventInput(f"{uid}-{r}-a", "web", f"{uid}-u{r}", attributes={"step": r}),
            EventInput(f"{uid}-{r}-b", "web", f"{uid}-u{r}", text=f"Where is order A-{10000 + r}?"),
        ]
        for r in range(16)
    ]
    results = await asyncio.gather(*(batcher.ingest(events) for events in requests))
    assert peak == 1
    assert all(result.accepted == 2 for result in results)
    stored, _, _ = driver.execute_query(
        "UNWIND $ids AS id MATCH (m:Message {eventId: id})-[:MENTIONS]->(e:Entity) "
        "RETURN id, e.key AS key",
        ids=[f"{uid}-{r}-b" for r in range(16)],
    )
    assert sorted((r["id"], r["key"]) for r in stored) == sorted(
        (f"{uid}-{r}-b", f"ORDER_ID:A{10000 + r}") for r in range(16)
    )


async def test_what_the_database_refuses_in_one_request_never_fails_the_others(
    db: Database,
    driver: Driver,
    rules_enricher: Enricher,
    uid: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A request whose write Neo4j refuses (here an entity key over the index's ~8 KB limit, as
    a custom pattern could once produce) is sent at the same moment as six valid requests: it
    fails alone, and every valid event is stored."""
    import graph.pipeline.prepare
    from enrichment.annotations import Mention
    from graph.pipeline.enrich import annotate as real_annotate

    async def annotate_with_a_huge_entity(enricher, texts, ats):  # type: ignore[no-untyped-def]
        found = await real_annotate(enricher, texts, ats)
        huge = "x" * 9000
        return [
            replace(a, mentions=[Mention("URL", huge, 0, 5, "culprit")])
            if a is not None and t.startswith("culprit")
            else a
            for a, t in zip(found, texts, strict=True)
        ]

    monkeypatch.setattr(graph.pipeline.prepare, "annotate", annotate_with_a_huge_entity)
    batcher = IngestBatcher(db, rules_enricher)
    valid = [
        [EventInput(f"{uid}-ok-{r}-{n}", "web", f"{uid}-u{r}", text=f"hello {n}") for n in range(2)]
        for r in range(6)
    ]
    culprit = [EventInput(f"{uid}-culprit", "web", f"{uid}-x", text="culprit link")]
    outcomes = await asyncio.gather(
        *(batcher.ingest(events) for events in [*valid[:3], culprit, *valid[3:]]),
        return_exceptions=True,
    )
    assert isinstance(outcomes[3], Exception)
    assert all(not isinstance(o, BaseException) for i, o in enumerate(outcomes) if i != 3)
    stored, _, _ = driver.execute_query(
        "MATCH (m:Message) WHERE m.eventId STARTS WITH $p RETURN count(m) AS n", p=f"{uid}-ok-"
    )
    assert stored[0]["n"] == 12


async def test_a_long_token_is_not_an_entity_and_its_message_is_stored(
    db: Database, rules_enricher: Enricher, uid: str
) -> None:
    batcher = IngestBatcher(db, rules_enricher)
    link = "https://example.com/" + "a" * 9000
    result = await batcher.ingest(
        [
            EventInput(f"{uid}-1", "web", uid, text=f"see {link}"),
            EventInput(f"{uid}-2", "web", uid, text="x" * 8200),
        ]
    )
    assert result.accepted == 2
