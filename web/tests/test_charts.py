"""web.charts: the time axis's labels and a chart of one point, read from the SVG as a browser draws it."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from web.charts import Line, line_chart, time_labels

AT = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
BOTTOM = 220 - 40 + 14  # line_chart's default height less its bottom margin, plus the label's offset


def axis(svg: str) -> list[tuple[str, str]]:
    """The time axis's labels as (anchor, text)."""
    return re.findall(rf'<text x="[\d.]+" y="{BOTTOM}" text-anchor="(\w+)">([^<]+)</text>', svg)


@pytest.mark.parametrize(
    ("start", "end", "labels"),
    [
        (AT, AT + timedelta(seconds=30), ["24 Nov 12:00:00", "12:00:30 UTC"]),  # the same minute: seconds
        (AT, AT + timedelta(hours=5), ["24 Nov 12:00", "17:00 UTC"]),
        (AT + timedelta(hours=10), AT + timedelta(hours=14), ["24 Nov 22:00", "25 Nov 02:00 UTC"]),
        (AT, AT + timedelta(days=10), ["24 Nov", "04 Dec"]),
        (AT + timedelta(days=34), AT + timedelta(days=41), ["28 Dec 2026", "04 Jan 2027"]),
        (AT, AT, ["24 Nov 2026 12:00:00 UTC"]),  # one moment: one label
        (AT, AT + timedelta(milliseconds=400), ["24 Nov 2026 12:00:00 UTC"]),
    ],
)
def test_the_time_axis_says_each_moment_once_as_precisely_as_its_span_needs(start, end, labels):
    assert time_labels(start, end) == labels
    svg = line_chart([Line("Bankroll", [(start, 1000.0)])], until=end)
    anchors = ["start", "end"] if len(labels) == 2 else ["middle"]
    assert axis(svg) == list(zip(anchors, labels, strict=True))


def test_the_time_axis_is_in_the_bettors_time_zone_and_names_it():
    # 12:00 UTC is 07:00 in New York in November (EST, UTC−5).
    with timezone.override("America/New_York"):
        assert time_labels(AT, AT + timedelta(hours=3)) == ["24 Nov 07:00", "10:00 EST"]
        assert time_labels(AT, AT + timedelta(hours=17)) == ["24 Nov 07:00", "25 Nov 00:00 EST"]


def test_periods_are_labelled_by_their_dates():
    """A day's, week's or month's point sits at its midnight: no time of day on the axis."""
    days = [(datetime(2026, 11, day, tzinfo=UTC), 10.0 * day) for day in (23, 24)]
    assert axis(line_chart([Line("Cumulative profit", days)])) == [("start", "23 Nov"), ("end", "24 Nov")]
    one = line_chart([Line("Cumulative profit", days[:1])])
    assert axis(one) == [("middle", "23 Nov 2026")]


def test_a_chart_of_one_point_draws_it():
    svg = line_chart([Line("Cumulative profit", [(AT, 12.5)])])
    # In the middle of the plot: x from 46 to 640 − 10, y from 10 to 220 − 40 (the value padded by 5% each way).
    assert re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)" r="3"', svg) == [
        (f"{46 + (640 - 10 - 46) / 2:.1f}", f"{10 + (220 - 40 - 10) / 2:.1f}")
    ]
    assert "<polyline" not in svg
    assert "<title>Cumulative profit</title></circle>" in svg
    # With more than one point, lines as before and no marker.
    two = line_chart([Line("Cumulative profit", [(AT, 12.5), (AT + timedelta(days=1), 20.0)])])
    assert "<circle" not in two
    assert two.count("<polyline") == 1
