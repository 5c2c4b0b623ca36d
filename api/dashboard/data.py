"""What the dashboard pages show, computed from the named analytics and the session reads."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from api.dashboard import charts
from graph.analytics.named import run_analytic
from graph.config import DEFAULT_ANALYTICS_LIMITS, AnalyticsLimits
from graph.domain.brief_text import redact_brief_text, render_brief
from graph.domain.masking import PII_ENTITY_TYPES, mask_cause, mask_entity_value, redact_text
from graph.store.context import ContextSelector, get_context
from graph.store.handoffs import session_handoffs
from graph.store.lifecycle import transitions
from graph.store.sessions import continued_by, get_session, session_messages

if TYPE_CHECKING:
    from graph.domain.brief import BriefRecord
    from graph.domain.records import MessageRecord, SessionRecord
    from graph.store.database import Database

OVERVIEW = (
    "channel_switch_rate",
    "session_length",
    "abandonment_points",
    "repeat_rate",
    "fallback_frequency",
    "handoff_stats",
    "sentiment_by_channel",
)


@dataclass
class Overview:
    kpis: list[tuple[str, str, str]]  # (testid, label, value)
    charts: list[tuple[str, Markup]]  # (title, svg)
    computed_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def _abandonment_label(row: dict[str, Any]) -> str:
    return f"{row['lastIntent']} · {row['lastRole']} · {row['channel']} · #{row['position']}"


def _rate(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


async def overview(
    db: Database,
    since: datetime,
    until: datetime,
    limits: AnalyticsLimits = DEFAULT_ANALYTICS_LIMITS,
) -> Overview:
    window = {"since": since, "until": until}
    tables = await asyncio.gather(*(run_analytic(db, name, window, limits) for name in OVERVIEW))
    data = {name: table.as_dicts() for name, table in zip(OVERVIEW, tables, strict=True)}
    switch = {r["kind"]: r for r in data["channel_switch_rate"] if r["kind"] != "switch"}
    matrix = {
        (r["from"], r["to"]): int(r["count"])
        for r in data["channel_switch_rate"]
        if r["kind"] == "switch"
    }
    repeat = next((r for r in data["repeat_rate"] if r["entityType"] == "ALL"), None)
    handoffs = data["handoff_stats"]
    sessions = sum(r["sessions"] for r in handoffs)
    handed = sum(r["handedOff"] for r in handoffs)
    fallback = data["fallback_frequency"]
    continued = sum(r["continued"] for r in fallback)
    by_day: dict[str, int] = {}
    for row in fallback:
        by_day[row["day"]] = by_day.get(row["day"], 0) + int(row["continued"])
    by_channel: dict[str, list[int]] = {}
    for row in handoffs:
        pair = by_channel.setdefault(row["channel"], [0, 0])
        pair[0] += int(row["handedOff"])
        pair[1] += int(row["sessions"])
    kpis = [
        ("kpi-sessions", "Sessions", f"{switch.get('sessions', {}).get('total', 0):,}"),
        (
            "kpi-multichannel",
            "Multi-channel sessions",
            _rate(switch.get("sessions", {}).get("rate")),
        ),
        (
            "kpi-multichannel-users",
            "Multi-channel users",
            _rate(switch.get("users", {}).get("rate")),
        ),
        ("kpi-repeat", "Had to repeat (after a switch)", _rate(repeat["rate"] if repeat else None)),
        ("kpi-handoff", "Handed to a human", _rate(handed / sessions if sessions else None)),
        (
            "kpi-fallback",
            "Continued an expired session",
            _rate(continued / sessions if sessions else None),
        ),
    ]
    length = data["session_length"]
    return Overview(
        kpis,
        [
            ("Channel switches (from → to)", charts.matrix_chart("switch-matrix", matrix)),
            (
                "Median session length by first channel",
                charts.bar_chart(
                    "session-length",
                    [(r["channel"], float(r["medianSeconds"] or 0)) for r in length],
                    unit=" s",
                ),
            ),
            (
                "Messages per session (mean) by first channel",
                charts.bar_chart(
                    "session-messages", [(r["channel"], float(r["meanMessages"])) for r in length]
                ),
            ),
            (
                "Where people gave up (last intent · last speaker · channel · message #)",
                charts.bar_chart(
                    "abandonment",
                    [
                        (_abandonment_label(r), float(r["sessions"]))
                        for r in data["abandonment_points"][:10]
                    ],
                    color=charts.NEGATIVE,
                    width=560,
                    label_width=270,
                ),
            ),
            (
                "Repeated an entity after switching channel, by type",
                charts.bar_chart(
                    "repeat-rate",
                    [(r["entityType"], 100 * float(r["rate"])) for r in data["repeat_rate"]],
                    unit="%",
                ),
            ),
            (
                "Sessions continuing an expired one, per day",
                charts.bar_chart("fallback", [(d, float(n)) for d, n in sorted(by_day.items())]),
            ),
            (
                "Handed to a human, by first channel",
                charts.bar_chart(
                    "handoffs",
                    [(c, 100 * h / s) for c, (h, s) in sorted(by_channel.items()) if s],
                    unit="%",
                ),
            ),
            (
                "Mean sentiment of users' messages by channel",
                charts.diverging_chart(
                    "sentiment",
                    [
                        (r["channel"], float(r["meanSentiment"]))
                        for r in data["sentiment_by_channel"]
                    ],
                ),
            ),
        ],
    )


def highlighted(message: MessageRecord, sees_pii: bool) -> Markup:
    """The message text, escaped, with each entity mention wrapped in a <mark>."""
    if message.text is None:
        return Markup("<em>(no text)</em>")
    if not sees_pii:
        return Markup("{}").format(redact_text(message.text))
    text, parts, cursor = message.text, [], 0
    for mention in sorted(message.entities, key=lambda m: m.start):
        if mention.start < cursor or mention.end > len(text):
            continue
        parts.append(escape(text[cursor : mention.start]))
        parts.append(
            Markup('<mark class="entity" data-type="{}" title="{}">{}</mark>').format(
                mention.type, mention.key, text[mention.start : mention.end]
            )
        )
        cursor = mention.end
    parts.append(escape(text[cursor:]))
    return Markup("").join(parts)


@dataclass
class Timeline:
    session: SessionRecord
    items: list[dict[str, Any]] = field(default_factory=list)
    continues: str | None = None
    continued_by: list[str] = field(default_factory=list)
    brief: BriefRecord | None = None  # the handoff brief, shown above the timeline
    brief_lines: list[str] = field(default_factory=list)  # its text (redacted without PII)


def _sentiment_class(label: str | None) -> str:
    return {"NEGATIVE": "negative", "POSITIVE": "positive"}.get(label or "", "neutral")


async def _brief(
    db: Database, session_id: str, steps: Sequence[re.Pattern[str]]
) -> BriefRecord | None:
    record = await get_context(db, ContextSelector(session_id=session_id), 0, brief_steps=steps)
    return record.brief


async def timeline(
    db: Database,
    session_id: str,
    sees_pii: bool,
    max_messages: int = 500,
    brief_steps: Sequence[re.Pattern[str]] = (),
) -> Timeline | None:
    session = await get_session(db, session_id)
    if session is None:
        return None
    messages, handoffs, moves, successors, brief = await asyncio.gather(
        session_messages(db, session_id, max_messages),
        session_handoffs(db, session_id),
        transitions(db, session_id),
        continued_by(db, session_id),
        _brief(db, session_id, brief_steps),
    )
    items: list[dict[str, Any]] = []
    for m in messages:
        entities = [
            e.key
            if sees_pii or e.type not in PII_ENTITY_TYPES
            else f"{e.type}:{mask_entity_value(e.type, e.value)}"
            for e in m.entities
        ]
        items.append(
            {
                "kind": "message",
                "at": m.at,
                "seq": m.seq,
                "channel": m.channel,
                "color": charts.channel_color(m.channel),
                "role": m.role,
                "agent": m.agent_id,
                "text": highlighted(m, sees_pii),
                "sentiment": m.sentiment,
                "mood": _sentiment_class(m.sentiment_label),
                "intents": [i.name for i in m.intents],
                "entities": entities,
                "delivery": m.delivery.status if m.delivery else None,  # a reply sent out
            }
        )
    for h in handoffs:
        items.append(
            {
                "kind": "handoff",
                "at": h.at,
                "agent": h.agent_id,
                "agentKind": h.agent_kind,
                "reason": h.reason if sees_pii else redact_text(h.reason),
                "from": h.from_agent_id,
            }
        )
    for t in moves:
        items.append(
            {
                "kind": "transition",
                "at": t.at,
                "from": t.from_status,
                "to": t.to_status,
                "cause": t.cause if sees_pii else mask_cause(t.cause),
            }
        )
    order = {"message": 0, "handoff": 1, "transition": 2}
    items.sort(key=lambda i: (i["at"], order[i["kind"]], i.get("seq", 0)))
    text = render_brief(brief) if brief is not None else ""
    lines = (text if sees_pii else redact_brief_text(text)).splitlines()
    return Timeline(session, items, session.continues, successors, brief, lines)
