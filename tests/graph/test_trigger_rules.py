"""Trigger rules (pure): the file format refuses what it cannot mean, and each condition holds
exactly when its state says so."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from graph.domain.triggers import SessionState, TriggerFileError, When, holds, load_rules

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
CALM = SessionState(
    session_id="ses_1",
    user_id="usr_1",
    sentiment=0.2,
    falling=False,
    last_user_intents=frozenset({"order_status"}),
    attributes={"vip": True, "tier": "gold"},
    entity_types=frozenset({"ORDER_ID"}),
    last_user_at=NOW - timedelta(minutes=3),
    last_staff_at=NOW - timedelta(minutes=4),
    last_channels=("web", "web"),
)


def when(**conditions: object) -> When:
    return When.model_validate(conditions)


def test_each_condition() -> None:
    assert holds(when(sentimentBelow=0.5), CALM, NOW)
    assert not holds(when(sentimentBelow=0.0), CALM, NOW)
    assert not holds(when(sentimentBelow=0.0), replace(CALM, sentiment=None), NOW)
    assert holds(when(sentimentFalling=True), replace(CALM, falling=True), NOW)
    assert holds(when(intent="order_status"), CALM, NOW)
    assert not holds(when(intent="refund"), CALM, NOW)
    assert holds(when(attributes={"vip": True}), CALM, NOW)
    assert not holds(when(attributes={"vip": True, "tier": "silver"}), CALM, NOW)
    assert holds(when(entityType="ORDER_ID"), CALM, NOW)
    assert holds(when(noReplyMinutes=2), CALM, NOW)  # the user waits since 3 minutes
    assert not holds(when(noReplyMinutes=5), CALM, NOW)
    answered = replace(CALM, last_staff_at=NOW - timedelta(minutes=1))
    assert not holds(when(noReplyMinutes=2), answered, NOW)
    assert not holds(when(channelSwitch=True), CALM, NOW)
    assert holds(when(channelSwitch=True), replace(CALM, last_channels=("sms", "web")), NOW)
    assert holds(when(intent="order_status", attributes={"vip": True}), CALM, NOW)  # AND


def test_the_rule_file_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "rules.json"
    good = {
        "triggers": [
            {
                "name": "vip",
                "when": {"attributes": {"vip": True}},
                "then": [{"setFlag": {"name": "seen"}}],
            }
        ]
    }
    path.write_text(json.dumps(good))
    [rule] = load_rules(path)
    assert rule.then[0].set_flag is not None
    assert load_rules(None) == []
    bad = [
        {"triggers": [{"name": "x", "when": {}, "then": [{"setFlag": {"name": "a"}}]}]},
        {"triggers": [{"name": "x", "when": {"intent": "a"}, "then": []}]},
        {
            "triggers": [
                {
                    "name": "x",
                    "when": {"intent": "a"},
                    "then": [{"setFlag": {"name": "a"}, "handoff": {"agentId": "b"}}],
                }
            ]
        },
        {
            "triggers": [
                {"name": "x", "when": {"mood": "sad"}, "then": [{"setFlag": {"name": "a"}}]}
            ]
        },
        {"triggers": [good["triggers"][0], good["triggers"][0]]},
    ]
    for rules in bad:
        path.write_text(json.dumps(rules))
        with pytest.raises(TriggerFileError):
            load_rules(path)
    path.write_text("{not json")
    with pytest.raises(TriggerFileError):
        load_rules(path)


def test_the_check_command_lists_a_valid_file_and_names_what_is_wrong(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from api.cli import main

    path = tmp_path / "rules.json"
    path.write_text(
        json.dumps(
            {
                "triggers": [
                    {
                        "name": "vip-refund",
                        "when": {"attributes": {"vip": True}, "intent": "refund"},
                        "then": [{"handoff": {"agentId": "vip-desk"}}],
                    }
                ]
            }
        )
    )
    assert main(["triggers-check", str(path)]) == 0
    assert capsys.readouterr().out == "vip-refund: when attributes, intent → 1 action(s)\n"
    path.write_text(json.dumps({"triggers": [{"name": "x", "when": {}, "then": []}]}))
    assert main(["triggers-check", str(path)]) == 1
    assert "error:" in capsys.readouterr().err
