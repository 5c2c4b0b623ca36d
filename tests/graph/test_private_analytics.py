"""Analytics shared with differential privacy (graph/analytics/private.py): the noise's spread
matches epsilon, each person's contribution is bounded, the budget is per consumer, atomic under
concurrent requests and refuses past its total, and an analytic without a bound is refused."""

from __future__ import annotations

import asyncio
import math
import statistics
from datetime import UTC, datetime, timedelta

import pytest

from enrichment.pipeline import Enricher
from graph.analytics.named import catalog
from graph.analytics.private import (
    PrivateSpec,
    answer_privately,
    budget_left,
    clipped_totals,
    noised,
    spec_of,
    spend,
)
from graph.config import AnalyticsLimits
from graph.domain.errors import BadInputError, LimitExceededError
from graph.domain.events import EventInput
from graph.domain.records import Table
from graph.pipeline.ingest import ingest_events
from graph.store.database import Database


def _discrete_laplace_variance(scale: float) -> float:
    q = math.exp(-1 / scale)
    return 2 * q / (1 - q) ** 2


@pytest.mark.parametrize("epsilon", [0.5, 1.0, 4.0])
def test_the_noise_spread_matches_epsilon(epsilon: float) -> None:
    """20,000 draws at once (each total gets its own): mean ~0, variance that of the discrete
    Laplace of scale sensitivity / epsilon, within 5 %; fresh noise each time."""
    sensitivity = 10
    draws = noised([0] * 20_000, sensitivity, epsilon)
    expected = _discrete_laplace_variance(sensitivity / epsilon)
    assert abs(statistics.fmean(draws)) < 4 * math.sqrt(expected / len(draws))
    assert statistics.pvariance(draws) == pytest.approx(expected, rel=0.05)
    assert noised([0] * 50, sensitivity, epsilon) != noised([0] * 50, sensitivity, epsilon)


def test_each_person_adds_at_most_the_bound_over_all_groups() -> None:
    spec = PrivateSpec.parse("person person; value messages; groups channel in channels; bound 20")
    table = Table(
        ["person", "channel", "messages"],
        [
            ["a", "email", 50],  # a's 50: 20 counted, in group order (email first)
            ["a", "web", 7],
            ["b", "email", 5],
            ["b", "web", 5],
            ["c", "web", 3],
            ["c", "fax", 9],  # a group nobody asked for
            ["d", "web", -4],  # not a count
            ["e", "web", True],
        ],
        False,
    )
    assert clipped_totals(table, spec, [("email",), ("web",), ("sms",)]) == [25, 8, 0]


def test_private_lines_parse_and_every_private_analytic_returns_its_columns() -> None:
    two = PrivateSpec.parse("person p; value n; groups a in as, b in bs; bound 3")
    assert two.groups == (("a", "as"), ("b", "bs"))
    for bad in ("person p; value n; bound 3", "person p; value n; groups a in as; bound 0"):
        with pytest.raises(ValueError, match="bad private line"):
            PrivateSpec.parse(bad)
    private = [a for a in catalog() if a.private is not None]
    assert {a.name for a in private} >= {"messages_by_channel", "intents_by_channel"}
    for analytic in private:
        spec = spec_of(analytic)
        assert {spec.person, spec.value, *(g for g, _ in spec.groups)} <= set(analytic.columns)
        parameters = {p.name: p.type for p in analytic.parameters}
        assert all(parameters.get(list_name) == "list" for _, list_name in spec.groups)


async def _messages(db: Database, uid: str, counts: dict[str, dict[str, int]]) -> datetime:
    """Each person's user messages per channel, in a window of 2001 nobody else writes in."""
    start = datetime(2001, 1, 1, tzinfo=UTC) + timedelta(minutes=int(uid[:6], 16) % 500_000)
    n = 0
    for person, per_channel in counts.items():
        events = []
        for channel, count in per_channel.items():
            for _ in range(count):
                n += 1
                events.append(
                    EventInput(
                        f"{uid}-{n}",
                        channel,
                        f"{uid}-{person}",
                        text=f"message {n}",
                        occurred_at=start + timedelta(seconds=n),
                    )
                )
        await ingest_events(db, events, None)
    return start


@pytest.mark.integration
@pytest.mark.anyio
async def test_a_private_answer_is_noised_bounded_and_paid_for(db: Database, uid: str) -> None:
    web, sms, fax = f"web-{uid}", f"sms-{uid}", f"fax-{uid}"
    start = await _messages(db, uid, {"a": {web: 50}, "b": {web: 5, sms: 5}, "c": {sms: 3}})
    params = {
        "since": start.isoformat(),
        "until": (start + timedelta(hours=1)).isoformat(),
        "channels": [web, sms, fax],
    }
    limits = AnalyticsLimits(privacy_budget=10.0)
    consumer = f"partner-{uid}"
    answer = await answer_privately(db, "messages_by_channel", params, 8.0, consumer, limits)
    assert answer.columns == ["channel", "messages"]
    assert [row[0] for row in answer.rows] == [web, sms, fax]  # every group asked for
    true = {web: 25, sms: 8, fax: 0}  # a's 50 messages count 20
    for channel, value in answer.rows:
        assert abs(value - true[channel]) <= 25  # scale 2.5: P(|noise| > 25) ~ 5e-5
    assert (answer.sensitivity, answer.scale, answer.epsilon_spent) == (20, 2.5, 8.0)
    assert answer.epsilon_left == pytest.approx(2.0)
    assert "Laplace" in answer.mechanism

    with pytest.raises(LimitExceededError, match="budget"):
        await answer_privately(db, "messages_by_channel", params, 3.0, consumer, limits)
    assert await budget_left(db, consumer, 10.0) == pytest.approx(2.0)  # nothing spent
    other = await answer_privately(db, "messages_by_channel", params, 3.0, f"o-{uid}", limits)
    assert other.epsilon_left == pytest.approx(7.0)  # each consumer has its own budget

    with pytest.raises(BadInputError, match="does not declare"):
        await answer_privately(db, "intent_mix", {}, 1.0, consumer, limits)
    with pytest.raises(BadInputError, match="channels must be a non-empty list"):
        await answer_privately(db, "messages_by_channel", {"channels": []}, 1.0, consumer, limits)
    for epsilon in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(BadInputError, match="epsilon"):
            await answer_privately(db, "messages_by_channel", params, epsilon, consumer, limits)


@pytest.mark.integration
@pytest.mark.anyio
async def test_the_budget_holds_under_concurrent_requests(db: Database, uid: str) -> None:
    consumer = f"race-{uid}"
    outcomes = await asyncio.gather(
        *(spend(db, consumer, 1.0, 10.0) for _ in range(25)), return_exceptions=True
    )
    spent = [o for o in outcomes if isinstance(o, float)]
    refused = [o for o in outcomes if isinstance(o, LimitExceededError)]
    assert (len(spent), len(refused)) == (10, 15)
    assert sorted(spent) == [float(n) for n in range(10)]  # what each one left, one at a time
    assert await budget_left(db, consumer, 10.0) == pytest.approx(0.0)


@pytest.mark.integration
@pytest.mark.anyio
async def test_groups_of_two_columns_answer_every_combination(
    db: Database, rules_enricher: Enricher, uid: str
) -> None:
    web, sms = f"web-{uid}", f"sms-{uid}"
    start = datetime(2002, 1, 1, tzinfo=UTC) + timedelta(minutes=int(uid[:6], 16) % 500_000)
    texts = ["I want a refund please", "where is my order status", "I want a refund now"]
    events = [
        EventInput(
            f"{uid}-{n}",
            web if n < 2 else sms,
            f"{uid}-p",
            text=text,
            occurred_at=start + timedelta(seconds=n),
        )
        for n, text in enumerate(texts)
    ]
    await ingest_events(db, events, rules_enricher)
    params = {
        "since": start.isoformat(),
        "until": (start + timedelta(minutes=1)).isoformat(),
        "channels": [web, sms],
        "intents": ["refund", "order_status"],
    }
    answer = await answer_privately(
        db, "intents_by_channel", params, 10.0, f"c-{uid}", AnalyticsLimits(privacy_budget=10.0)
    )
    assert answer.columns == ["channel", "intent", "messages"]
    assert [row[:2] for row in answer.rows] == [
        [web, "refund"],
        [web, "order_status"],
        [sms, "refund"],
        [sms, "order_status"],
    ]
    true = [1, 1, 1, 0]
    assert all(abs(row[2] - t) <= 15 for row, t in zip(answer.rows, true, strict=True))
    assert answer.epsilon_left == pytest.approx(0.0)
