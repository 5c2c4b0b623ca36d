"""Merge policies as pure functions: every order of the same writes converges."""

from __future__ import annotations

import itertools

import pytest

from graph.config import Settings
from graph.domain.attribute_policies import MergePolicy, PolicyRule, Stored, Write, merge, rule_for


def final(rule: PolicyRule, writes: list[Write]) -> object:
    state: Stored | None = None
    for write in writes:
        state = merge(rule, state, write) or state
    assert state is not None
    return state.value


WRITES = [Write("a", 10, "web"), Write("b", 10, "mobile"), Write("c", 5, "crm")]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (PolicyRule(pattern="*", policy=MergePolicy.LAST_WRITE_WINS), "a"),  # tie: "web" > "mobile"
        (
            PolicyRule(pattern="*", policy=MergePolicy.CHANNEL_PRECEDENCE, channels=("crm", "web")),
            "c",
        ),
        (PolicyRule(pattern="*", policy=MergePolicy.UNION), ["a", "b", "c"]),
    ],
)
def test_every_arrival_order_converges(rule: PolicyRule, expected: object) -> None:
    results = set()
    for order in itertools.permutations(WRITES):
        value = final(rule, list(order))
        results.add(str(sorted(value) if isinstance(value, list) else value))
    assert results == {str(expected)}


def test_keep_first_and_max_ignore_later_losers() -> None:
    keep = PolicyRule(pattern="*", policy=MergePolicy.KEEP_FIRST)
    assert final(keep, [Write(1, 9, None), Write(2, 10, None)]) == 1
    biggest = PolicyRule(pattern="*", policy=MergePolicy.MAX)
    assert merge(biggest, Stored(5, 1, None), Write(3, 2, None)) is None
    assert merge(biggest, Stored("text", 1, None), Write(3, 2, None)) == Stored(3, 2, None)


def test_rules_match_globs_in_order_and_default_to_lww() -> None:
    rules = [
        PolicyRule(pattern="cart.*", policy=MergePolicy.APPEND),
        PolicyRule(pattern="cart.total", policy=MergePolicy.MAX),
    ]
    assert rule_for(rules, "cart.total").policy is MergePolicy.APPEND  # first match wins
    assert rule_for(rules, "locale").policy is MergePolicy.LAST_WRITE_WINS


def test_policies_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "THREADLINE_ATTRIBUTE_POLICIES",
        '[{"pattern": "tier", "policy": "CHANNEL_PRECEDENCE", "channels": ["crm", "web"]},'
        ' {"pattern": "tags.*", "policy": "UNION"}]',
    )
    rules = Settings().attribute_policies
    assert rules[0] == PolicyRule(
        pattern="tier", policy=MergePolicy.CHANNEL_PRECEDENCE, channels=("crm", "web")
    )
    assert rule_for(rules, "tags.topics").policy is MergePolicy.UNION


def test_channel_precedence_needs_channels() -> None:
    with pytest.raises(ValueError, match="channels"):
        PolicyRule(pattern="*", policy=MergePolicy.CHANNEL_PRECEDENCE)
