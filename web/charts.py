"""Server-rendered SVG line charts: no JavaScript, no CDN, readable on a phone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime

PALETTE = ["#0b6bcb", "#d9480f", "#2b8a3e", "#862e9c", "#c2255c", "#e67700", "#1098ad", "#5c940d", "#495057"]


@dataclass
class Line:
    label: str
    points: Sequence[tuple[datetime, float | Decimal]]  # line_chart reads each value with float()
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
    labels = time_labels(
        _moment(x0), _moment(x1), dates_only=all(_at_midnight(p[0]) for line in lines for p in line.points)
    )
    if x1 == x0:  # one moment: it sits in the middle
        x0, x1 = x0 - 1, x1 + 1
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
    edges = [(x0, "start"), (x1, "end")] if len(labels) == 2 else [((x0 + x1) / 2, "middle")]
    for (t, anchor), label in zip(edges, labels, strict=True):
        parts.append(f'<text x="{sx(t):.1f}" y="{height - bottom + 14}" text-anchor="{anchor}">{escape(label)}</text>')
    for index, line in enumerate(lines):
        color = PALETTE[index % len(PALETTE)]
        coords = []
        previous_y = None
        for at, point in line.points:
            x, y = sx(at.timestamp()), sy(float(point))
            if line.step and previous_y is not None:
                coords.append(f"{x:.1f},{previous_y:.1f}")
            coords.append(f"{x:.1f},{y:.1f}")
            previous_y = y
        if until and line.step and previous_y is not None:
            coords.append(f"{sx(x1):.1f},{previous_y:.1f}")
        if len(coords) == 1:  # a polyline of one point draws nothing
            cx, cy = coords[0].split(",")
            parts.append(
                f'<circle cx="{cx}" cy="{cy}" r="3" fill="{color}"><title>{escape(line.label)}</title></circle>'
            )
            continue
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


@dataclass
class Curve:
    label: str
    points: Sequence[tuple[float, float]]  # (x, y), both from 0 to 1


def reliability_chart(curves: Sequence[Curve], *, width: int = 480, height: int = 360, title: str = "") -> SafeString:
    """Probability against observed frequency, both from 0 to 1, with the diagonal a calibrated
    forecast lies on: a reliability diagram."""
    curves = [curve for curve in curves if curve.points]
    if not curves:
        return mark_safe('<p class="empty">No forecasts yet.</p>')
    left, right, top, bottom = 40, 10, 10, 40
    span_x, span_y = width - left - right, height - top - bottom

    def sx(value: float) -> float:
        return left + value * span_x

    def sy(value: float) -> float:
        return top + (1 - value) * span_y

    parts = [f'<svg class="chart square" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">']
    for i in range(6):
        value = i / 5
        parts.append(f'<line class="axis" x1="{left}" x2="{width - right}" y1="{sy(value):.1f}" y2="{sy(value):.1f}"/>')
        parts.append(f'<text x="{left - 4}" y="{sy(value) + 3:.1f}" text-anchor="end">{value:.1f}</text>')
        parts.append(f'<text x="{sx(value):.1f}" y="{top + span_y + 14}" text-anchor="middle">{value:.1f}</text>')
    diagonal = f'x1="{sx(0):.1f}" y1="{sy(0):.1f}" x2="{sx(1):.1f}" y2="{sy(1):.1f}"'
    parts.append(f'<line class="axis" stroke-dasharray="4 3" {diagonal}/>')
    for index, curve in enumerate(curves):
        color = PALETTE[index % len(PALETTE)]
        coords = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in curve.points)
        parts.append(
            f'<polyline fill="none" stroke="{color}" stroke-width="1.4" points="{coords}">'
            f"<title>{escape(curve.label)}</title></polyline>"
        )
        for x, y in curve.points:
            parts.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="2" fill="{color}"/>')
    legend_y = height - 8
    x = left
    for index, curve in enumerate(curves):
        color = PALETTE[index % len(PALETTE)]
        parts.append(f'<rect x="{x}" y="{legend_y - 8}" width="10" height="3" fill="{color}"/>')
        parts.append(f'<text x="{x + 13}" y="{legend_y - 4}">{escape(curve.label)}</text>')
        x += 18 + 6 * len(curve.label)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label is escaped above


def _moment(timestamp: float) -> datetime:
    return localtime(datetime.fromtimestamp(timestamp, UTC))


def _at_midnight(at: datetime) -> bool:
    return localtime(at).time() == time.min


def time_labels(start: datetime, end: datetime, *, dates_only: bool = False) -> list[str]:
    """The time axis's labels, in the active time zone: the start with its date, the end without
    what it shares with the start, each as precise as the span needs and never the same text twice
    (one label when both would read alike). A label with a time of day ends with the zone's name.
    ``dates_only``: every point is a day, week or month (at midnight): no time of day."""
    start, end = localtime(start), localtime(end)
    span = end - start
    if dates_only or span >= timedelta(days=3):
        day = "%d %b %Y" if start.year != end.year or start.date() == end.date() else "%d %b"
        first, last = start.strftime(day), end.strftime(day)
        return [first] if first == last else [first, last]
    clock = "%H:%M:%S" if span < timedelta(minutes=2) else "%H:%M"
    first = start.strftime(f"%d %b {clock}")
    if first == end.strftime(f"%d %b {clock}"):  # the same moment to the label's precision
        return [start.strftime(f"%d %b %Y {clock} %Z")]
    last = end.strftime(clock if start.date() == end.date() else f"%d %b {clock}")
    return [first, f"{last} {end.strftime('%Z')}"]
