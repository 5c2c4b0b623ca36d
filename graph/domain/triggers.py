"""Triggers: declarative rules on session state → actions (pure: the rules, their file format,
and whether a rule holds for a session's state; no I/O).

A rule file (`THREADLINE_TRIGGERS`, JSON):

    {"triggers": [
      {"name": "angry-vip",
       "when": {"sentimentBelow": -0.4, "attributes": {"vip": true}},
       "then": [{"webhook": {"url": "https://crm.example.com/hooks/threadline",
                             "secretEnv": "CRM_HOOK_SECRET"}},
                {"handoff": {"agentId": "supervisors", "reason": "angry VIP"}},
                {"setFlag": {"name": "escalated", "value": true}}]}
    ]}

Every condition of `when` must hold (AND): `sentimentBelow` (the recency-weighted sentiment),
`sentimentFalling` (the brief's trend), `intent` (the latest user message expresses it),
`attributes` (session or user attributes equal these values: a flag such as `vip`), `entityType`
(the session mentions one), `noReplyMinutes` (the last user message has had no AGENT/BOT message
after it for that long), `channelSwitch` (the last two messages came on different channels). A
rule fires when it starts to hold for a session, once, and may fire again after it stopped
holding.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class When(Strict):
    sentiment_below: float | None = Field(default=None, alias="sentimentBelow")
    sentiment_falling: bool | None = Field(default=None, alias="sentimentFalling")
    intent: str | None = None
    attributes: dict[str, Any] | None = None
    entity_type: str | None = Field(default=None, alias="entityType")
    no_reply_minutes: float | None = Field(default=None, alias="noReplyMinutes", gt=0)
    channel_switch: bool | None = Field(default=None, alias="channelSwitch")

    @model_validator(mode="after")
    def _something(self) -> When:
        if not self.model_dump(exclude_none=True):
            raise ValueError("`when` needs at least one condition")
        return self

    @property
    def time_based(self) -> bool:
        return self.no_reply_minutes is not None


class Webhook(Strict):
    url: str
    secret_env: str | None = Field(default=None, alias="secretEnv")  # env var holding the key


class Handoff(Strict):
    agent_id: str = Field(alias="agentId")
    reason: str | None = None


class SetFlag(Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    value: Any = True


class Action(Strict):
    webhook: Webhook | None = None
    handoff: Handoff | None = None
    set_flag: SetFlag | None = Field(default=None, alias="setFlag")

    @model_validator(mode="after")
    def _one(self) -> Action:
        if len(self.model_dump(exclude_none=True)) != 1:
            raise ValueError("each action is exactly one of webhook, handoff, setFlag")
        return self


class Rule(Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    when: When
    then: list[Action] = Field(min_length=1)


class RuleFile(Strict):
    triggers: list[Rule]

    @model_validator(mode="after")
    def _unique(self) -> RuleFile:
        names = [rule.name for rule in self.triggers]
        if len(names) != len(set(names)):
            raise ValueError("trigger names must be unique")
        return self


class TriggerFileError(ValueError):
    """The rule file is unreadable or invalid (raised at start-up, naming what is wrong)."""


def load_rules(path: Path | None) -> list[Rule]:
    if path is None:
        return []
    try:
        return RuleFile.model_validate(json.loads(path.read_text())).triggers
    except (OSError, ValueError, ValidationError) as error:
        raise TriggerFileError(f"{path}: {error}") from None


@dataclass(frozen=True)
class SessionState:
    """What the conditions look at, for one session."""

    session_id: str
    user_id: str
    sentiment: float | None
    falling: bool
    last_user_intents: frozenset[str]
    attributes: dict[str, Any]  # the user's, then the session's over them
    entity_types: frozenset[str]
    last_user_at: datetime | None
    last_staff_at: datetime | None
    last_channels: tuple[str, ...] = field(default=())  # of the last two messages, newest first


def holds(when: When, state: SessionState, now: datetime) -> bool:
    checks = []
    if when.sentiment_below is not None:
        checks.append(state.sentiment is not None and state.sentiment < when.sentiment_below)
    if when.sentiment_falling is not None:
        checks.append(state.falling == when.sentiment_falling)
    if when.intent is not None:
        checks.append(when.intent in state.last_user_intents)
    if when.attributes is not None:
        checks.append(all(state.attributes.get(k) == v for k, v in when.attributes.items()))
    if when.entity_type is not None:
        checks.append(when.entity_type in state.entity_types)
    if when.no_reply_minutes is not None:
        waiting = state.last_user_at is not None and (
            state.last_staff_at is None or state.last_staff_at < state.last_user_at
        )
        checks.append(
            waiting
            and state.last_user_at is not None
            and now - state.last_user_at >= timedelta(minutes=when.no_reply_minutes)
        )
    if when.channel_switch is not None:
        switched = (
            len(state.last_channels) == 2 and state.last_channels[0] != state.last_channels[1]
        )
        checks.append(switched == when.channel_switch)
    return all(checks)
