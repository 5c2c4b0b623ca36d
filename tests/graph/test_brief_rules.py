"""The handoff brief (pure): each part on a hand-built conversation with known answers, the
trend, stable key turns, and the text rendering with its redaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from enrichment.patterns import load_conversation_rules
from graph.domain.brief import Trend, Turn, build_brief, slope_of, trend_of
from graph.domain.brief_text import redact_brief_text, render_brief
from graph.domain.records import HandoffRecord

STEPS = load_conversation_rules().steps
T0 = datetime(2026, 5, 3, 14, 0, tzinfo=UTC)


def turn(
    seq: int,
    role: str,
    text: str,
    channel: str = "web",
    sentiment: float | None = None,
    intents: tuple[str, ...] = (),
    keys: tuple[str, ...] = (),
) -> Turn:
    return Turn(
        f"msg_{seq}",
        seq,
        channel,
        role,
        T0 + timedelta(minutes=seq),
        text,
        sentiment,
        intents,
        keys,
    )


CONVERSATION = [
    turn(1, "USER", "Hi there", sentiment=0.0, intents=("greeting",)),
    turn(2, "BOT", "Hello! How can I help?"),
    turn(
        3,
        "USER",
        "Where is my order A77001?",
        sentiment=0.0,
        intents=("order_status",),
        keys=("ORDER_ID:A77001",),
    ),
    turn(4, "BOT", "Please check the tracking link we emailed you."),
    turn(
        5,
        "USER",
        "The link does not work, this is annoying",
        sentiment=-0.4,
        intents=("complaint",),
    ),
    turn(6, "AGENT", "I've escalated this to the courier, sorry.", channel="web"),
    turn(
        7,
        "USER",
        "Still nothing. Terrible. I want a refund to jo@example.com",
        channel="whatsapp",
        sentiment=-0.7,
        intents=("refund", "complaint"),
        keys=("EMAIL:jo@example.com",),
    ),
    turn(
        8,
        "USER",
        "Can I get my money back today?",
        channel="whatsapp",
        sentiment=-0.5,
        intents=("refund",),
    ),
]
HANDOFF = HandoffRecord(None, "agent_ann", "HUMAN", "bot could not help", T0 + timedelta(minutes=5))


def test_every_part_of_the_brief() -> None:
    brief = build_brief(CONVERSATION, [HANDOFF], STEPS)
    assert brief.issue is not None
    assert brief.issue.intent == "refund"
    assert brief.issue.message.seq == 7  # the first user message that stated it
    assert [(i.intent, i.message.seq) for i in brief.intents] == [
        ("order_status", 3),
        ("complaint", 5),
        ("refund", 7),
    ]
    assert brief.channel_path == ["web", "whatsapp"]
    assert [(e.type, e.value, e.message.seq) for e in brief.entities] == [
        ("EMAIL", "jo@example.com", 7),
        ("ORDER_ID", "A77001", 3),
    ]
    assert [t.seq for t in brief.open_questions] == [8]
    assert [t.seq for t in brief.steps_taken] == [4, 6]
    assert brief.trend is Trend.FALLING
    assert brief.falling
    assert brief.slope < 0
    assert brief.sentiment is not None
    assert brief.sentiment < -0.4
    assert brief.handoffs == [HANDOFF]
    assert [t.seq for t in brief.key_turns] == [3, 7, 8]  # scores 2.5, 2.6, 1.9 (5: 1.8)


def test_a_question_answered_later_is_not_open() -> None:
    answered = [*CONVERSATION, turn(9, "AGENT", "Yes, today.", channel="whatsapp")]
    assert build_brief(answered, [], STEPS).open_questions == []


def test_trend_and_slope() -> None:
    assert slope_of([0.0]) == 0.0
    assert slope_of([0.0, 0.1, 0.2]) == 0.1
    assert trend_of(0.1) is Trend.RISING
    assert trend_of(-0.05) is Trend.FALLING
    assert trend_of(0.01) is Trend.STEADY


def test_key_turns_are_stable_across_calls() -> None:
    first = build_brief(CONVERSATION, [HANDOFF], STEPS).key_turns
    assert all(build_brief(CONVERSATION, [HANDOFF], STEPS).key_turns == first for _ in range(3))


def test_an_empty_session_has_an_empty_brief() -> None:
    brief = build_brief([], [], STEPS)
    assert brief.issue is None
    assert brief.trend is Trend.STEADY
    assert render_brief(brief) == ""


def test_the_text_puts_the_most_important_first_and_cuts_whole_lines() -> None:
    brief = build_brief(CONVERSATION, [HANDOFF], STEPS)
    text = render_brief(brief)
    lines = text.splitlines()
    assert lines[0].startswith("Issue: refund — “Still nothing.")
    assert lines[1].startswith("Sentiment: -0.")
    assert "FALLING" in lines[1]
    assert lines[2] == "Open questions: “Can I get my money back today?” (#8 whatsapp 14:08)"
    assert "Entities: EMAIL:jo@example.com, ORDER_ID:A77001" in lines
    assert "Path: web → whatsapp" in lines
    assert any("handoff to agent_ann “bot could not help”" in line for line in lines)
    short = render_brief(brief, max_chars=len(lines[0]) + 5)
    assert short == lines[0]


def test_redaction_hides_quotes_and_personal_entity_values() -> None:
    text = redact_brief_text(render_brief(build_brief(CONVERSATION, [HANDOFF], STEPS)))
    assert "jo@example.com" not in text
    assert "Still nothing" not in text
    assert "Entities: EMAIL:j***@example.com, ORDER_ID:A77001" in text
    assert "Issue: refund — [redacted]" in text
