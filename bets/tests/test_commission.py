"""Commission on a bet at an exchange: taken from a won bet's winnings at the rate the bet was placed
with (a later change of the rate changes no bet), and in its CLV."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from bets import settlement
from bets.models import Bet
from bets.services import place_bet, settle_bet, settle_pending
from bets.tests.factories import BetInputFactory
from odds.models import Bookmaker, Event
from odds.services import update_bookmaker
from opportunities.pricing import devig
from opportunities.tests.factories import h2h_event, seen_again


def test_commission_is_taken_from_the_winnings_only():
    # Won at 3.00 for 10.00: 20.00 won, 5% of it (1.00) kept by the exchange, 19.00 paid.
    rate = Decimal("0.05")
    assert settlement.profit("won", price=Decimal("3.00"), stake=Decimal("10.00"), commission=rate) == Decimal("19.00")
    assert settlement.profit("won", price=Decimal("3.00"), stake=Decimal("10.00")) == Decimal("20.00")
    assert settlement.profit("half_won", price=Decimal("3.00"), stake=Decimal("10.00"), commission=rate) == Decimal(
        "9.50"
    )
    assert settlement.profit("lost", price=Decimal("3.00"), stake=Decimal("10.00"), commission=rate) == Decimal(
        "-10.00"
    )
    assert settlement.profit("half_lost", price=Decimal("3.00"), stake=Decimal("10.00"), commission=rate) == Decimal(
        "-5.00"
    )
    assert settlement.profit("push", price=Decimal("3.00"), stake=Decimal("10.00"), commission=rate) == Decimal("0.00")
    # 2% of 1.15 won on 1.00 at 2.15 is 0.023: 1.127 paid, to the cent half up.
    assert settlement.profit("won", price=Decimal("2.15"), stake=Decimal("1.00"), commission=Decimal("0.02")) == (
        Decimal("1.13")
    )


@pytest.fixture
def exchange_event(db):
    return h2h_event(
        "x1",
        {"pinnacle": {"H": 2.00, "D": 3.60, "A": 4.00}, "betfair_ex_uk": {"H": 3.00, "D": 3.70, "A": 4.20}},
        home="Arsenal",
        away="Chelsea",
    )


def test_a_won_bet_at_an_exchange_pays_its_winnings_less_the_commission_it_was_placed_with(exchange_event):
    exchange = Bookmaker.objects.get(key="betfair_ex_uk")
    assert exchange.commission == Decimal("0.0500")  # Betfair's standard rate, given at ingestion
    bet = place_bet(bet=BetInputFactory(event=exchange_event, bookmaker="betfair_ex_uk", price="3.00"))
    assert (bet.commission, bet.net_price) == (Decimal("0.0500"), Decimal("2.900"))

    update_bookmaker(bookmaker=exchange, changes={"commission": "0.02"})  # the bettor's rate falls
    Event.objects.filter(pk=exchange_event.pk).update(completed=True, home_score=2, away_score=0)
    with time_machine.travel(exchange_event.commence_time + timedelta(hours=3), tick=False):
        settle_pending()
    bet.refresh_from_db()
    assert (bet.status, bet.profit, bet.commission) == ("won", Decimal("19.00"), Decimal("0.0500"))
    assert settle_bet(bet=bet).profit == Decimal("19.00")  # settled again: the same

    again = BetInputFactory(event=exchange_event, bookmaker="betfair_ex_uk", price="3.00")
    later = place_bet(bet=again, allow_started=True)
    later.refresh_from_db()  # settled at once: the event has its result
    assert (later.commission, later.status, later.profit) == (Decimal("0.0200"), "won", Decimal("19.60"))


def test_the_clv_of_a_bet_at_an_exchange_is_that_of_its_net_price(exchange_event):
    bet = place_bet(bet=BetInputFactory(event=exchange_event, bookmaker="betfair_ex_uk", price="3.00"))
    seen_again(exchange_event, exchange_event.commence_time - timedelta(minutes=10))
    with time_machine.travel(exchange_event.commence_time + timedelta(minutes=1), tick=False):
        settle_pending()
    bet.refresh_from_db()
    fair = devig([4.00, 3.60, 2.00], "shin")[2]  # Pinnacle's close, Shin; in name order Away, Draw, Home
    assert bet.closing_fair_probability == Decimal(repr(fair)).quantize(Decimal("0.000001"))
    # 3.00 at 5% nets 1 + 2 × 0.95 = 2.90: the CLV is 2.90 × p − 1, not 3.00 × p − 1.
    assert bet.clv == (Decimal("2.900") * bet.closing_fair_probability - 1).quantize(Decimal("0.00001"))
    assert bet.clv_shin == bet.clv


def test_an_imported_exchange_win_is_read_from_its_profit_net_of_the_commission(db):
    from bets.imports import import_bets
    from odds.providers.odds_api import ScoreUpdate
    from odds.scores import ingest_scores
    from opportunities.tests.factories import NOW

    kickoff = NOW - timedelta(days=2)
    prices = {"pinnacle": {"H": 2.00, "D": 3.60, "A": 4.00}, "betfair_ex_uk": {"H": 3.00, "D": 3.70, "A": 4.20}}
    h2h_event("imp", prices, home="Arsenal", away="Chelsea", kickoff=kickoff, observed_at=kickoff - timedelta(hours=1))
    ingest_scores(updates=[ScoreUpdate("imp", "soccer_epl", "EPL", "Arsenal", "Chelsea", kickoff, True, 2, 0, None)])
    header = "placed_at,event,kick_off,market,selection,point,bookmaker,price,stake,status,profit\n"
    line = f"{kickoff - timedelta(days=1):%Y-%m-%d %H:%M},Arsenal v Chelsea,{kickoff:%Y-%m-%d %H:%M}"
    # 10.00 at 3.00 at Betfair, profit 19.00 and no status: won, less its 5%.
    report = import_bets(text=f"{header}{line},h2h,Arsenal,,betfair_ex_uk,3.00,10,,19.00\n", name="exchange.csv")
    assert report.problems == []
    imported = Bet.objects.get()
    assert (imported.status, imported.profit, imported.commission) == ("won", Decimal("19.00"), Decimal("0.0500"))
