"""Facts from what a person said (pure): whose a mention is, which value is current, what it
superseded, and accumulating types."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from enrichment.patterns import PatternError, load_conversation_rules
from graph.domain.errors import BadInputError
from graph.domain.facts import ATTRIBUTE, Claim, Statement, check_types, claim_of, mention_facts
from graph.domain.records import AttributeChangeRecord

RULES = load_conversation_rules().facts
T0 = datetime(2026, 5, 1, 10, tzinfo=UTC)


def said(
    text: str,
    value: str,
    n: int = 1,
    fact_type: str = "EMAIL",
    channel: str = "web",
    others: tuple[tuple[int, int], ...] = (),
) -> Statement:
    start = text.lower().index(value.lower())
    return Statement(
        f"msg_{n}",
        n,
        "ses_1",
        channel,
        T0 + timedelta(minutes=n),
        fact_type,
        value.lower(),
        start,
        start + len(value),
        text,
        others,
    )


@pytest.mark.parametrize(
    ("text", "value", "claim"),
    [
        ("My email is jo@example.com", "jo@example.com", Claim.OWN),
        ("jo@example.com", "jo@example.com", Claim.OWN),
        ("Please use jo@example.com from now on", "jo@example.com", Claim.OWN),
        ("My wife's email is ann@example.com", "ann@example.com", Claim.OTHER),
        ("ann@example.com is my husband's", "ann@example.com", Claim.OTHER),
        ("Send it to her email ann@example.com", "ann@example.com", Claim.OTHER),
        ("My old email was jo@old.com", "jo@old.com", Claim.PAST),
        ("jo@old.com is no longer in use", "jo@old.com", Claim.PAST),
        ("I used to have jo@old.com", "jo@old.com", Claim.PAST),
    ],
)
def test_the_words_around_a_mention_say_whose_it_is(text: str, value: str, claim: Claim) -> None:
    assert claim_of(said(text, value), RULES) is claim


def test_two_mentions_in_one_message_are_judged_each_by_its_own_words() -> None:
    text = "My old email was jo@old.com but my new one is jo@new.com, my wife's is ann@x.com"
    spans = [
        (text.index(v), text.index(v) + len(v)) for v in ("jo@old.com", "jo@new.com", "ann@x.com")
    ]
    claims = []
    for value, span in zip(("jo@old.com", "jo@new.com", "ann@x.com"), spans, strict=True):
        others = tuple(s for s in spans if s != span)
        claims.append(claim_of(said(text, value, others=others), RULES))
    assert claims == [Claim.PAST, Claim.OWN, Claim.OTHER]


def test_the_latest_own_statement_is_current_and_supersedes_the_earlier_ones() -> None:
    statements = [
        said("My email is jo@first.com", "jo@first.com", 1, channel="web"),
        said("My wife's email is ann@example.com", "ann@example.com", 2),
        said("Actually my new email is jo@second.com", "jo@second.com", 3, channel="whatsapp"),
        said("My old email was jo@zero.com", "jo@zero.com", 4),
    ]
    [fact] = mention_facts(statements, RULES, frozenset({"EMAIL"}))
    assert (fact.key, fact.value, fact.channel) == ("EMAIL", "jo@second.com", "whatsapp")
    assert fact.source.id == "msg_3"
    assert fact.source.seq == 3
    assert [(v.value, v.channel) for v in fact.superseded] == [
        ("jo@first.com", "web"),
        ("jo@zero.com", "web"),
    ]


def test_only_former_values_make_no_current_fact() -> None:
    assert (
        mention_facts([said("my old email was a@b.com", "a@b.com")], RULES, frozenset({"EMAIL"}))
        == []
    )


def test_order_ids_accumulate_one_row_each_latest_first() -> None:
    statements = [
        said("Where is order A-1001?", "A-1001", 1, "ORDER_ID"),
        said("And order A-1002 too", "A-1002", 2, "ORDER_ID"),
        said("A-1001 again, please", "A-1001", 3, "ORDER_ID"),
    ]
    facts = mention_facts(statements, RULES, frozenset({"ORDER_ID"}))
    assert [(f.value, f.mentions, f.superseded) for f in facts] == [
        ("a-1001", 2, []),
        ("a-1002", 1, []),
    ]


def test_types_are_checked() -> None:
    assert ATTRIBUTE in check_types(None, RULES)
    assert check_types(["EMAIL"], RULES) == frozenset({"EMAIL"})
    with pytest.raises(BadInputError) as raised:
        check_types(["EMAIL", "SHOE_SIZE"], RULES)
    assert raised.value.details["field"] == "types"


def test_attribute_facts_name_the_change_that_set_the_value() -> None:
    from graph.domain.facts import attribute_facts

    changes = [
        AttributeChangeRecord("plan", "basic", T0, T0, "web", 1, writer="key_1"),
        AttributeChangeRecord("plan", "premium", T0 + timedelta(hours=1), T0, "app", 2),
    ]
    [fact] = attribute_facts(changes, {"plan": "premium"})
    assert (fact.value, fact.channel, fact.source.kind, fact.source.version) == (
        "premium",
        "app",
        "ATTRIBUTE",
        2,
    )
    assert [(v.value, v.source.writer) for v in fact.superseded] == [("basic", "key_1")]


def test_a_deployment_file_adds_fact_types_and_steps(tmp_path: Path) -> None:
    extra = tmp_path / "patterns.json"
    extra.write_text(
        json.dumps(
            {
                "facts": {"single_valued": ["ACCOUNT_NUMBER"], "not_own": [r"\bfor my client\b"]},
                "steps": [r"\bi(?:'ve| have) rebooked\b"],
            }
        )
    )
    rules = load_conversation_rules(extra)
    assert "ACCOUNT_NUMBER" in rules.facts.single_valued
    assert "ACCOUNT_NUMBER" not in rules.facts.accumulating
    client = said("For my client: ac-4471", "ac-4471", fact_type="ACCOUNT_NUMBER")
    assert claim_of(client, rules.facts) is Claim.OTHER
    assert any(step.search("i've rebooked your flight") for step in rules.steps)
    extra.write_text('{"steps": ["(unclosed"]}')
    with pytest.raises(PatternError):
        load_conversation_rules(extra)
