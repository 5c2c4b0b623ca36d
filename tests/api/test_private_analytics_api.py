"""privateAnalytics over GraphQL (analysts and admins), the budget left, typed refusals, and the
same answers from the CLI and the export for sharing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from api.cli import main
from graph.config import Settings
from graph.domain.callers import CallerRole
from tests.helpers.server import data_of, graphql_as, make_key

pytestmark = pytest.mark.integration

PRIVATE = """
mutation($n: String!, $p: JSON, $e: Float!, $c: String!) {
  privateAnalytics(name: $n, params: $p, epsilon: $e, consumer: $c) {
    name columns rows mechanism sensitivity scale epsilonSpent epsilonLeft consumer
  }
}
"""
BUDGET = "query($c: String!) { privacyBudget(consumer: $c) { consumer epsilonLeft } }"


def _ingest(url: str, settings: Settings, uid: str) -> list[str]:
    channels = [f"web-{uid}", f"sms-{uid}"]
    events = [
        {
            "eventId": f"{uid}-{n}",
            "channel": channels[n % 2],
            "externalUserId": f"{uid}-{n % 3}",
            "text": f"hello {n}",
        }
        for n in range(12)
    ]
    connector = make_key(settings, CallerRole.CONNECTOR)[1]
    query = "mutation($e: [EventInput!]!) { ingestEvents(events: $e) { accepted } }"
    data_of(graphql_as(url, connector, query, e=events))
    return channels


def _code(body: dict[str, Any]) -> str:
    return str(body["errors"][0]["extensions"]["code"])


def test_private_analytics_for_analysts_with_a_budget(
    live_server: str, settings: Settings, uid: str
) -> None:
    channels = _ingest(live_server, settings, uid)
    analyst = make_key(settings, CallerRole.ANALYST)[1]
    consumer = f"partner-{uid}"
    params = {"channels": channels}
    body = graphql_as(
        live_server, analyst, PRIVATE, n="messages_by_channel", p=params, e=6.0, c=consumer
    )
    answer = data_of(body)["privateAnalytics"]
    assert answer["columns"] == ["channel", "messages"]
    assert [row[0] for row in answer["rows"]] == channels
    assert all(abs(row[1] - 6) <= 40 for row in answer["rows"])  # 6 each; scale 20/6
    assert (answer["sensitivity"], answer["epsilonSpent"], answer["epsilonLeft"]) == (20, 6.0, 4.0)
    assert "Laplace" in answer["mechanism"]
    budget = data_of(graphql_as(live_server, analyst, BUDGET, c=consumer))["privacyBudget"]
    assert budget == {"consumer": consumer, "epsilonLeft": 4.0}

    past = graphql_as(
        live_server, analyst, PRIVATE, n="messages_by_channel", p=params, e=5.0, c=consumer
    )
    assert _code(past) == "LIMIT_EXCEEDED"
    assert past["data"] is None
    unbounded = graphql_as(live_server, analyst, PRIVATE, n="intent_mix", p={}, e=1.0, c=consumer)
    assert _code(unbounded) == "BAD_INPUT"
    agent = make_key(settings, CallerRole.AGENT)[1]
    refused = graphql_as(
        live_server, agent, PRIVATE, n="messages_by_channel", p=params, e=1.0, c=consumer
    )
    assert _code(refused) == "FORBIDDEN"


def test_the_cli_and_the_export_answer_privately(
    cli_env: None,
    live_server: str,
    settings: Settings,
    uid: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    channels = _ingest(live_server, settings, uid)
    listed = "channels=" + json.dumps(channels)
    consumer = f"cli-{uid}"
    command = [
        "analytics",
        "private",
        "messages_by_channel",
        "--epsilon",
        "2",
        "--consumer",
        consumer,
        "--param",
        listed,
        "--format",
        "json",
    ]
    assert main(command) == 0
    captured = capsys.readouterr()
    assert [row["channel"] for row in json.loads(captured.out)] == channels
    assert "epsilon 2 spent, 8 left" in captured.err

    output = tmp_path / "shared.jsonl"
    export = [
        "export-analytics",
        "--private",
        "messages_by_channel",
        "--epsilon",
        "8",
        "--consumer",
        consumer,
        "--param",
        listed,
        "-o",
        str(output),
    ]
    assert main(export) == 0
    rows = [json.loads(line) for line in output.read_text().splitlines()]
    assert [row["channel"] for row in rows] == channels
    assert "0 left" in capsys.readouterr().err
    assert main(export) == 1  # the budget is spent: LIMIT_EXCEEDED, nothing written
    assert "LIMIT_EXCEEDED" in capsys.readouterr().err
