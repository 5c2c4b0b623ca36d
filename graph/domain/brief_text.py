"""The handoff brief as plain text an agent desktop or an LLM can show as is (pure).

One line per part, most important first, so cutting at `max_chars` drops the least useful:

    Issue: order_status — “Where is my order A1001?” (#3 web 2026-05-03 14:05 UTC)
    Sentiment: -0.41 FALLING (-0.120 per message) — getting worse
    Open questions: “Can I get a refund?” (#9 whatsapp 14:22)
    Entities: ORDER_ID:A1001, EMAIL:jo@example.com
    Path: web → whatsapp
    What happened: order_status (#3) → refund (#9); handoff to ann “bot could not help” (14:20)
    Steps taken: BOT “Please restart the app” (#5)
    Key turns: #3 USER “…”; #9 USER “…”

Quoted message text and reasons sit between “ and ”; `redact_brief_text` replaces them (and
masks personal entity values) for roles without PII access.
"""

from __future__ import annotations

import re

from graph.domain.brief import BriefRecord, Trend, Turn
from graph.domain.masking import REDACTED, mask_entity_key

QUOTE_CHARS = 160  # a quoted message is cut to this many characters
_QUOTED = re.compile(r"“[^”]*”")
_ENTITIES_LINE = re.compile(r"^Entities: (.*)$", re.MULTILINE)


def _quote(text: str | None) -> str:
    flat = " ".join((text or "").split()).replace("”", '"').replace("“", '"')
    if len(flat) > QUOTE_CHARS:
        flat = flat[: QUOTE_CHARS - 1] + "…"
    return f"“{flat}”"


def _where(turn: Turn, with_date: bool = False) -> str:
    when = turn.at.strftime("%Y-%m-%d %H:%M UTC" if with_date else "%H:%M")
    return f"#{turn.seq} {turn.channel} {when}"


def brief_lines(brief: BriefRecord) -> list[str]:
    lines = []
    if brief.issue is not None:
        issue = brief.issue
        lines.append(
            f"Issue: {', '.join(issue.intents)} — {_quote(issue.message.text)} "
            f"({_where(issue.message, with_date=True)})"
        )
    if brief.sentiment is not None:
        warning = " — getting worse" if brief.trend is Trend.FALLING else ""
        lines.append(
            f"Sentiment: {brief.sentiment:+.2f} {brief.trend.value} "
            f"({brief.slope:+.3f} per message){warning}"
        )
    if brief.open_questions:
        asked = "; ".join(f"{_quote(t.text)} ({_where(t)})" for t in brief.open_questions)
        lines.append(f"Open questions: {asked}")
    if brief.entities:
        lines.append("Entities: " + ", ".join(e.key for e in brief.entities))
    if brief.channel_path:
        lines.append("Path: " + " → ".join(brief.channel_path))
    happened = [f"{i.intent} (#{i.message.seq})" for i in brief.intents]
    happened += [
        f"handoff to {h.agent_id}"
        + (f" {_quote(h.reason)}" if h.reason else "")
        + f" ({h.at:%H:%M})"
        for h in brief.handoffs
    ]
    if happened:
        lines.append("What happened: " + " → ".join(happened))
    if brief.steps_taken:
        steps = "; ".join(f"{t.role} {_quote(t.text)} (#{t.seq})" for t in brief.steps_taken)
        lines.append(f"Steps taken: {steps}")
    if brief.key_turns:
        turns = "; ".join(f"#{t.seq} {t.role} {_quote(t.text)}" for t in brief.key_turns)
        lines.append(f"Key turns: {turns}")
    return lines


def render_brief(brief: BriefRecord, max_chars: int | None = None) -> str:
    """The brief's lines, whole lines only up to `max_chars` (a first line longer than that is
    cut with an ellipsis)."""
    kept: list[str] = []
    used = 0
    for line in brief_lines(brief):
        cost = len(line) + (1 if kept else 0)
        if max_chars is not None and used + cost > max_chars:
            if not kept and max_chars > 0:
                kept.append(line[: max_chars - 1] + "…")
            break
        kept.append(line)
        used += cost
    return "\n".join(kept)


def redact_brief_text(text: str) -> str:
    """The rendered brief for roles without PII access: quotes redacted, entity values masked."""
    redacted = _QUOTED.sub(REDACTED, text)
    return _ENTITIES_LINE.sub(
        lambda m: "Entities: " + ", ".join(mask_entity_key(k) for k in m.group(1).split(", ")),
        redacted,
    )
