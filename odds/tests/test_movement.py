"""The event page's chart data (``odds.movement``), without a database: the fair line against a devig
done by hand on the same prices, the opening and closing marks at their times, the bets on their
selection's panel, one chart per market line with the main one chosen, and the books drawn at first.
The SVG drawn from it (``odds.templatetags.movement``) at the end."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from html import unescape

from odds.models import H2H, SPREADS, TOTALS, Bookmaker, Event
from odds.movement import FAIR, MOST_SHOWN, BetMark, book_colours, charts, fair_prices, markets
from odds.selectors import Series
from odds.store import QuotedSelection
from odds.templatetags.movement import price_chart
from opportunities.valuation import StrategyRules

T0 = datetime(2026, 3, 7, 9, 0, tzinfo=UTC)
KICKOFF = T0 + timedelta(hours=6)
BEFORE = KICKOFF - timedelta(minutes=30)  # a moment before kick-off, to read the charts at
AFTER = KICKOFF + timedelta(hours=3)
PINNACLE, BET365, WILLIAMHILL, AVERAGE = 1, 2, 3, 9
BOOKS = {
    PINNACLE: Bookmaker(pk=PINNACLE, key="pinnacle", title="Pinnacle", is_sharp=True),
    BET365: Bookmaker(pk=BET365, key="bet365", title="Bet365"),
    WILLIAMHILL: Bookmaker(pk=WILLIAMHILL, key="williamhill", title="William Hill"),
    AVERAGE: Bookmaker(pk=AVERAGE, key="average", title="Market average", is_aggregate=True),
}
EVENT = Event(pk=1, home_team="Home", away_team="Away", commence_time=KICKOFF, sport_id=1)
REFERENCE = StrategyRules(method="multiplicative", reference=PINNACLE, reference_name="pinnacle")
H, D, A = "Home", "Draw", "Away"
SELECTIONS: dict[tuple[str, Decimal, str], int] = {}


def series(book: int, outcome: str, *changes: tuple[timedelta, str], market: str = H2H, line: str = "0") -> Series:
    """A book's price changes of one outcome, each at an offset from T0."""
    value = Decimal(line)
    selection = SELECTIONS.setdefault((market, value, outcome), len(SELECTIONS) + 1)
    point = None if market == H2H else value if outcome in (H, "Over", "Under") else -value
    return Series(
        BOOKS[book].key,
        BOOKS[book].title,
        market,
        outcome,
        point,
        [(T0 + offset, Decimal(price)) for offset, price in changes],
        selection_id=selection,
        bookmaker_id=book,
        line=value,
    )


def line(book: int, at: timedelta, prices: dict[str, str], **kwargs) -> list[Series]:
    return [series(book, outcome, (at, price), **kwargs) for outcome, price in prices.items()]


def by_hand(prices: list[str], method: str = "multiplicative") -> list[Decimal]:
    """Fair prices of one book's line devigged by hand: multiplicative p_i = pi_i / B, additive
    p_i = pi_i - (B - 1) / n (B the booksum), each 1 / p_i to three places."""
    implied = [1 / float(p) for p in prices]
    booksum = sum(implied)
    if method == "additive":
        fair = [p - (booksum - 1) / len(implied) for p in implied]
    else:
        fair = [p / booksum for p in implied]
    return [Decimal(repr(1 / p)).quantize(Decimal("0.001"), ROUND_HALF_UP) for p in fair]


def decimal_text(price: Decimal) -> str:
    """Decimal odds as the bettor's default format shows them: two places, three when the third matters."""
    text = f"{price:.3f}"
    return text[:-1] if text.endswith("0") else text


def charted(items: list[Series], *, rules=REFERENCE, now=BEFORE, bets=(), books=BOOKS):
    """Each line's chart by (market, line)."""
    colours = book_colours({s.bookmaker_id for s in items}, books, rules)
    return charts(EVENT, items, bookmakers=books, colours=colours, bets=list(bets), rules=rules, now=now)


MATCH = (H2H, Decimal(0))


def test_the_fair_line_is_the_reference_devigged_after_each_of_its_changes():
    items = [
        *line(PINNACLE, timedelta(0), {H: "2.10", D: "3.50", A: "3.80"}),
        *line(BET365, timedelta(minutes=30), {H: "2.30", D: "3.30", A: "3.60"}),  # no reference change: no point
    ]
    items[0].points.append((T0 + timedelta(hours=1), Decimal("2.00")))  # Pinnacle's home price moves alone
    chart = charted(items)[MATCH]
    fair = {panel.outcome: panel.fair.points for panel in chart.panels}
    first, second = by_hand(["2.10", "3.50", "3.80"]), by_hand(["2.00", "3.50", "3.80"])
    assert fair == {
        H: [(T0, first[0]), (T0 + timedelta(hours=1), second[0])],
        D: [(T0, first[1]), (T0 + timedelta(hours=1), second[1])],
        A: [(T0, first[2]), (T0 + timedelta(hours=1), second[2])],
    }
    assert chart.fair_note == ""


def test_a_consensus_fair_line_averages_the_complete_books_at_every_change():
    rules = StrategyRules(method="additive", reference=None, min_books=2)
    changes = [
        (PINNACLE, H, [(T0, Decimal("1.90"))]),
        (PINNACLE, A, [(T0, Decimal("2.00")), (T0 + timedelta(hours=2), Decimal("1.95"))]),
        (BET365, H, [(T0 + timedelta(hours=1), Decimal("1.85"))]),
        (BET365, A, [(T0 + timedelta(hours=1), Decimal("2.05"))]),
        (WILLIAMHILL, H, [(T0, Decimal("1.80"))]),  # never complete: never counted
    ]
    fair, note = fair_prices(changes, rules, outcomes=[H, A], sport=1, market="h2h")

    def consensus(*books: list[str]) -> list[Decimal]:
        devigged = []
        for prices in books:
            implied = [1 / float(p) for p in prices]
            devigged.append([p - (sum(implied) - 1) / 2 for p in implied])
        mean = [sum(b[i] for b in devigged) / len(devigged) for i in range(2)]
        return [Decimal(repr(sum(mean) / m)).quantize(Decimal("0.001"), ROUND_HALF_UP) for m in mean]

    # One complete book (two wanted) until Bet365 quotes the whole line.
    at_one, at_two = consensus(["1.90", "2.00"], ["1.85", "2.05"]), consensus(["1.90", "1.95"], ["1.85", "2.05"])
    assert fair == {
        H: [(T0 + timedelta(hours=1), at_one[0]), (T0 + timedelta(hours=2), at_two[0])],
        A: [(T0 + timedelta(hours=1), at_one[1]), (T0 + timedelta(hours=2), at_two[1])],
    }
    assert note == ""


def test_a_line_the_rules_cannot_price_says_why():
    chart = charted(line(BET365, timedelta(0), {H: "2.10", D: "3.50", A: "3.80"}))[MATCH]
    assert [panel.fair for panel in chart.panels] == [None, None, None]
    assert chart.fair_note == "pinnacle does not quote this whole line"
    chart = charted(
        line(BET365, timedelta(0), {H: "2.10", D: "3.50", A: "3.80"}),
        rules=StrategyRules(method="multiplicative", reference=None, min_books=2),
    )[MATCH]
    assert chart.fair_note == "fewer than 2 books quote this whole line"


def test_the_opening_and_the_close_are_marked_at_the_first_price_and_at_kick_off():
    home = series(
        PINNACLE,
        H,
        (timedelta(0), "2.10"),
        (timedelta(hours=5), "2.00"),
        (timedelta(hours=6, minutes=30), "1.40"),  # in play: not part of the story before kick-off
    )
    items = [home, *line(PINNACLE, timedelta(0), {D: "3.50", A: "3.80"})]
    chart = charted(items, now=AFTER)[MATCH]
    track = chart.panels[0].tracks[0]
    assert track.points == [(T0, Decimal("2.10")), (T0 + timedelta(hours=5), Decimal("2.00"))]
    assert track.opening == (T0, Decimal("2.10"))
    assert track.closing == (KICKOFF, Decimal("2.00"))
    assert chart.panels[0].fair.closing == (KICKOFF, by_hand(["2.00", "3.50", "3.80"])[0])
    assert (chart.kickoff, chart.start, chart.end) == (KICKOFF, T0, KICKOFF)
    # Before kick-off nothing has closed: the chart runs to now.
    home.points[2:] = []
    chart = charted(items, now=BEFORE)[MATCH]
    assert chart.panels[0].tracks[0].closing is None
    assert chart.panels[0].fair.closing is None
    assert (chart.kickoff, chart.end) == (None, BEFORE)


def test_bets_are_marked_on_their_selections_panel_at_their_time_and_price():
    items = [
        *line(PINNACLE, timedelta(0), {H: "2.10", D: "3.50", A: "3.80"}),
        *line(PINNACLE, timedelta(0), {H: "1.95", A: "1.90"}, market=SPREADS, line="-0.5"),
    ]
    draw = next(s.selection_id for s in items if s.outcome == D)
    away_spread = next(s.selection_id for s in items if s.market == SPREADS and s.outcome == A)
    on_draw = BetMark(1, draw, T0 + timedelta(hours=2), Decimal("3.60"), Decimal("10.00"), BET365, "Bet365", "Pending")
    # Entered by hand, placed before the first price read: the chart starts with it.
    on_spread = BetMark(
        2, away_spread, T0 - timedelta(hours=1), Decimal("1.91"), Decimal("5.00"), PINNACLE, "Pinnacle", "Won"
    )
    found = charted(items, bets=[on_spread, on_draw])
    h2h, spreads = found[MATCH], found[(SPREADS, Decimal("-0.5"))]
    assert {panel.outcome: panel.bets for panel in h2h.panels} == {H: [], D: [on_draw], A: []}
    assert {panel.title: panel.bets for panel in spreads.panels} == {"Home -0.5": [], "Away +0.5": [on_spread]}
    assert (spreads.start, h2h.start) == (on_spread.placed_at, T0)


def test_the_books_drawn_at_first_are_the_reference_the_sharp_ones_and_those_bet_at():
    books = dict(BOOKS)
    extra = {10 + i: Bookmaker(pk=10 + i, key=f"book{i}", title=f"Book {i}") for i in range(7)}
    books.update(extra)
    items = [
        Series(b.key, b.title, H2H, outcome, None, [(T0, Decimal("2.5"))], selection_id=i, bookmaker_id=b.pk)
        for b in [books[PINNACLE], *extra.values()]
        for i, outcome in enumerate((H, D, A))
    ]
    bet = BetMark(1, 0, T0, Decimal("2.5"), Decimal("1.00"), 16, "Book 6", "Pending")
    toggles = charted(items, bets=[bet], books=books)[MATCH].books
    assert [t.key for t in toggles] == ["pinnacle", *(f"book{i}" for i in range(7))]
    assert [t.key for t in toggles if t.shown] == ["pinnacle", "book0", "book1", "book2", "book3", "book6"]
    assert len([t for t in toggles if t.shown]) == MOST_SHOWN
    assert [t.colour for t in toggles] == list(range(8))  # a colour each, the same on every chart


def quoted(market: str, line: str, outcome: str, books: list[int], mean: float) -> QuotedSelection:
    value = Decimal(line)
    selection = SELECTIONS.setdefault((market, value, outcome), len(SELECTIONS) + 1)
    return QuotedSelection(selection, market, value, outcome, value, books, 10, mean)


def test_each_market_offers_its_lines_and_charts_the_main_one_or_the_one_asked_for():
    rows = [
        quoted(TOTALS, "3.5", "Over", [PINNACLE], 3.1),
        quoted(TOTALS, "3.5", "Under", [PINNACLE], 1.36),
        quoted(TOTALS, "2.5", "Under", [PINNACLE, BET365], 1.95),
        quoted(TOTALS, "2.5", "Over", [PINNACLE], 1.90),
        quoted(SPREADS, "-0.5", H, [PINNACLE, BET365], 2.0),
        quoted(SPREADS, "-0.5", A, [PINNACLE, BET365], 1.8),
        quoted(SPREADS, "-1.5", H, [PINNACLE, BET365], 3.5),  # as many books, prices further apart
        quoted(SPREADS, "-1.5", A, [PINNACLE, BET365], 1.3),
        *(quoted(H2H, "0", o, [PINNACLE, BET365, WILLIAMHILL], 3.0) for o in (A, D, H)),
    ]
    over_3_5 = rows[0].selection_id
    bet = BetMark(1, over_3_5, T0, Decimal("3.1"), Decimal("1.00"), PINNACLE, "Pinnacle", "Pending")
    found = markets(EVENT, rows, bets=[bet], wanted={})
    assert [(m.market, [(o.dom_id, o.books, o.bets, o.main) for o in m.options], m.chosen.value) for m in found] == [
        (H2H, [("line-h2h-0", 3, 0, True)], "0"),
        (SPREADS, [("line-spreads-m1_5", 2, 0, False), ("line-spreads-m0_5", 2, 0, True)], "-0.5"),
        (TOTALS, [("line-totals-2_5", 2, 0, True), ("line-totals-3_5", 1, 1, False)], "2.5"),
    ]
    totals = found[2]
    assert [o.selection_ids for o in totals.options] == [
        (rows[3].selection_id, rows[2].selection_id),  # Over, then Under
        (rows[0].selection_id, rows[1].selection_id),
    ]
    assert [(o.label, o.value) for o in found[1].options] == [("Home -1.5", "-1.5"), ("Home -0.5", "-0.5")]
    # Another line asked for: that one; a line not quoted: the main one, and why.
    asked = markets(EVENT, rows, bets=[], wanted={TOTALS: "3.5", SPREADS: "-2.5"})
    assert [(m.chosen.value, m.missing) for m in asked] == [
        ("0", ""),
        ("-0.5", "Handicap: no line '-2.5' is quoted; the main line is shown"),
        ("3.5", ""),
    ]


def test_a_chart_has_a_panel_per_outcome_and_no_market_average():
    items = [
        *line(AVERAGE, timedelta(0), {"Over": "1.95", "Under": "1.97"}, market=TOTALS, line="2.5"),
        *line(PINNACLE, timedelta(0), {"Over": "1.90", "Under": "1.95"}, market=TOTALS, line="2.5"),
        *line(BET365, timedelta(0), {"Over": "1.85", "Under": "1.95"}, market=TOTALS, line="2.5"),
        *line(PINNACLE, timedelta(0), {H: "2.0", A: "1.8"}, market=SPREADS, line="-0.5"),
    ]
    found = charted(items)
    totals, spreads = found[(TOTALS, Decimal("2.5"))], found[(SPREADS, Decimal("-0.5"))]
    assert [p.title for p in totals.panels] == ["Over 2.5", "Under 2.5"]
    assert [[t.key for t in p.tracks] for p in totals.panels] == [["pinnacle", "bet365"]] * 2
    assert [b.key for b in totals.books] == ["pinnacle", "bet365"]
    assert (spreads.label, [p.title for p in spreads.panels]) == ("Home -0.5", ["Home -0.5", "Away +0.5"])
    assert [p.dom_id for p in spreads.panels] == ["line-spreads-m0_5-0", "line-spreads-m0_5-1"]


def test_the_chart_carries_each_price_as_the_bettor_reads_it_and_its_marks():
    items = [*line(PINNACLE, timedelta(0), {H: "2.10", D: "3.50", A: "3.80"})]
    items[0].points.append((T0 + timedelta(hours=5), Decimal("2.125")))
    items += line(BET365, timedelta(hours=1), {H: "2.20", D: "3.40", A: "3.70"})
    bet = BetMark(
        1, items[0].selection_id, T0 + timedelta(hours=2), Decimal("2.2"), Decimal("10.00"), 2, "Bet365", "Pending"
    )
    chart = charted(items, now=AFTER, bets=[bet])[MATCH]
    svg = price_chart(chart, chart.panels[0])
    groups = {
        key: unescape(points) for key, points in re.findall(r'data-series="([^"]+)"[^>]*data-points="([^"]+)"', svg)
    }
    assert json.loads(groups["pinnacle"]) == [
        [round(T0.timestamp()), 2.1, "2.10"],
        [round((T0 + timedelta(hours=5)).timestamp()), 2.125, "2.125"],
    ]
    assert json.loads(groups["bet365"]) == [[round((T0 + timedelta(hours=1)).timestamp()), 2.2, "2.20"]]
    assert [point[2] for point in json.loads(groups[FAIR])] == [
        decimal_text(by_hand(["2.10", "3.50", "3.80"])[0]),
        decimal_text(by_hand(["2.125", "3.50", "3.80"])[0]),
    ]
    assert svg.count('class="opening"') == 3  # Pinnacle's, Bet365's and the fair price's
    assert svg.count('class="closing"') == 3
    assert f'data-kickoff="{KICKOFF.timestamp():.0f}"' in svg
    assert f'data-at="{bet.placed_at.timestamp():.0f}"' in svg
    assert 'data-text="Your bet: 2.20 at Bet365, 10.00 (Pending)"' in svg
