"""The bookmakers comparison against plain-Python arithmetic on hand-made events and prices.

Two events that have kicked off, and one that has not (never read):
- E1, kick-off K1 (two days ago), match result. At K1 − 6 h every book opens; at K1 − 3 h Pinnacle,
  the reference and sharp book, moves Home up (2.00 → 2.10) and Away down (4.00 → 3.80); bet365
  follows Home 20 minutes later (1.95 → 2.00) and moves Away down 2 h 10 min after Pinnacle (past
  the 2 h cap); William Hill moves Home down (the other way). An in-play price after kick-off and
  the market best (an aggregate) are never read.
- E2, kick-off K2 (a day ago): match result, bet365 without the draw (not a complete market), and
  totals 2.5, where Pinnacle moves Over down and Under up at K2 − 1 h and bet365 follows both five
  minutes later. At the close Over is 1.95 at both books: an equal best price.
"""

from datetime import UTC, datetime, timedelta
from statistics import median

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from devtools.testing import history_bounds, history_queries
from odds.models import Bookmaker
from opportunities.models import Strategy
from opportunities.tests.factories import NOW, event_with, quotes
from stats import bookmakers

pytestmark = pytest.mark.django_db
K1, K2 = NOW - timedelta(days=2), NOW - timedelta(days=1)
H1, A1, H2, A2 = "Home1", "Away1", "Home2", "Away2"


def observe(provider_id: str, home: str, away: str, kickoff: datetime, at: datetime, prices: dict, **market) -> None:
    event_with(provider_id, quotes(home, prices, observed_at=at, **market), home=home, away=away, kickoff=kickoff)


@pytest.fixture
def market() -> None:
    observe(
        "e1",
        H1,
        A1,
        K1,
        K1 - timedelta(hours=6),
        {
            "pinnacle": {H1: 2.00, "Draw": 3.50, A1: 4.00},
            "bet365": {H1: 1.95, "Draw": 3.40, A1: 4.00},
            "williamhill": {H1: 2.05, "Draw": 3.30, A1: 3.60},
            "market_max": {H1: 2.20, "Draw": 3.60, A1: 4.10},
        },
    )
    observe("e1", H1, A1, K1, K1 - timedelta(hours=3), {"pinnacle": {H1: 2.10, A1: 3.80}})
    observe("e1", H1, A1, K1, K1 - timedelta(hours=2, minutes=40), {"bet365": {H1: 2.00}})
    observe("e1", H1, A1, K1, K1 - timedelta(hours=2), {"williamhill": {H1: 2.00}})
    observe("e1", H1, A1, K1, K1 - timedelta(minutes=50), {"bet365": {A1: 3.90}})
    observe("e1", H1, A1, K1, K1 + timedelta(minutes=10), {"bet365": {H1: 2.50}})  # in play
    opening = K2 - timedelta(hours=4)
    observe(
        "e2",
        H2,
        A2,
        K2,
        opening,
        {"pinnacle": {H2: 1.80, "Draw": 3.80, A2: 4.60}, "bet365": {H2: 1.85, A2: 4.50}},
    )
    totals = {"market": "totals", "point": 2.5}
    observe(
        "e2",
        H2,
        A2,
        K2,
        opening,
        {"pinnacle": {"Over": 2.00, "Under": 1.90}, "bet365": {"Over": 2.00, "Under": 1.88}},
        **totals,
    )
    observe("e2", H2, A2, K2, K2 - timedelta(hours=1), {"pinnacle": {"Over": 1.95, "Under": 1.95}}, **totals)
    observe("e2", H2, A2, K2, K2 - timedelta(minutes=55), {"bet365": {"Over": 1.95, "Under": 1.92}}, **totals)
    # Not kicked off yet: never read.
    observe(
        "e3", "Home3", "Away3", NOW + timedelta(days=1), NOW, {"bet365": {"Home3": 10.0, "Draw": 9.0, "Away3": 9.0}}
    )


@pytest.fixture
def sharp_strategy(market) -> Strategy:
    """The reference book, devigged multiplicatively: p_i = (1 / o_i) / Σ_j (1 / o_j)."""
    return Strategy.objects.create(
        name="Sharp", reference_bookmaker=Bookmaker.objects.get(key="pinnacle"), devig_method="multiplicative"
    )


def fair(*prices: float) -> list[float]:
    implied = [1 / p for p in prices]
    return [i / sum(implied) for i in implied]


def rows(comparison: bookmakers.Comparison) -> dict[tuple[str, str], bookmakers.BookmakerFigures]:
    return {(r.bookmaker, r.market): r for r in comparison.rows}


def test_closing_figures_by_hand(sharp_strategy):
    comparison = bookmakers.compare(strategy=sharp_strategy, now=NOW)
    found = rows(comparison)
    assert set(found) == {
        ("pinnacle", "h2h"),
        ("bet365", "h2h"),
        ("williamhill", "h2h"),
        ("pinnacle", "totals"),
        ("bet365", "totals"),
    }
    assert (comparison.start, comparison.end, comparison.events, comparison.bucket) == (K1, K2, 2, "day")
    assert comparison.reference == bookmakers.Reference(
        basis="reference",
        bookmaker="pinnacle",
        bookmaker_title="Pinnacle",
        method="multiplicative",
        min_books=None,
        strategy="Sharp",
        sharp="pinnacle",
        sharp_title="Pinnacle",
    )

    # Margins over complete markets at the close: bet365's E2 match result lacks the draw.
    assert found["pinnacle", "h2h"].complete_markets == 2
    assert found["pinnacle", "h2h"].average_margin == pytest.approx(
        ((1 / 2.10 + 1 / 3.50 + 1 / 3.80 - 1) + (1 / 1.80 + 1 / 3.80 + 1 / 4.60 - 1)) / 2
    )
    assert found["bet365", "h2h"].complete_markets == 1
    assert found["bet365", "h2h"].average_margin == pytest.approx(1 / 2.00 + 1 / 3.40 + 1 / 3.90 - 1)
    assert found["williamhill", "h2h"].average_margin == pytest.approx(1 / 2.00 + 1 / 3.30 + 1 / 3.60 - 1)
    assert found["bet365", "totals"].average_margin == pytest.approx(1 / 1.95 + 1 / 1.92 - 1)
    assert found["pinnacle", "totals"].average_margin == pytest.approx(1 / 1.95 + 1 / 1.95 - 1)

    # Best prices, of the outcomes quoted by two books or more (E2's draw only by Pinnacle):
    # E1 Home 2.10 P, Draw 3.50 P, Away 3.90 b365; E2 Home 1.85 b365, Away 4.60 P; Over 1.95 both, Under 1.95 P.
    best = {key: (r.quoted_outcomes, r.best_price_share) for key, r in found.items()}
    assert best == {
        ("pinnacle", "h2h"): (5, 3 / 5),
        ("bet365", "h2h"): (5, 2 / 5),
        ("williamhill", "h2h"): (3, 0 / 3),
        ("pinnacle", "totals"): (2, 2 / 2),
        ("bet365", "totals"): (2, 1 / 2),
    }

    # Edges against Pinnacle's closing fair prices.
    e1, e2, over_under = fair(2.10, 3.50, 3.80), fair(1.80, 3.80, 4.60), fair(1.95, 1.95)
    bet365 = [2.00 * e1[0] - 1, 3.40 * e1[1] - 1, 3.90 * e1[2] - 1, 1.85 * e2[0] - 1, 4.50 * e2[2] - 1]
    assert found["bet365", "h2h"].priced_outcomes == 5
    assert found["bet365", "h2h"].average_edge == pytest.approx(sum(bet365) / 5)
    williamhill = [2.00 * e1[0] - 1, 3.30 * e1[1] - 1, 3.60 * e1[2] - 1]
    assert found["williamhill", "h2h"].average_edge == pytest.approx(sum(williamhill) / 3)
    pinnacle = [2.10 * e1[0], 3.50 * e1[1], 3.80 * e1[2], 1.80 * e2[0], 3.80 * e2[1], 4.60 * e2[2]]
    assert found["pinnacle", "h2h"].average_edge == pytest.approx(sum(p - 1 for p in pinnacle) / 6)
    assert found["bet365", "totals"].average_edge == pytest.approx(
        ((1.95 * over_under[0] - 1) + (1.92 * over_under[1] - 1)) / 2
    )

    # Following Pinnacle: E1 Home (bet365 after 20 min; William Hill moved the other way) and Away
    # (bet365 after 2 h 10 min, past the cap); E2 Over and Under (bet365 after 5 min each).
    follows = {
        key: (r.sharp_moves, r.followed_moves, r.followed_share, r.median_follow_seconds) for key, r in found.items()
    }
    assert follows == {
        ("pinnacle", "h2h"): (None, None, None, None),
        ("bet365", "h2h"): (2, 1, 1 / 2, 20 * 60.0),
        ("williamhill", "h2h"): (2, 0, 0.0, None),
        ("pinnacle", "totals"): (None, None, None, None),
        ("bet365", "totals"): (2, 2, 1.0, median([5 * 60.0, 5 * 60.0])),
    }

    # The margin by day of kick-off.
    day1, day2 = (datetime(k.year, k.month, k.day, tzinfo=UTC) for k in (K1, K2))
    series = {key: [(p.period, p.markets, p.average_margin) for p in r.margin_series] for key, r in found.items()}
    assert series["bet365", "h2h"] == [(day1, 1, pytest.approx(1 / 2.00 + 1 / 3.40 + 1 / 3.90 - 1))]
    assert series["pinnacle", "h2h"] == [
        (day1, 1, pytest.approx(1 / 2.10 + 1 / 3.50 + 1 / 3.80 - 1)),
        (day2, 1, pytest.approx(1 / 1.80 + 1 / 3.80 + 1 / 4.60 - 1)),
    ]


def test_opening_figures_by_hand(sharp_strategy):
    found = rows(bookmakers.compare(strategy=sharp_strategy, at="opening", now=NOW))
    assert found["bet365", "h2h"].average_margin == pytest.approx(1 / 1.95 + 1 / 3.40 + 1 / 4.00 - 1)
    assert found["williamhill", "h2h"].average_margin == pytest.approx(1 / 2.05 + 1 / 3.30 + 1 / 3.60 - 1)
    assert found["bet365", "totals"].average_margin == pytest.approx(1 / 2.00 + 1 / 1.88 - 1)
    # E1 opening: Home 2.05 WH, Draw 3.50 P, Away 4.00 P and b365 (equal); E2 as at the close.
    assert found["williamhill", "h2h"].best_price_share == pytest.approx(1 / 3)
    assert found["bet365", "h2h"].best_price_share == pytest.approx(2 / 5)
    e1 = fair(2.00, 3.50, 4.00)
    assert found["williamhill", "h2h"].average_edge == pytest.approx(
        ((2.05 * e1[0] - 1) + (3.30 * e1[1] - 1) + (3.60 * e1[2] - 1)) / 3
    )
    # The moves followed do not depend on the prices compared.
    assert found["bet365", "h2h"].median_follow_seconds == 20 * 60.0


def test_the_consensus_without_a_strategy(market):
    Strategy.objects.all().delete()
    comparison = bookmakers.compare(market="h2h", now=NOW)
    reference = comparison.reference
    assert (reference.basis, reference.bookmaker, reference.method, reference.min_books, reference.strategy) == (
        "consensus",
        None,
        "multiplicative",
        3,
        None,
    )
    assert reference.sharp == "pinnacle"  # the bookmaker marked sharp
    assert reference.label == (
        "Fair prices from the consensus of at least 3 bookmakers, devigged by the multiplicative method (no strategy)."
    )
    # Only E1 has three complete books: the mean of each book's fair probabilities, renormalised.
    books = [fair(2.10, 3.50, 3.80), fair(2.00, 3.40, 3.90), fair(2.00, 3.30, 3.60)]
    averaged = [sum(b[i] for b in books) / 3 for i in range(3)]
    consensus = [a / sum(averaged) for a in averaged]
    found = rows(comparison)
    assert found["williamhill", "h2h"].priced_outcomes == 3
    assert found["williamhill", "h2h"].average_edge == pytest.approx(
        ((2.00 * consensus[0] - 1) + (3.30 * consensus[1] - 1) + (3.60 * consensus[2] - 1)) / 3
    )
    assert found["bet365", "h2h"].priced_outcomes == 3  # E2 has two books only: no fair price
    assert {market for _, market in found} == {"h2h"}


def test_the_period_and_the_market_narrow_what_is_read(sharp_strategy):
    only_e2 = bookmakers.compare(strategy=sharp_strategy, start=K2 - timedelta(hours=1), now=NOW)
    assert (only_e2.events, only_e2.start, only_e2.end) == (1, K2, K2)
    found = rows(only_e2)
    assert found["pinnacle", "h2h"].average_margin == pytest.approx(1 / 1.80 + 1 / 3.80 + 1 / 4.60 - 1)
    assert found["bet365", "h2h"].complete_markets == 0
    assert found["bet365", "h2h"].average_margin is None
    assert ("williamhill", "h2h") not in found
    only_e1 = bookmakers.compare(strategy=sharp_strategy, end=K1, now=NOW)
    assert {r.market for r in only_e1.rows} == {"h2h"}
    totals = bookmakers.compare(strategy=sharp_strategy, market="totals", now=NOW)
    assert set(rows(totals)) == {("pinnacle", "totals"), ("bet365", "totals")}
    assert (totals.events, totals.start, totals.end) == (1, K2, K2)
    nothing = bookmakers.compare(strategy=sharp_strategy, end=K1 - timedelta(days=1), now=NOW)
    assert (nothing.rows, nothing.events, nothing.start, nothing.end) == ([], 0, None, None)


def test_history_is_read_within_constant_bounds(sharp_strategy, settings):
    with CaptureQueriesContext(connection) as queries:
        bookmakers.compare(strategy=sharp_strategy, now=NOW)
    reads = history_queries(queries.captured_queries)
    assert len(reads) == 1  # every figure comes from one pass over the period's changes
    lead = timedelta(days=settings.ODDS_HISTORY_LEAD_DAYS)
    for sql in reads:
        assert history_bounds(sql) == {">=": [K1 - lead], "<=": [K2]}


def test_buckets_follow_the_length_of_the_period():
    assert bookmakers.bucket_of(timedelta(days=31)) == "day"
    assert bookmakers.bucket_of(timedelta(days=200)) == "week"
    assert bookmakers.bucket_of(timedelta(days=900)) == "month"
    wednesday = datetime(2026, 11, 25, 17, 30, tzinfo=UTC).timestamp()
    assert bookmakers.period_start(wednesday, "week") == datetime(2026, 11, 23, tzinfo=UTC)
    assert bookmakers.period_start(wednesday, "month") == datetime(2026, 11, 1, tzinfo=UTC)
    assert bookmakers.period_start(wednesday, "day") == datetime(2026, 11, 25, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


TOP_KEYS = {"at", "market", "from", "to", "events", "bucket", "reference", "follow_cap_seconds", "results"}
REFERENCE_KEYS = {"basis", "bookmaker", "bookmaker_title", "method", "min_books", "strategy", "sharp", "sharp_title"}
ROW_KEYS = {
    *("bookmaker", "bookmaker_title", "market", "complete_markets", "average_margin", "quoted_outcomes"),
    *("best_price_share", "priced_outcomes", "average_edge", "sharp_moves", "followed_moves", "followed_share"),
    *("median_follow_seconds", "margin_series"),
}


def test_the_api_answers_the_comparison(auth_client, sharp_strategy, clock):
    answer = auth_client.get("/api/stats/bookmakers/", {"strategy": "Sharp"}).json()
    assert set(answer) == TOP_KEYS
    assert set(answer["reference"]) == REFERENCE_KEYS | {"label"}
    assert answer["reference"]["label"] == (
        "Fair prices from Pinnacle's prices, devigged by the multiplicative method (the rules of the strategy “Sharp”)."
    )
    expected = bookmakers.compare(strategy=sharp_strategy, now=NOW)
    assert {k: answer[k] for k in ("at", "market", "from", "to", "events", "bucket", "follow_cap_seconds")} == {
        "at": "closing",
        "market": None,
        "from": "2026-11-22T12:00:00Z",
        "to": "2026-11-23T12:00:00Z",
        "events": 2,
        "bucket": "day",
        "follow_cap_seconds": 7200.0,
    }
    assert [set(row) for row in answer["results"]] == [ROW_KEYS] * 5
    assert [(r["bookmaker"], r["market"]) for r in answer["results"]] == [
        ("bet365", "h2h"),
        ("pinnacle", "h2h"),
        ("williamhill", "h2h"),
        ("bet365", "totals"),
        ("pinnacle", "totals"),
    ]
    for row, figures in zip(answer["results"], expected.rows, strict=True):
        assert row["average_margin"] == figures.average_margin  # full float precision
        assert row["average_edge"] == figures.average_edge
        assert row["best_price_share"] == figures.best_price_share
        assert row["median_follow_seconds"] == figures.median_follow_seconds
    bet365 = answer["results"][0]
    assert bet365["margin_series"] == [
        {
            "period": "2026-11-22T00:00:00Z",
            "markets": 1,
            "average_margin": pytest.approx(1 / 2.00 + 1 / 3.40 + 1 / 3.90 - 1),
        }
    ]
    assert (bet365["sharp_moves"], bet365["followed_moves"], bet365["median_follow_seconds"]) == (2, 1, 1200.0)
    by_id = auth_client.get("/api/stats/bookmakers/", {"strategy": sharp_strategy.pk, "market": "totals"}).json()
    assert [(r["bookmaker"], r["market"]) for r in by_id["results"]] == [("bet365", "totals"), ("pinnacle", "totals")]
    dated = auth_client.get(
        "/api/stats/bookmakers/", {"strategy": "Sharp", "from": "2026-11-23", "at": "opening"}
    ).json()
    assert (dated["events"], dated["at"], dated["from"]) == (1, "opening", "2026-11-23T12:00:00Z")


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"market": "corners"}, "market", '"corners" is not a valid choice.'),
        ({"at": "halftime"}, "at", '"halftime" is not a valid choice.'),
        ({"from": "yesterday"}, "from", "Datetime has wrong format."),
        ({"from": "2026-11-23", "to": "2026-11-22"}, "to", "must not be before from"),
        ({"strategy": "Nobody"}, "strategy", "no strategy 'Nobody': give a strategy's id or name"),
        ({"strategy": "99999999999999999999"}, "strategy", "no strategy '99999999999999999999'"),
        ({"strategy": "a\x00b"}, "strategy", "contains a NUL character"),  # ops.middleware, first
    ],
)
def test_the_api_names_what_it_cannot_read(auth_client, market, clock, query, field, message):
    response = auth_client.get("/api/stats/bookmakers/", query)
    assert response.status_code == 400
    answer = response.json()
    assert answer["detail"] == "Invalid input."
    assert list(answer["errors"]) == [field]
    assert answer["errors"][field][0].startswith(message)


def test_the_page_shows_the_figures(auth_client, sharp_strategy, clock):
    from web.templatetags.monps import pct, signed_pct

    html = auth_client.get("/stats/bookmakers/", {"strategy": sharp_strategy.pk}).content.decode()
    found = rows(bookmakers.compare(strategy=sharp_strategy, now=NOW))
    bet365 = found["bet365", "h2h"]
    assert f'<td class="num" data-figure="margin">{pct(bet365.average_margin, 2)}</td>' in html
    assert f'data-figure="best">{pct(bet365.best_price_share)}</td>' in html
    assert f'data-figure="edge">{signed_pct(bet365.average_edge)}</td>' in html
    assert 'data-figure="delay">20 min</td>' in html
    assert 'data-figure="followed">50.0% of 2</td>' in html
    assert "Fair prices from Pinnacle&#x27;s prices, devigged by the multiplicative method" in html
    assert "2 events kicking off 22 Nov 2026 to 23 Nov 2026, prices at the close." in html
    # A margin chart where a bookmaker has two days of kick-offs (the match result), a note elsewhere.
    assert html.count('<svg class="chart"') == 1
    assert 'aria-label="Average margin by day, Match result"' in html
    assert "One day of kick-offs only: no margin over time to draw." in html
    assert 'href="/stats/bookmakers/" aria-current="page"' in html
    partial = auth_client.get("/stats/bookmakers/", {"market": "totals"}, HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<section id="comparison">')
    assert 'id="market-totals"' in partial
    assert 'id="market-h2h"' not in partial


def test_the_page_names_a_value_it_cannot_read_and_shows_the_defaults(auth_client, market, clock):
    html = auth_client.get("/stats/bookmakers/", {"market": "corners"}).content.decode()
    assert "&quot;corners&quot; is not a valid choice." in html
    assert 'id="market-h2h"' in html
    assert 'id="market-totals"' in html


def more_events(count: int, offset: int) -> None:
    for i in range(count):
        kickoff = K1 - timedelta(days=3 + offset + i)
        home, away = f"H{offset + i}", f"A{offset + i}"
        observe(
            f"x{offset + i}",
            home,
            away,
            kickoff,
            kickoff - timedelta(hours=5),
            {
                "pinnacle": {home: 2.0, "Draw": 3.4, away: 3.9},
                "bet365": {home: 1.9, "Draw": 3.3, away: 4.0},
            },
        )
        observe(f"x{offset + i}", home, away, kickoff, kickoff - timedelta(hours=1), {"pinnacle": {home: 2.1}})
        observe(f"x{offset + i}", home, away, kickoff, kickoff - timedelta(minutes=30), {"bet365": {home: 2.0}})


def test_query_counts_are_constant(auth_client, sharp_strategy, clock):
    more_events(2, 0)
    small = {}
    for path in ("/stats/bookmakers/", "/api/stats/bookmakers/"):
        with CaptureQueriesContext(connection) as small[path]:
            auth_client.get(path)
    more_events(12, 2)
    assert bookmakers.compare(now=NOW).events == 16
    for path, queries in small.items():
        with CaptureQueriesContext(connection) as large:
            auth_client.get(path)
        assert len(large) == len(queries), path
    # the session, the user, the bounds, the strategy with its sports and books, the bookmakers and
    # the period's price changes; the page also reads the bettor's preferences and lists the strategies
    assert len(small["/api/stats/bookmakers/"]) == 8
    assert len(small["/stats/bookmakers/"]) == 10
