"""Server-rendered SVG charts for the dashboard: no JavaScript, no CDN, nothing to download.

Every mark carries `data-label` and `data-value`, so a test (or a screen reader) reads the exact
numbers a chart shows.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

BAR = "#3b6ea5"
NEGATIVE, NEUTRAL, POSITIVE = "#c0392b", "#95a5a6", "#27ae60"
CHANNEL_COLORS = {
    "web": "#3b6ea5",
    "mobile": "#8e44ad",
    "whatsapp": "#25a35a",
    "messenger": "#0a7cff",
    "sms": "#d35400",
    "email": "#7f8c8d",
    "slack": "#611f69",
    "voice": "#b7950b",
}


def channel_color(channel: str) -> str:
    return CHANNEL_COLORS.get(channel, "#555")


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def bar_chart(
    testid: str,
    bars: Sequence[tuple[str, float]],
    *,
    unit: str = "",
    color: str = BAR,
    width: int = 520,
    label_width: int = 170,
) -> Markup:
    """Horizontal bars, one per (label, value), labelled with the value."""
    if not bars:
        return Markup('<p class="empty" data-testid="{}">No data in this window.</p>').format(
            testid
        )
    row = 26
    top = max([v for _, v in bars] + [1e-9])
    height = row * len(bars) + 6
    parts = [
        f'<svg class="chart" data-testid="{escape(testid)}" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}">'
    ]
    for n, (label, value) in enumerate(bars):
        y = n * row + 4
        length = max(0.0, (width - label_width - 70) * (value / top))
        text = f"{_number(value)}{unit}"
        parts.append(
            f'<g class="bar" data-label="{escape(label)}" data-value="{value}">'
            f'<text x="{label_width - 8}" y="{y + 15}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{row - 8}" '
            f'fill="{color}"><title>{escape(label)}: {escape(text)}</title></rect>'
            f'<text x="{label_width + length + 6:.1f}" y="{y + 15}">{escape(text)}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated string was escaped


def diverging_chart(testid: str, bars: Sequence[tuple[str, float]], width: int = 520) -> Markup:
    """Bars left (negative) or right (positive) of zero, in [-1, 1]: sentiment."""
    if not bars:
        return Markup('<p class="empty" data-testid="{}">No data in this window.</p>').format(
            testid
        )
    row, label_width = 26, 120
    half = (width - label_width - 60) / 2
    zero = label_width + half
    height = row * len(bars) + 6
    parts = [
        f'<svg class="chart" data-testid="{escape(testid)}" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}">'
        f'<line x1="{zero}" x2="{zero}" y1="0" y2="{height}" stroke="#999"/>'
    ]
    for n, (label, value) in enumerate(bars):
        y = n * row + 4
        length = half * min(1.0, abs(value))
        x = zero if value >= 0 else zero - length
        color = POSITIVE if value > 0.05 else NEGATIVE if value < -0.05 else NEUTRAL
        parts.append(
            f'<g class="bar" data-label="{escape(label)}" data-value="{value}">'
            f'<text x="{label_width - 8}" y="{y + 15}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{x:.1f}" y="{y}" width="{max(length, 1):.1f}" height="{row - 8}" '
            f'fill="{color}"><title>{escape(label)}: {value:+.3f}</title></rect>'
            f'<text x="{width - 50}" y="{y + 15}">{value:+.2f}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated string was escaped


def matrix_chart(testid: str, cells: dict[tuple[str, str], int]) -> Markup:
    """A from (rows) x to (columns) heatmap of counts: the channel switch matrix."""
    if not cells:
        return Markup('<p class="empty" data-testid="{}">No channel switches.</p>').format(testid)
    sources = sorted({f for f, _ in cells})
    targets = sorted({t for _, t in cells})
    size, left, head = 64, 90, 30
    width, height = left + size * len(targets) + 4, head + size * len(sources) + 4
    top = max(cells.values())
    parts = [
        f'<svg class="chart" data-testid="{escape(testid)}" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}">'
    ]
    for column, target in enumerate(targets):
        x = left + column * size + size / 2
        parts.append(
            f'<text x="{x}" y="20" text-anchor="middle" font-size="11">→ {escape(target)}</text>'
        )
    for line, source in enumerate(sources):
        y = head + line * size
        parts.append(
            f'<text x="{left - 8}" y="{y + size / 2 + 5}" text-anchor="end">{escape(source)}</text>'
        )
        for column, target in enumerate(targets):
            count = cells.get((source, target), 0)
            shade = 0.12 + 0.88 * count / top if count else 0.04
            x = left + column * size
            parts.append(
                f'<g class="cell" data-label="{escape(source)}->{escape(target)}" '
                f'data-value="{count}"><rect x="{x}" y="{y}" width="{size - 4}" '
                f'height="{size - 4}" fill="{BAR}" fill-opacity="{shade:.2f}"/>'
                f'<text x="{x + (size - 4) / 2}" y="{y + size / 2 + 3}" '
                f'text-anchor="middle">{count}</text></g>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated string was escaped
