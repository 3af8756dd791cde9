"""Server-rendered SVG line charts: no JavaScript, no CDN, readable on a phone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime

PALETTE = ["#0b6bcb", "#d9480f", "#2b8a3e", "#862e9c", "#c2255c", "#e67700", "#1098ad", "#5c940d", "#495057"]


@dataclass
class Line:
    label: str
    points: Sequence[tuple[datetime, float]]
    step: bool = True  # prices hold until the next change


def line_chart(
    lines: Sequence[Line],
    *,
    width: int = 640,
    height: int = 220,
    title: str = "",
    y_format: str = "{:.2f}",
    until: datetime | None = None,
) -> SafeString:
    lines = [line for line in lines if line.points]
    if not lines:
        return mark_safe('<p class="empty">No history yet.</p>')
    left, right, top, bottom = 46, 10, 10, 40
    xs = [p[0].timestamp() for line in lines for p in line.points]
    ys = [float(p[1]) for line in lines for p in line.points]
    x0, x1 = min(xs), max(max(xs), until.timestamp() if until else max(xs))
    y0, y1 = min(ys), max(ys)
    if x1 == x0:
        x1 = x0 + 1
    pad = (y1 - y0) * 0.08 or abs(y0) * 0.05 or 1
    y0, y1 = y0 - pad, y1 + pad

    def sx(t: float) -> float:
        return left + (t - x0) / (x1 - x0) * (width - left - right)

    def sy(v: float) -> float:
        return top + (y1 - v) / (y1 - y0) * (height - top - bottom)

    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">']
    for i in range(5):
        value = y0 + (y1 - y0) * i / 4
        y = sy(value)
        parts.append(f'<line class="axis" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end">{escape(y_format.format(value))}</text>')
    for t, anchor in ((x0, "start"), (x1, "end")):
        label = localtime(datetime.fromtimestamp(t, UTC)).strftime("%d %b %H:%M")
        parts.append(f'<text x="{sx(t):.1f}" y="{height - bottom + 14}" text-anchor="{anchor}">{label}</text>')
    for index, line in enumerate(lines):
        color = PALETTE[index % len(PALETTE)]
        coords = []
        previous_y = None
        for at, value in line.points:
            x, y = sx(at.timestamp()), sy(float(value))
            if line.step and previous_y is not None:
                coords.append(f"{x:.1f},{previous_y:.1f}")
            coords.append(f"{x:.1f},{y:.1f}")
            previous_y = y
        if until and line.step and previous_y is not None:
            coords.append(f"{sx(x1):.1f},{previous_y:.1f}")
        parts.append(
            f'<polyline fill="none" stroke="{color}" stroke-width="1.6" points="{" ".join(coords)}">'
            f"<title>{escape(line.label)}</title></polyline>"
        )
    legend_y = height - 8
    x = left
    for index, line in enumerate(lines):
        color = PALETTE[index % len(PALETTE)]
        parts.append(f'<rect x="{x}" y="{legend_y - 8}" width="10" height="3" fill="{color}"/>')
        parts.append(f'<text x="{x + 13}" y="{legend_y - 4}">{escape(line.label)}</text>')
        x += 18 + 6 * len(line.label)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label is escaped above
