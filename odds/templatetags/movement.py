"""The event page's line-movement charts (``odds.movement``) as server-drawn SVG: every price as a step
line (a price holds until it changes), the opening and the close marked, the bettor's bets, the kick-off.

Each series carries its prices (time, price, price as the bettor reads it) in a data attribute, and the
chart its scales, for ``static/monps/movement.js``: the values at a time on hover, tap or arrow keys,
and the bookmaker toggles. Prices and axis labels are in the bettor's odds format, times in their zone.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime

from odds.movement import FAIR, LineChart, Panel, Track
from web.charts import time_labels
from web.templatetags.monps import money, odds

register = template.Library()

WIDTH, HEIGHT = 360, 190  # a phone's width at 1:1, so its labels read at 390 px
LEFT, RIGHT, TOP, BOTTOM = 44, 10, 10, 24
STEPS = (1.0, 2.0, 2.5, 5.0)


@register.simple_tag
def price_chart(line: LineChart, panel: Panel) -> SafeString:
    """One outcome's panel of a line's chart. Titles and labels are escaped; the rest is numbers."""
    x0, x1 = line.start.timestamp(), line.end.timestamp()
    if x1 <= x0:  # one moment: it sits in the middle
        x0, x1 = x0 - 60, x1 + 60
    elif line.kickoff:  # room for the closing marks right of the kick-off line
        x1 += (x1 - x0) * 0.04
    tracks = panel.every_track
    values = [float(p) for track in tracks for _, p in track.points] + [float(bet.price) for bet in panel.bets]
    ticks = _ticks(min(values), max(values))
    y0, y1 = ticks[0], ticks[-1]

    def sx(at: datetime) -> float:
        return LEFT + (at.timestamp() - x0) / (x1 - x0) * (WIDTH - LEFT - RIGHT)

    def sy(price: Decimal | float) -> float:
        return TOP + (y1 - float(price)) / (y1 - y0) * (HEIGHT - TOP - BOTTOM)

    label = f"{panel.title}: price by bookmaker and fair price. Arrow keys step through the price changes."
    parts = [
        f'<svg class="chart movement" viewBox="0 0 {WIDTH} {HEIGHT}" tabindex="0" role="img"'
        f' aria-label="{escape(label)}" aria-describedby="{panel.dom_id}-readout"'
        f' data-x0="{x0:.0f}" data-x1="{x1:.0f}" data-y0="{y0}" data-y1="{y1}" data-left="{LEFT}"'
        f' data-right="{WIDTH - RIGHT}" data-top="{TOP}" data-bottom="{HEIGHT - BOTTOM}"'
        + (f' data-kickoff="{line.kickoff.timestamp():.0f}"' if line.kickoff else "")
        + ">"
    ]
    for tick in ticks:
        y = sy(tick)
        parts.append(f'<line class="axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        if tick > 1:  # no price is 1 or less: no odds format can write one
            tick_text = escape(odds(_decimal(tick)))
            parts.append(f'<text x="{LEFT - 4}" y="{y + 3.5:.1f}" text-anchor="end">{tick_text}</text>')
    labels = time_labels(localtime(line.start), localtime(line.end))
    bottom = HEIGHT - BOTTOM + 15
    ends = [(sx(line.start), "start"), (sx(line.end), "end")]
    anchors = ends if len(labels) == 2 else [((LEFT + WIDTH - RIGHT) / 2, "middle")]
    for (x, anchor), label_text in zip(anchors, labels, strict=True):
        parts.append(f'<text x="{x:.1f}" y="{bottom}" text-anchor="{anchor}">{escape(label_text)}</text>')
    if line.kickoff:
        x = sx(line.kickoff)
        parts.append(f'<line class="kickoff" x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{HEIGHT - BOTTOM}"/>')
        parts.append(f'<text class="kickoff-label" x="{x - 3:.1f}" y="{TOP + 9}" text-anchor="end">Kick-off</text>')
    shown = {book.key: book.shown for book in line.books}
    texts: dict[Decimal, str] = {}  # each price as the bettor reads it, formatted once
    for track in tracks:
        parts.append(_series(track, sx, sy, end=line.end, shown=shown.get(track.key, True), texts=texts))
    if panel.bets:
        parts.append('<g class="bets">')
        for bet in panel.bets:
            x, y = sx(bet.placed_at), sy(bet.price)
            said = escape(f"Your bet: {odds(bet.price)} at {bet.bookmaker_title}, {money(bet.stake)} ({bet.status})")
            parts.append(
                f'<path class="bet-mark" d="M{x:.1f} {y - 6:.1f}l6 6-6 6-6-6z"'
                f' data-at="{bet.placed_at.timestamp():.0f}" data-price="{bet.price}" data-text="{said}">'
                f"<title>{said}</title></path>"
            )
        parts.append("</g>")
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - titles and labels escaped above, the rest our own numbers


def _series(
    track: Track,
    sx: Callable[[datetime], float],
    sy: Callable[[Decimal | float], float],
    *,
    end: datetime,
    shown: bool,
    texts: dict[Decimal, str],
) -> str:
    coords: list[str] = []
    previous_y = None
    for at, price in track.points:
        x, y = sx(at), sy(price)
        if previous_y is not None:
            coords.append(f"{x:.1f},{previous_y:.1f}")
        coords.append(f"{x:.1f},{y:.1f}")
        previous_y = y
    coords.append(f"{sx(end):.1f},{previous_y:.1f}")
    for _, price in track.points:
        if price not in texts:
            texts[price] = odds(price)
    points = json.dumps([[round(at.timestamp()), float(price), texts[price]] for at, price in track.points])
    kind = "fair" if track.key == FAIR else f"c{track.colour}"
    parts = [
        f'<g class="series {kind}{"" if shown else " off"}" data-series="{escape(track.key)}"'
        f' data-label="{escape(track.title)}" data-points="{escape(points)}">'
        f'<polyline points="{" ".join(coords)}"/>'
    ]
    if track.opening:
        at, price = track.opening
        title = escape(f"{track.title}: opening {odds(price)}")
        parts.append(
            f'<circle class="opening" cx="{sx(at):.1f}" cy="{sy(price):.1f}" r="3.5"><title>{title}</title></circle>'
        )
    if track.closing:
        at, price = track.closing
        title = escape(f"{track.title}: {odds(price)} at kick-off")
        x, y = sx(at), sy(price)
        box = f'x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7"'
        parts.append(f'<rect class="closing" {box}><title>{title}</title></rect>')
    parts.append("</g>")
    return "".join(parts)


def _ticks(low: float, high: float) -> list[float]:
    """Round prices for the axis, from at or below ``low`` to at or above ``high``: four or so steps of
    1, 2, 2.5 or 5 times a power of ten."""
    span = high - low or max(abs(low) * 0.05, 0.05)
    raw = span / 4
    power = 10 ** math.floor(math.log10(raw))
    step = next((s * power for s in STEPS if s * power >= raw), 10 * power)
    first = math.floor(low / step + 1e-9) * step
    last = math.ceil(high / step - 1e-9) * step
    if last - first < step:
        last = first + step
    count = round((last - first) / step)
    return [round(first + i * step, 6) for i in range(count + 1)]


def _decimal(value: float) -> Decimal:
    return Decimal(repr(value))
