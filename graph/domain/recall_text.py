"""A recall as prompt-ready text: one line per turn, in time order, cut at a length.

[2026-05-03 14:05 UTC] whatsapp USER: my order A-1001 arrived broken
"""

from __future__ import annotations

from datetime import UTC

from graph.domain.masking import REDACTED
from graph.domain.records import MessageRecord, RecallHitRecord

ELLIPSIS = "…"


def render_line(message: MessageRecord) -> str:
    text = " ".join((message.text or "").split())
    stamp = message.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"[{stamp}] {message.channel} {message.role}: {text}"


def render(hits: list[RecallHitRecord], max_chars: int | None) -> str:
    """Every hit and its neighbours once, oldest first, a blank line between runs of turns that
    are not next to each other; cut at `max_chars` (on a line boundary when one fits)."""
    turns: dict[tuple[str, int], MessageRecord] = {}
    for hit in hits:
        for message in [hit.message, *hit.neighbors]:
            turns[(message.session_id, message.seq)] = message
    ordered = sorted(turns.values(), key=lambda m: (m.at, m.session_id, m.seq))
    lines: list[str] = []
    previous: MessageRecord | None = None
    for message in ordered:
        adjacent = (
            previous is not None
            and previous.session_id == message.session_id
            and previous.seq + 1 == message.seq
        )
        if previous is not None and not adjacent:
            lines.append("")
        lines.append(render_line(message))
        previous = message
    text = "\n".join(lines)
    if max_chars is None or len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    boundary = cut.rfind("\n")
    if boundary > 0:
        return cut[:boundary].rstrip("\n")
    return cut[: max(0, max_chars - 1)] + ELLIPSIS


def redact_rendered(text: str) -> str:
    """A rendered recall with every turn's text replaced (for roles without PII access)."""
    out = []
    for line in text.split("\n"):
        head, sep, _ = line.partition(": ")
        out.append(f"{head}: {REDACTED}" if sep and line.startswith("[") else line)
    return "\n".join(out)
