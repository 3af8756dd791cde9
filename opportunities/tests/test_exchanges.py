"""Exchanges in valuation and detection: edges, Kelly stakes and surebets net of commission, the
back/lay midpoint reference, and stakes capped by what an exchange has available. Expected values
are worked by hand in the comments (net price = 1 + (price − 1)(1 − commission))."""

from datetime import timedelta
from decimal import Decimal

import pytest

from bets.tests.factories import LedgerEntryFactory
from odds.ingest import Snapshot, ingest_snapshot
from odds.models import Bookmaker
from odds.tests.factories import EventOddsFactory, QuoteFactory
from opportunities.detection import detect, find
from opportunities.models import Opportunity, Strategy, Surebet
from opportunities.tests.factories import NOW, StrategyFactory, event_with, quotes
from opportunities.valuation import (
    MIDPOINT,
    MIDPOINT_BASIS,
    Observation,
    StrategyRules,
    candidates,
    fair_line,
    price_edges,
    suggested_stake,
)


def q(price: float) -> Observation:
    return Observation(price, 0.0)


REFERENCE, EXCHANGE, BOOK = 1, 2, 3


def test_commission_takes_the_edge_and_the_kelly_stake_of_the_net_price():
    # The reference's 2.00 / 2.00 is p = 0.5. The exchange's 2.20 at 5% nets 1 + 1.2 × 0.95 = 2.14:
    # edge 2.14 × 0.5 − 1 = 0.07 (not 0.10), full Kelly (1.14 × 0.5 − 0.5) / 1.14 = 0.0614035…
    rules = StrategyRules(
        method="multiplicative",
        reference=REFERENCE,
        min_edge=0.02,
        kelly_fraction=0.25,
        max_stake_share=None,
        commissions={EXCHANGE: 0.05},
    )
    line = {
        REFERENCE: {"Over": q(2.0), "Under": q(2.0)},
        EXCHANGE: {"Over": q(2.20), "Under": q(1.70)},
        BOOK: {"Over": q(2.12), "Under": q(1.70)},
    }
    fair = fair_line(line, rules)
    found = {c.bookmaker: c for c in candidates(line, fair, rules)}
    assert found[EXCHANGE].net_price == pytest.approx(2.14)
    assert found[EXCHANGE].edge == pytest.approx(0.07)
    assert found[EXCHANGE].kelly_share == pytest.approx(0.07 / 1.14 / 4)
    # No commission at the bookmaker: its 2.12 has the edge 0.06 as quoted.
    assert (found[BOOK].net_price, found[BOOK].edge) == (pytest.approx(2.12), pytest.approx(0.06))
    assert price_edges(line, fair, rules)[EXCHANGE]["Over"] == pytest.approx(0.07)
    assert price_edges(line, fair)[EXCHANGE]["Over"] == pytest.approx(0.10)  # no rules: as quoted


def test_a_quoted_edge_that_commission_takes_away_is_no_candidate():
    # 2.10 at 5% nets 1 + 1.1 × 0.95 = 2.045: edge 0.0225, under the 3% wanted; 2.08 elsewhere: 0.04.
    rules = StrategyRules(method="multiplicative", reference=REFERENCE, min_edge=0.03, commissions={EXCHANGE: 0.05})
    line = {
        REFERENCE: {"Over": q(2.0), "Under": q(2.0)},
        EXCHANGE: {"Over": q(2.10), "Under": q(1.80)},
        BOOK: {"Over": q(2.08), "Under": q(1.80)},
    }
    found = candidates(line, fair_line(line, rules), rules)
    assert [(c.bookmaker, c.outcome, round(c.edge, 6)) for c in found] == [(BOOK, "Over", 0.04)]


def test_the_midpoint_is_halfway_between_the_best_back_and_lay_of_the_exchanges_devigged():
    first, second, soft = 10, 11, 12
    back = {
        first: {"H": q(2.10), "D": q(3.50), "A": q(3.80)},
        second: {"H": q(2.12), "D": q(3.45), "A": q(3.75)},
        soft: {"H": q(2.30), "D": q(3.90), "A": q(4.20)},  # no exchange: no part of the midpoint
    }
    lay = {
        first: {"H": q(2.16), "D": q(3.65), "A": q(3.95)},
        second: {"H": q(2.14), "D": q(3.70), "A": q(3.90)},
    }
    rules = StrategyRules(method="multiplicative", basis=MIDPOINT, exchanges=frozenset({first, second}))
    # In plain Python: the highest back and the lowest lay of each outcome, their mean, normalised 1/m.
    midpoints = {}
    for outcome in ("A", "D", "H"):
        best_back = max(back[b][outcome].price for b in (first, second))
        best_lay = min(lay[b][outcome].price for b in (first, second))
        midpoints[outcome] = (best_back + best_lay) / 2
    assert midpoints == pytest.approx({"H": 2.13, "D": 3.575, "A": 3.85})
    total = sum(1 / m for m in midpoints.values())
    expected = {outcome: (1 / m) / total for outcome, m in midpoints.items()}

    fair = fair_line(back, rules, lay=lay)
    assert fair.basis == MIDPOINT_BASIS
    assert fair.probabilities == pytest.approx(expected, abs=1e-12)
    assert fair.probabilities == pytest.approx({"H": 0.4653217, "D": 0.2772406, "A": 0.2574377}, abs=1e-7)
    # The soft book's 2.30 against 1 / 0.4653217 = 2.149: its edge is found against the midpoint.
    [found] = [c for c in candidates(back, fair, rules) if c.bookmaker == soft and c.outcome == "H"]
    assert found.edge == pytest.approx(2.30 * expected["H"] - 1)

    # One exchange alone (the reference): its own back and lay.
    alone = fair_line(back, StrategyRules(method="multiplicative", basis=MIDPOINT, reference=first), lay=lay)
    mids = {"H": (2.10 + 2.16) / 2, "D": (3.50 + 3.65) / 2, "A": (3.80 + 3.95) / 2}
    total = sum(1 / m for m in mids.values())
    assert alone.probabilities == pytest.approx({o: (1 / m) / total for o, m in mids.items()}, abs=1e-12)

    # An outcome without a lay price: no midpoint.
    missing = {first: {"H": q(2.16), "D": q(3.65)}}
    assert not fair_line(back, StrategyRules(method="multiplicative", basis=MIDPOINT, reference=first), lay=missing)


def test_a_stake_is_capped_at_what_the_exchange_has_available():
    assert suggested_stake(Decimal("1000"), Decimal("0.02379")) == Decimal("23.79")
    assert suggested_stake(Decimal("1000"), Decimal("0.02379"), available=Decimal("12.349")) == Decimal("12.34")
    assert suggested_stake(Decimal("1000"), Decimal("0.02379"), available=Decimal("500")) == Decimal("23.79")
    assert suggested_stake(Decimal("-5"), Decimal("0.02379")) == Decimal("0.00")


@pytest.mark.django_db
def test_detection_values_an_exchange_price_net_of_its_commission_and_caps_it_by_the_amount_available():
    Strategy.objects.all().delete()
    LedgerEntryFactory(amount=Decimal("1000.00"))
    StrategyFactory(pinnacle=True, min_edge=Decimal("0.02"), kelly_fraction=Decimal("0.25"))
    over = QuoteFactory.build(
        bookmaker="betfair_ex_uk",
        market="totals",
        outcome="Over",
        point=Decimal("2.50"),
        price=Decimal("2.300"),
        available=Decimal("12.34"),
    )
    prices = {"pinnacle": {"Over": 2.00, "Under": 2.00}, "betfair_ex_uk": {"Under": 1.75}}
    event_with("x1", [*quotes("Home", prices, market="totals", point=2.5), over])
    # Ingestion made the exchange with Betfair's standard commission.
    assert Bookmaker.objects.values_list("is_exchange", "commission").get(key="betfair_ex_uk") == (
        True,
        Decimal("0.0500"),
    )
    detect(now=NOW)
    opportunity = Opportunity.objects.get()
    # Net 1 + 1.3 × 0.95 = 2.235: edge 0.1175; a quarter of Kelly 0.1175 / 1.235 is 0.02379 of 1000,
    # 23.79, more than the 12.34 the exchange has at 2.30.
    assert (opportunity.price, opportunity.net_price) == (Decimal("2.300"), Decimal("2.235"))
    assert (opportunity.edge, opportunity.kelly_share) == (Decimal("0.11750"), Decimal("0.02379"))
    assert opportunity.suggested_stake == Decimal("12.34")


@pytest.mark.django_db
def test_surebets_are_found_and_locked_at_net_prices():
    Strategy.objects.all().delete()
    StrategyFactory(pinnacle=True)
    # 2.10 / 2.10 locks 1 / (2 / 2.1) − 1 = 5% as quoted; the exchange's Under nets 2.045, so
    # 1 / (1 / 2.1 + 1 / 2.045) − 1 = 3.607%, staked 49.34% / 50.66%.
    prices = {"bet365": {"Over": 2.10, "Under": 1.60}, "betfair_ex_uk": {"Over": 1.50, "Under": 2.10}}
    event = event_with("s1", quotes("Home", prices, market="totals", point=2.5))
    # Quoted 1 / 2.06 + 1 / 1.99 = 0.988 would be a surebet; net 1 / 2.06 + 1 / 1.9405 = 1.0008 is none.
    gone = {"bet365": {"Over": 2.06, "Under": 1.60}, "betfair_ex_uk": {"Over": 1.50, "Under": 1.99}}
    event_with("s2", quotes("Home", gone, market="totals", point=2.5))
    assert detect(now=NOW).surebets == 1
    surebet = Surebet.objects.get()
    assert surebet.event_id == event.pk
    assert surebet.locked_return == Decimal("0.03607")
    betfair = Bookmaker.objects.get(key="betfair_ex_uk").pk
    legs = {leg["outcome"]: leg for leg in surebet.legs}
    assert (legs["Under"]["bookmaker_id"], legs["Under"]["price"], legs["Under"]["net_price"]) == (
        betfair,
        "2.100",
        "2.045",
    )
    assert legs["Over"]["net_price"] == legs["Over"]["price"] == "2.100"
    assert (legs["Over"]["stake_share"], legs["Under"]["stake_share"]) == (0.493366, 0.506634)


@pytest.mark.django_db
def test_a_books_best_net_price_leads_a_line_not_its_best_quoted_one():
    Strategy.objects.all().delete()
    StrategyFactory(pinnacle=True)
    # Under: the exchange's 2.12 nets 2.064, below bet365's 2.08; with Over 2.08: 1/2.08 + 1/2.08 < 1.
    prices = {
        "bet365": {"Over": 2.08, "Under": 2.08},
        "betfair_ex_uk": {"Over": 1.50, "Under": 2.12},
        "pinnacle": {"Over": 1.95, "Under": 1.95},
    }
    event_with("b1", quotes("Home", prices, market="totals", point=2.5))
    bet365 = Bookmaker.objects.get(key="bet365").pk
    for read_all in (False, True):  # the database's summary and every price read agree
        groups, _, _ = find(list(Strategy.objects.all()), now=NOW, read_all=read_all)
        [line] = [g for g in groups if g.market == "totals"]
        assert line.top["Under"].bookmaker_id == bet365
    detect(now=NOW)
    legs = {leg["outcome"]: leg["bookmaker_id"] for leg in Surebet.objects.get().legs}
    assert legs == {"Over": bet365, "Under": bet365}


@pytest.mark.django_db
def test_an_exchange_midpoint_strategy_finds_value_against_the_exchanges_back_and_lay():
    Strategy.objects.all().delete()
    LedgerEntryFactory(amount=Decimal("1000.00"))
    strategy = StrategyFactory(
        name="Midpoint",
        fair_basis=MIDPOINT,
        devig_method="multiplicative",
        markets="h2h",
        min_edge=Decimal("0.02"),
        max_price_age_minutes=60,
    )
    back = {
        "betfair_ex_uk": {"Home": 2.10, "Draw": 3.50, "Away": 3.80},
        "smarkets": {"Home": 2.12, "Draw": 3.45, "Away": 3.75},
        "bet365": {"Home": 2.25, "Draw": 3.30, "Away": 3.40},
    }
    lay = {
        "betfair_ex_uk": {"Home": 2.16, "Draw": 3.65, "Away": 3.95},
        "smarkets": {"Home": 2.14, "Draw": 3.70, "Away": 3.90},
    }
    event_with("m1", [*quotes("Home", back), *quotes("Home", lay, market="h2h_lay")])
    detect(now=NOW)
    [opportunity] = Opportunity.objects.filter(strategy=strategy)
    # Midpoints 2.13, 3.575, 3.85 (the test above): Home's fair probability 0.4653217, so bet365's
    # 2.25 has the edge 2.25 × 0.4653217 − 1 = 0.0469738; no lay price is ever an opportunity.
    assert (opportunity.outcome, opportunity.bookmaker.key) == ("Home", "bet365")
    assert opportunity.fair_probability == Decimal("0.465322")
    assert opportunity.edge == Decimal("0.04697")
    assert opportunity.market == "h2h"
    for read_all in (False, True):
        _, _, found = find([strategy], now=NOW, read_all=read_all)
        assert [(c.quote.outcome, round(c.edge, 9)) for c in found] == [("Home", round(2.25 * 0.46532168092 - 1, 9))]
    assert Surebet.objects.count() == 0  # a lay line is no line to lock a profit on
    later = NOW + timedelta(minutes=1)
    lay_gone = {"betfair_ex_uk": {"Home": 2.16, "Draw": 3.65}, "smarkets": {"Home": 2.14, "Draw": 3.70}}
    odds = EventOddsFactory.build(
        provider_id="m1",
        home_team="Home",
        away_team="Away",
        commence_time=NOW + timedelta(days=1),
        quotes=quotes("Home", lay_gone, market="h2h_lay", observed_at=later),
    )
    ingest_snapshot(snapshot=Snapshot(events=[odds], complete=True), collected_at=later)
    detect(now=later)  # Away's lay prices were withdrawn: the line has no midpoint, the opportunity goes
    assert Opportunity.objects.active().count() == 0
