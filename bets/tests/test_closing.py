"""A bet's closing line: only a reference price quoted on the bet's own line within CLOSING_MAX_AGE
before kick-off (last seen, changed or not) gives a CLV; otherwise the note says why. Expected values
are computed here from the prices in the test data with ``pricing.devig``."""

import copy
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bets.closing import CLV_FIELDS, closing_line
from bets.models import Bet
from bets.services import place_bet, settle_pending
from bets.tests.factories import BetInputFactory
from devtools.testing import history_bounds, history_queries
from odds.ingest import ingest_snapshot
from odds.models import ClosingPrice, Event, Price, PriceHistory
from odds.providers.football_data import parse_csv
from odds.providers.odds_api import ingest_odds
from odds.tests.conftest import load
from opportunities.models import Strategy
from opportunities.pricing import METHODS, devig
from opportunities.tests.factories import NOW, h2h_event, seen_again

pytestmark = pytest.mark.django_db

LEAD = timedelta(days=120)  # ODDS_HISTORY_LEAD_DAYS by default
SIX, FIVE = Decimal("0.000001"), Decimal("0.00001")


def stored(probability: float) -> Decimal:
    """A fair probability as a bet keeps it."""
    return Decimal(repr(probability)).quantize(SIX, ROUND_HALF_UP)


def bet_on(event, outcome: str, bookmaker: str = "bet365", price: str = "2.100", **terms) -> Bet:
    bet = BetInputFactory(event=event, outcome=outcome, bookmaker=bookmaker, price=price, **terms)
    return place_bet(bet=bet, allow_started=True)


def closed(bet: Bet) -> Bet:
    """The bet after the settle task ran a minute after kick-off (it records closing lines)."""
    import time_machine

    with time_machine.travel(bet.event.commence_time + timedelta(minutes=1), tick=False):
        settle_pending()
    bet.refresh_from_db()
    return bet


def test_the_closing_scan_is_bounded_by_the_window_and_kick_off(event):
    seen_again(event, event.commence_time - timedelta(minutes=10))
    bet = bet_on(event, "Arsenal")
    with CaptureQueriesContext(connection) as queries:
        line = closing_line(bet)
    [sql] = history_queries(queries.captured_queries)
    assert history_bounds(sql) == {">=": [event.commence_time - LEAD], "<=": [event.commence_time]}
    fair = devig([4.00, 3.60, 2.00], "shin")[2]  # Pinnacle, Shin; name order Away, Draw, Home
    assert (line.price, line.fair_probability, line.note) == (Decimal("2.100"), stored(fair), "")


def test_a_price_last_changed_before_the_window_is_no_closing_line():
    kickoff = NOW + timedelta(days=1)
    stale = kickoff - LEAD - timedelta(hours=1)
    h2h_event("old", {"pinnacle": {"H": 2.00, "D": 3.60, "A": 4.00}}, kickoff=kickoff, observed_at=stale)
    event = h2h_event("old", {"bet365": {"H": 2.10, "D": 3.40, "A": 3.80}}, kickoff=kickoff, observed_at=NOW)
    line = closing_line(bet_on(event, "Home"))
    assert (line.price, line.fair_probability, line.note) == (
        Decimal("2.100"),
        None,
        "no complete closing line from pinnacle",
    )


# football-data.co.uk's layout (odds/providers/football_data.py): Bournemouth v West Ham as in
# odds/tests/data/E0_2324_head.csv line 4, moved to a date after the tests' now. Opening columns are
# stored 2 days before kick-off, closing ones (PSC*, B365C*, *CAH*) at kick-off, 15:00 UK (GMT) here.
KICKOFF = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
H2H_HEADER = "Div,Date,Time,HomeTeam,AwayTeam,B365H,B365D,B365A,PSH,PSD,PSA,B365CH,B365CD,B365CA,PSCH,PSCD,PSCA"


def import_csv(header: str, row: str) -> Event:
    ingest_snapshot(snapshot=parse_csv(f"{header}\n{row}\n").snapshot)
    return Event.objects.get(home_team="Bournemouth")


def test_an_import_whose_close_is_stamped_at_kick_off_gives_the_clv_even_equal_to_the_opening():
    # Pinnacle closed where it opened (2.70/3.47/2.71, the row's opening prices): history keeps one
    # row for it, and its closing price still counts as seen at kick-off.
    event = import_csv(
        H2H_HEADER,
        "E0,25/11/2026,15:00,Bournemouth,West Ham,2.75,3.40,2.70,2.70,3.47,2.71,2.80,3.50,2.60,2.70,3.47,2.71",
    )
    assert PriceHistory.objects.filter(bookmaker__key="pinnacle").count() == 3
    bet = closed(bet_on(event, "Bournemouth", price="2.750"))
    by_method = {m: devig([2.70, 3.47, 2.71], m)[0] for m in METHODS}  # name order Bournemouth, Draw, West Ham
    assert bet.closing_note == ""
    assert bet.closing_price == Decimal("2.800")  # bet365's closing price
    assert (bet.closing_reference.key, bet.closing_method, bet.closing_point) == ("pinnacle", "shin", None)
    assert (bet.closing_seen_at, bet.closing_age) == (KICKOFF, timedelta(0))
    assert bet.closing_fair_probability == stored(by_method["shin"])
    assert bet.clv == (Decimal("2.750") * stored(by_method["shin"]) - 1).quantize(FIVE)
    for method, field in CLV_FIELDS.items():
        assert getattr(bet, field) == (Decimal("2.750") * stored(by_method[method]) - 1).quantize(FIVE), method
    [book] = bet.closing_provenance["books"]
    assert book["prices"] == {"Bournemouth": "2.700", "Draw": "3.470", "West Ham": "2.710"}
    assert (book["used"], book["age_minutes"]) == (True, 0.0)
    assert bet.closing_provenance["fair"]["power"]["Bournemouth"] == str(stored(by_method["power"]))


def test_a_stale_reference_gives_no_clv_and_says_how_old_its_last_price_was():
    # Pinnacle's opening prices only (no PSC* columns): its last price is the opening, 48 h before.
    header = "Div,Date,Time,HomeTeam,AwayTeam,B365H,B365D,B365A,PSH,PSD,PSA,B365CH,B365CD,B365CA"
    event = import_csv(header, "E0,25/11/2026,15:00,Bournemouth,West Ham,2.75,3.40,2.70,2.70,3.47,2.71,2.80,3.50,2.60")
    bet = closed(bet_on(event, "Bournemouth", price="2.750"))
    assert bet.closing_note == "the reference's last price was 48 h before kick-off"
    assert (bet.clv, bet.closing_fair_probability, bet.closing_seen_at) == (None, None, None)
    assert [getattr(bet, field) for field in CLV_FIELDS.values()] == [None] * 5
    [book] = bet.closing_provenance["books"]
    assert (book["bookmaker"], book["used"], book["fresh"], book["age_minutes"]) == ("pinnacle", False, False, 2880.0)


def test_a_moved_line_gives_no_clv_and_says_where_the_reference_closed():
    # Asian handicap opened at -0.5 (AHh) and closed at -0.75 (AHCh): the reference's last price on
    # the bet's line is its opening one; its close is on another line, shown beside, never as the CLV.
    header = "Div,Date,Time,HomeTeam,AwayTeam,AHh,B365AHH,B365AHA,PAHH,PAHA,AHCh,B365CAHH,B365CAHA,PCAHH,PCAHA"
    row = "E0,25/11/2026,15:00,Bournemouth,West Ham,-0.5,1.95,1.95,1.93,1.97,-0.75,2.05,1.85,2.04,1.86"
    event = import_csv(header, row)
    bet = closed(bet_on(event, "Bournemouth", price="1.950", market="spreads", point="-0.5"))
    assert bet.closing_note == "line moved: the reference closed at −0.75"
    assert (bet.clv, bet.closing_fair_probability, bet.closing_point) == (None, None, Decimal("-0.75"))
    moved = bet.closing_provenance["moved_to"]
    assert moved["point"] == "-0.75"
    assert moved["books"][0]["prices"] == {"Bournemouth": "2.040", "West Ham": "1.860"}
    assert moved["fair"]["shin"]["Bournemouth"] == str(stored(devig([2.04, 1.86], "shin")[0]))


def odds_api_event() -> list[dict]:
    """Arsenal v Crystal Palace from odds/tests/data/epl_odds_2024-01-15.json: a real /odds answer."""
    return [copy.deepcopy(load("epl_odds_2024-01-15.json")[0])]


@pytest.fixture
def exchange_strategy(db):
    """The strategy whose reference is Betfair's exchange (the uk region has no Pinnacle)."""
    from odds.models import Bookmaker

    exchange, _ = Bookmaker.objects.get_or_create(key="betfair_ex_uk", defaults={"title": "Betfair"})
    Strategy.objects.update(active=False)
    return Strategy.objects.create(name="Exchange", reference_bookmaker=exchange, devig_method="shin")


def h2h_prices(body: list[dict], book: str) -> dict[str, float]:
    [bookmaker] = [b for b in body[0]["bookmakers"] if b["key"] == book]
    [market] = [m for m in bookmaker["markets"] if m["key"] == "h2h"]
    return {o["name"]: o["price"] for o in market["outcomes"]}


def test_a_reference_seen_unchanged_ten_minutes_before_kick_off_is_fresh(exchange_strategy):
    body = odds_api_event()
    kickoff = datetime(2024, 1, 20, 12, 30, tzinfo=UTC)
    changed = datetime(2024, 1, 14, 21, 48, 38, tzinfo=UTC)  # the exchange's last_update: 5.6 days before
    ingest_odds(copy.deepcopy(body), seen_at=changed + timedelta(minutes=5))
    # A collection 10 minutes before kick-off: every market's last_update is the stored one, so the
    # markets are skipped as unchanged, and their prices were quoted then all the same.
    ingest_odds(copy.deepcopy(body), seen_at=kickoff - timedelta(minutes=10))
    # Changes only (its lay prices have a history of their own)
    assert PriceHistory.objects.filter(bookmaker__key="betfair_ex_uk", selection__market="h2h").count() == 3
    event = Event.objects.get()
    bet = bet_on(event, "Arsenal", bookmaker="williamhill", price="1.300")
    exchange = h2h_prices(body, "betfair_ex_uk")
    names = sorted(exchange)  # Arsenal, Crystal Palace, Draw
    fair = {m: devig([exchange[n] for n in names], m)[0] for m in METHODS}
    assert bet.closing_note == ""
    assert (bet.closing_seen_at, bet.closing_age) == (kickoff - timedelta(minutes=10), timedelta(minutes=10))
    assert bet.closing_fair_probability == stored(fair["shin"])
    assert bet.closing_price == Decimal(repr(h2h_prices(body, "williamhill")["Arsenal"])).quantize(Decimal("0.001"))
    for method, field in CLV_FIELDS.items():
        assert getattr(bet, field) == (Decimal("1.300") * stored(fair[method]) - 1).quantize(FIVE), method


def test_without_that_collection_the_same_reference_is_stale(exchange_strategy):
    body = odds_api_event()
    changed = datetime(2024, 1, 14, 21, 48, 38, tzinfo=UTC)
    ingest_odds(copy.deepcopy(body), seen_at=changed + timedelta(minutes=5))
    bet = bet_on(Event.objects.get(), "Arsenal", bookmaker="williamhill", price="1.300")
    # Last seen 5 minutes after its change: 5 days 14 h 36 min 22 s before kick-off, 135 h rounded.
    assert bet.closing_note == "the reference's last price was 135 h before kick-off"
    assert bet.clv is None


def in_play(body: list[dict], at: datetime) -> list[dict]:
    """The same event after kick-off: every market updated at ``at`` with its prices moved."""
    later = copy.deepcopy(body)
    for bookmaker in later[0]["bookmakers"]:
        bookmaker["last_update"] = at.strftime("%Y-%m-%dT%H:%M:%SZ")
        for market in bookmaker["markets"]:
            market["last_update"] = bookmaker["last_update"]
            for outcome in market["outcomes"]:
                outcome["price"] = round(outcome["price"] * 1.2, 2)
    return later


def test_a_snapshot_after_kick_off_does_not_change_the_closing_line(exchange_strategy):
    body = odds_api_event()
    kickoff = datetime(2024, 1, 20, 12, 30, tzinfo=UTC)
    changed = datetime(2024, 1, 14, 21, 48, 38, tzinfo=UTC)
    ingest_odds(copy.deepcopy(body), seen_at=changed + timedelta(minutes=5))
    ingest_odds(copy.deepcopy(body), seen_at=kickoff - timedelta(minutes=10))
    event = Event.objects.get()
    before = bet_on(event, "Arsenal", bookmaker="williamhill", price="1.300")
    later = kickoff + timedelta(minutes=5)
    ingest_odds(in_play(body, later), seen_at=later)
    # The current prices moved on, seen after kick-off; the prices at kick-off were kept first.
    exchange = Price.objects.filter(bookmaker__key="betfair_ex_uk")
    assert set(exchange.values_list("observed_at", "last_seen_at")) == {(later, later)}
    kept = ClosingPrice.objects.filter(bookmaker__key="betfair_ex_uk")
    assert set(kept.values_list("observed_at", "last_seen_at")) == {(changed, kickoff - timedelta(minutes=10))}
    after = closing_line(before)
    assert (after.price, after.fair_probability, after.note) == (
        before.closing_price,
        before.closing_fair_probability,
        "",
    )
    assert (after.seen_at, after.age) == (before.closing_seen_at, before.closing_age)
    assert after.by_method == {m: Decimal(p["Arsenal"]) for m, p in before.closing_provenance["fair"].items()}


def test_a_consensus_counts_only_the_books_quoted_near_kick_off():
    strategy = Strategy.objects.create(name="Two books", devig_method="multiplicative", min_books=2)
    kickoff = NOW + timedelta(days=1)
    prices = {"pinnacle": {"H": 2.00, "D": 3.60, "A": 4.00}, "williamhill": {"H": 2.05, "D": 3.50, "A": 3.70}}
    event = h2h_event("consensus", prices, kickoff=kickoff, observed_at=NOW)
    h2h_event(
        "consensus", {"pinnacle": prices["pinnacle"]}, kickoff=kickoff, observed_at=kickoff - timedelta(minutes=5)
    )
    bet = closed(bet_on(event, "Home", bookmaker="williamhill", price="2.050", strategy_id=strategy.pk))
    assert (
        bet.closing_note
        == "only 1 bookmaker quoted this line within 30 min of kick-off (1 more quoted it earlier), 2 needed"
    )
    assert bet.clv is None
    assert {b["bookmaker"]: (b["fresh"], b["used"]) for b in bet.closing_provenance["books"]} == {
        "pinnacle": (True, False),
        "williamhill": (False, False),
    }


def test_the_maximum_age_is_a_setting(settings):
    settings.CLOSING_MAX_AGE = 60 * 49
    header = "Div,Date,Time,HomeTeam,AwayTeam,B365H,B365D,B365A,PSH,PSD,PSA"
    event = import_csv(header, "E0,25/11/2026,15:00,Bournemouth,West Ham,2.75,3.40,2.70,2.70,3.47,2.71")
    bet = closed(bet_on(event, "Bournemouth", price="2.750"))
    assert (bet.closing_note, bet.closing_age) == ("", timedelta(hours=48))
    assert bet.closing_fair_probability == stored(devig([2.70, 3.47, 2.71], "shin")[0])
