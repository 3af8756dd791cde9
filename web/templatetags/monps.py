"""One set of formatting filters for every page: odds, money, percentages, times."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django import template
from django.utils import timezone
from django.utils.html import format_html

from web import odds_format
from web.explanations import Explanation
from web.explanations import explanation as find_explanation
from web.preferences import active, rounded_stake

if TYPE_CHECKING:
    from bets.models import Bet

register = template.Library()


@register.filter
def odds(value: Decimal | float | None) -> str:
    """A price in the bettor's odds format: decimal with two places (three when the third matters)."""
    if value is None:
        return "–"
    return odds_format.formatted(Decimal(str(value)), active().odds_format)


@register.filter
def decimal_odds(value: Decimal | float | None) -> str:
    """Decimal odds whatever the bettor's format: for the values of inputs and data attributes."""
    if value is None:
        return "–"
    return odds_format.decimal_text(Decimal(str(value)))


@register.filter
def money(value: Decimal | float | None) -> str:
    """An amount with the bettor's currency symbol: −€12.50."""
    if value is None:
        return "–"
    value = Decimal(str(value)).quantize(Decimal("0.01"))
    sign = "−" if value < 0 else ""
    return f"{sign}{active().currency}{abs(value):,.2f}"


@register.filter
def signed_money(value: Decimal | float | None) -> str:
    if value is None:
        return "–"
    value = Decimal(str(value))
    return ("+" if value > 0 else "") + money(value)


@register.filter
def stake(value: Decimal | float | None) -> str:
    """A suggested stake, rounded down to the bettor's stake rounding, as money."""
    if value is None:
        return "–"
    return money(rounded_stake(Decimal(str(value)), active().stake_rounding))


def _percent(value: Decimal | float, places: int) -> Decimal:
    step = Decimal(1).scaleb(-places)
    return (Decimal(str(value)) * 100).quantize(step, ROUND_HALF_UP)


@register.filter
def pct(value: Decimal | float | None, places: int = 1) -> str:
    """A fraction as a percentage, rounded half up: 0.0525 -> 5.3%."""
    if value is None:
        return "–"
    return f"{_percent(value, int(places))}%"


@register.filter
def signed_pct(value: Decimal | float | None) -> str:
    if value is None:
        return "–"
    number = _percent(value, 1)
    return f"{'+' if number > 0 else '−' if number < 0 else ''}{abs(number)}%"


@register.filter
def posneg(value: Decimal | float | None) -> str:
    """CSS class for a signed figure."""
    if value is None:
        return ""
    return "pos" if value > 0 else "neg" if value < 0 else ""


def relative(value: datetime, now: datetime | None = None) -> str:
    """'5 min ago', 'in 3 h': short, and cheap enough for every row of a long table."""
    seconds = ((now or timezone.now()) - value).total_seconds()
    past, seconds = seconds >= 0, abs(seconds)
    if seconds < 60:
        text = f"{int(seconds)} s"
    elif seconds < 3600:
        text = f"{int(seconds // 60)} min"
    elif seconds < 86400:
        text = f"{int(seconds // 3600)} h"
    else:
        text = f"{int(seconds // 86400)} d"
    return f"{text} ago" if past else f"in {text}"


@register.filter
def ago(value: datetime | None) -> str:
    if value is None:
        return "–"
    return format_html(
        '<time class="ago" datetime="{}" title="{}">{}</time>',
        value.isoformat(),
        timezone.localtime(value).strftime("%Y-%m-%d %H:%M %Z"),
        relative(value),
    )


@register.simple_tag
def explanation(term: str) -> Explanation:
    """``{% explanation "edge" as found %}``: for templates/partials/explain.html."""
    return find_explanation(term)


@register.filter
def point(value: Decimal | None, market: str = "") -> str:
    """A handicap with its sign (-0.5, +1); a total without one (2.5)."""
    if value is None or market == "h2h":
        return ""
    value = Decimal(value).normalize()
    if market == "totals":
        return f"{value:f}"
    return f"{value:+f}" if value else "0"


@register.filter
def status_options(bet: Bet) -> str:
    """The settle menu of a bet, built in one go: it repeats on every row of the bets page."""
    from django.utils.html import escape
    from django.utils.safestring import mark_safe

    options = "".join(
        f'<option value="{escape(value)}"{" selected" if value == bet.status else ""}>{escape(label)}</option>'
        for value, label in bet.STATUSES
    )
    return mark_safe(options)  # noqa: S308 - the model's own constants, escaped above


@register.filter
def duration(seconds: float | None) -> str:
    """A length of time in seconds, short: 45 s, 12 min, 1 h 05 min, 2 d 3 h."""
    if seconds is None:
        return "–"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, _ = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"
