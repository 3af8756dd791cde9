from datetime import UTC, datetime, timedelta
from decimal import Decimal

from web.templatetags.monps import money, odds, pct, point, relative, signed_money, signed_pct


def test_formatting_filters():
    assert odds(Decimal("2.100")) == "2.10"
    assert odds(Decimal("2.125")) == "2.125"
    assert odds(None) == "–"
    assert money(Decimal("-1234.5")) == "−1,234.50"
    assert signed_money(Decimal("11")) == "+11.00"
    assert pct(Decimal("0.0525")) == "5.3%"
    assert pct(Decimal("0.02083"), 2) == "2.08%"
    assert signed_pct(Decimal("-0.1")) == "−10.0%"
    assert signed_pct(Decimal("0")) == "0.0%"
    assert point(Decimal("-0.50"), "spreads") == "-0.5"
    assert point(Decimal("1.00"), "spreads") == "+1"
    assert point(Decimal("2.50"), "totals") == "2.5"
    assert point(Decimal("0"), "h2h") == ""


def test_relative_times():
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    assert relative(now - timedelta(seconds=42), now) == "42 s ago"
    assert relative(now - timedelta(minutes=5, seconds=59), now) == "5 min ago"
    assert relative(now - timedelta(hours=3), now) == "3 h ago"
    assert relative(now + timedelta(days=2, hours=1), now) == "in 2 d"


def test_durations():
    from web.templatetags.monps import duration

    assert duration(None) == "–"
    assert duration(0.0) == "0 s"
    assert duration(59.4) == "59 s"
    assert duration(20 * 60.0) == "20 min"
    assert duration(3600 + 5 * 60 + 20) == "1 h 05 min"
    assert duration(2 * 86400 + 3 * 3600 + 59) == "2 d 3 h"
