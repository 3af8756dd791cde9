"""Exchanges' lay prices and bet limits from a recorded response (``data/SOURCES.md``): ``h2h_lay`` is
its own market with its own history, and each exchange price keeps the amount available at it."""

import copy
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import responses

from odds.collector import collect_sport
from odds.models import H2H, H2H_LAY, Bookmaker, Price, PriceHistory
from odds.providers.odds_api import OddsApiClient, ingest_odds
from odds.selectors import best_prices
from odds.tests.conftest import load

pytestmark = pytest.mark.django_db

EVENT = "1bcd8f64a15a2c6518932d591deed057"  # Manchester United v Everton, 2024-03-09


@pytest.fixture
def limits():
    return load("epl_exchanges_bet_limits.json")


def stored(market: str) -> dict[tuple[str, str], tuple[Decimal, Decimal | None]]:
    rows = Price.objects.filter(selection__market=market).values_list(
        "bookmaker__key", "selection__outcome", "price", "available"
    )
    return {(book, outcome): (price, available) for book, outcome, price, available in rows}


def test_lay_prices_are_their_own_market_with_the_amount_available(limits):
    _, result = ingest_odds(limits)
    assert result.rejected == []
    assert stored(H2H_LAY) == {
        ("betfair_ex_uk", "Everton"): (Decimal("4.500"), Decimal("230.11")),
        ("betfair_ex_uk", "Manchester United"): (Decimal("1.900"), Decimal("2511.90")),
        ("betfair_ex_uk", "Draw"): (Decimal("4.200"), Decimal("75.00")),
        ("matchbook", "Everton"): (Decimal("4.500"), Decimal("61.25")),
        ("matchbook", "Manchester United"): (Decimal("1.900"), Decimal("402.00")),
        ("matchbook", "Draw"): (Decimal("4.200"), Decimal("9.99")),
    }
    back = stored(H2H)
    assert back[("betfair_ex_uk", "Everton")] == (Decimal("4.400"), Decimal("412.57"))
    assert back[("matchbook", "Draw")] == (Decimal("4.100"), Decimal("12.30"))
    assert back[("williamhill", "Everton")][1] is None  # no limit given: none stored, never 0
    # Lay prices keep their history like any price, apart from the back prices.
    assert PriceHistory.objects.filter(selection__market=H2H_LAY).count() == 6
    # The exchanges are known as such, with their standard commission.
    assert dict(Bookmaker.objects.filter(is_exchange=True).values_list("key", "commission")) == {
        "betfair_ex_uk": Decimal("0.0500"),
        "matchbook": Decimal("0.0200"),
    }
    # A lay price is no price to back at: the best prices are the back market's.
    [event_id] = result.event_ids
    markets = {p.market for p in best_prices([event_id])[event_id]}
    assert markets == {"h2h", "spreads"}


def test_a_later_lay_price_is_a_change_in_its_history_and_moves_the_amount(limits):
    ingest_odds(limits)
    later = copy.deepcopy(limits)
    [betfair] = [b for b in later[0]["bookmakers"] if b["key"] == "betfair_ex_uk"]
    lay = next(m for m in betfair["markets"] if m["key"] == H2H_LAY)
    lay["last_update"] = "2024-03-08T15:03:28Z"
    lay["outcomes"][0].update(price=4.6, bet_limit=12.019)  # Everton: a new price, a little on offer
    lay["outcomes"][1]["bet_limit"] = 3000  # Manchester United: the same price, more on offer
    _, result = ingest_odds(later)
    assert result.rejected == []
    lays = stored(H2H_LAY)
    assert lays[("betfair_ex_uk", "Everton")] == (Decimal("4.600"), Decimal("12.01"))  # to the cent, down
    assert lays[("betfair_ex_uk", "Manchester United")] == (Decimal("1.900"), Decimal("3000.00"))
    history = PriceHistory.objects.filter(
        selection__market=H2H_LAY, selection__outcome="Everton", bookmaker__key="betfair_ex_uk"
    ).order_by("observed_at")
    assert [(h.price, h.observed_at) for h in history] == [
        (Decimal("4.500"), datetime(2024, 3, 8, 14, 33, 28, tzinfo=UTC)),
        (Decimal("4.600"), datetime(2024, 3, 8, 15, 3, 28, tzinfo=UTC)),
    ]
    # The back market was not touched.
    assert stored(H2H)[("betfair_ex_uk", "Everton")] == (Decimal("4.400"), Decimal("412.57"))


@pytest.mark.parametrize(
    ("limit", "reason"),
    [
        ("lots", "bet limit 'lots' is not a number"),
        (-5, "bet limit -5 is not an amount from 0 up to 1,000,000,000,000"),
        (True, "bet limit True is not a number"),
    ],
)
def test_a_bet_limit_that_is_no_amount_rejects_its_market_and_says_where(limits, limit, reason):
    [betfair] = [b for b in limits[0]["bookmakers"] if b["key"] == "betfair_ex_uk"]
    betfair["markets"][1]["outcomes"][2]["bet_limit"] = limit
    _, result = ingest_odds(limits)
    assert result.rejected == [f"event {EVENT} betfair_ex_uk h2h_lay Draw: {reason}"]
    assert ("betfair_ex_uk", "Draw") not in stored(H2H_LAY)
    assert ("matchbook", "Draw") in stored(H2H_LAY)


@responses.activate
def test_the_collector_asks_for_bet_limits(settings, limits):
    settings.ODDS_API_KEY, settings.ODDS_API_BASE_URL = "key-0123456789", "https://api.example.test"
    settings.ODDS_API_REGIONS, settings.ODDS_API_MARKETS = ["uk"], ["h2h", "spreads"]
    responses.get("https://api.example.test/v4/sports/soccer_epl/odds", json=limits)
    api = OddsApiClient(api_key="key-0123456789", base_url="https://api.example.test")
    outcome = collect_sport(sport_key="soccer_epl", api=api)
    params = responses.calls[0].request.params  # type: ignore[attr-defined]  # responses adds params
    assert (params["includeBetLimits"], params["markets"]) == ("true", "h2h,spreads")
    assert outcome.run.rejected == 0
    assert stored(H2H_LAY)[("matchbook", "Draw")] == (Decimal("4.200"), Decimal("9.99"))
    settings.ODDS_API_BET_LIMITS = False
    collect_sport(sport_key="soccer_epl", api=api)
    assert "includeBetLimits" not in responses.calls[1].request.params  # type: ignore[attr-defined]
