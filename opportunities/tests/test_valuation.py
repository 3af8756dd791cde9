"""Valuing one line: pure cases without a database, then detection, a backtest and a bet's CLV
recording the same fair probabilities for the same line."""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
import time_machine

from bets.services import place_bet, settle_pending
from bets.tests.factories import BetInputFactory, LedgerEntryFactory
from odds.models import Event
from odds.tests.factories import BookmakerFactory, SportFactory
from opportunities.backtest import BacktestRules, run_backtest
from opportunities.detection import detect
from opportunities.models import Opportunity, Strategy
from opportunities.pricing import METHODS, devig, edge, kelly
from opportunities.tests.factories import NOW, StrategyFactory, h2h_event, seen_again
from opportunities.valuation import (
    BEST,
    CONSENSUS,
    REFERENCE,
    Observation,
    StrategyRules,
    candidates,
    fair_line,
    lowest_prices,
    margins,
    price_edges,
    value_line,
)
from stats.tests.factories import CalibrationFactory

PINNACLE, SOFT, OTHER, AVERAGE = 1, 2, 3, 9
OUTCOMES = ("Away", "Draw", "Home")  # sorted: the order fair probabilities are listed in


def line(**books: tuple[float, ...]) -> dict[int, dict[str, Observation]]:
    """Prices by book (p: pinnacle, s: soft, o: other, a: an average), in OUTCOMES order."""
    ids = {"p": PINNACLE, "s": SOFT, "o": OTHER, "a": AVERAGE}
    return {
        ids[name]: {o: Observation(price, 1000.0 + ids[name]) for o, price in zip(OUTCOMES, prices, strict=False)}
        for name, prices in books.items()
    }


SHARP = StrategyRules(method="shin", reference=PINNACLE, reference_name="pinnacle", min_edge=0.0, min_price=1.01)
CROWD = StrategyRules(method="multiplicative", min_books=2, min_edge=0.0, min_price=1.01)


def test_a_reference_line_is_its_devigged_prices_with_their_provenance():
    prices = line(p=(4.0, 3.6, 2.0), s=(3.8, 3.4, 2.2))
    fair = fair_line(prices, SHARP)
    assert fair.probabilities == dict(zip(OUTCOMES, devig([4.0, 3.6, 2.0], "shin"), strict=True))
    assert (fair.basis, fair.method, fair.used) == (REFERENCE, "shin", {PINNACLE: prices[PINNACLE]})
    assert fair.used[PINNACLE]["Home"].observed_epoch == 1001.0  # the observations themselves


def test_the_consensus_averages_every_complete_book_but_aggregates():
    prices = line(p=(4.0, 3.6, 2.0), s=(3.8, 3.4, 2.2), o=(3.9, 3.5), a=(9.0, 9.0, 9.0))
    fair = fair_line(prices, CROWD, aggregates={AVERAGE})
    books = [devig([4.0, 3.6, 2.0]), devig([3.8, 3.4, 2.2])]  # OTHER lacks Home: incomplete
    averaged = [(a + b) / 2 for a, b in zip(*books, strict=True)]
    assert fair.probabilities == pytest.approx(dict(zip(OUTCOMES, [p / sum(averaged) for p in averaged], strict=True)))
    assert (fair.basis, set(fair.used)) == (CONSENSUS, {PINNACLE, SOFT})


@pytest.mark.parametrize(
    ("prices", "rules", "used", "error"),
    [
        (line(s=(3.8, 3.4, 2.2)), SHARP, set(), ""),  # no reference line
        (line(p=(4.0, 3.6), s=(3.8, 3.4, 2.2)), SHARP, set(), ""),  # an incomplete one
        (line(p=(4.0, 3.6, 1.0), s=(3.8, 3.4, 2.2)), SHARP, {PINNACLE}, "outcome 2: price 1.0 must be above 1.0"),
        (line(p=(4.0, 3.6, 2.0)), CROWD, {PINNACLE}, ""),  # one book, two needed
        (line(p=(4.0, 3.6, 2.0), a=(4.0, 3.6, 2.0)), StrategyRules(reference=AVERAGE), set(), ""),
        ({PINNACLE: {"Home": Observation(1.5, 0)}}, SHARP, set(), ""),  # one outcome: no market
    ],
    ids=["no-reference", "incomplete", "not-devigged", "too-few-books", "aggregate-reference", "one-outcome"],
)
def test_a_line_the_rules_cannot_price_says_what_it_had(prices, rules, used, error):
    fair = fair_line(prices, rules, aggregates={AVERAGE})
    assert not fair
    assert (fair.probabilities, set(fair.used), fair.error) == (None, used, error)
    assert candidates(prices, fair, rules) == []


def test_the_candidates_are_the_prices_with_the_edge_at_books_the_rules_allow():
    prices = line(p=(4.0, 3.6, 2.0), s=(4.3, 3.4, 2.2), o=(4.6, 3.9, 2.05), a=(5.0, 5.0, 5.0))
    rules = StrategyRules(
        method="shin",
        reference=PINNACLE,
        min_edge=0.03,
        min_price=1.01,
        max_price=4.5,
        bookmakers=frozenset({SOFT, OTHER, AVERAGE}),
        kelly_fraction=0.5,
        max_stake_share=0.01,
    )
    fair, found = value_line(prices, rules, aggregates={AVERAGE})
    p = fair.probabilities
    # Pinnacle is the reference, the average no offer; 4.6 is above the maximum price.
    expected = [
        (book, outcome, price)
        for book, outcome, price in [
            (SOFT, "Away", 4.3),
            (SOFT, "Draw", 3.4),
            (SOFT, "Home", 2.2),
            (OTHER, "Draw", 3.9),
            (OTHER, "Home", 2.05),
        ]
        if edge(price, p[outcome]) >= 0.03
    ]
    assert [(c.bookmaker, c.outcome, c.quote.price) for c in found] == expected
    assert expected  # the case has some
    for c in found:
        assert c.quote is prices[c.bookmaker][c.outcome]
        assert c.fair_probability == p[c.outcome]
        assert c.edge == edge(c.quote.price, p[c.outcome])
        assert c.kelly_share == kelly(c.quote.price, p[c.outcome], 0.5, cap=0.01)
    # Knowing the line's best prices and the lowest prices with the edge changes nothing found.
    offers = [q for b, quotes in prices.items() if b != AVERAGE for q in quotes.items()]
    best = {o: max((q for name, q in offers if name == o), key=lambda q: q.price) for o in OUTCOMES}
    lowest = lowest_prices(fair, rules)
    assert candidates(prices, fair, rules, aggregates={AVERAGE}, best=best, lowest=lowest) == found


def test_the_lowest_price_with_the_edge_is_just_under_the_exact_one():
    fair = fair_line(line(p=(2.0, 2.0)), StrategyRules(method="multiplicative", reference=PINNACLE))
    rules = StrategyRules(min_edge=0.02, min_price=1.01)
    assert lowest_prices(fair, rules) == {"Away": pytest.approx(2.04, rel=1e-8), "Draw": pytest.approx(2.04, rel=1e-8)}
    assert lowest_prices(fair, rules)["Away"] < 2.04
    assert [c.quote.price for c in candidates(line(s=(2.04, 2.0)), fair, rules)] == [2.04]  # edge exactly 2%


def test_every_price_has_its_edge_over_the_fair_price_whatever_the_minimum():
    prices = line(p=(4.0, 3.6, 2.0), s=(4.3, 3.4, 2.2), o=(4.6, 3.9))
    fair = fair_line(prices, SHARP)
    p = dict(zip(OUTCOMES, devig([4.0, 3.6, 2.0], "shin"), strict=True))
    assert price_edges(prices, fair) == {
        PINNACLE: {"Away": 4.0 * p["Away"] - 1, "Draw": 3.6 * p["Draw"] - 1, "Home": 2.0 * p["Home"] - 1},
        SOFT: {"Away": 4.3 * p["Away"] - 1, "Draw": 3.4 * p["Draw"] - 1, "Home": 2.2 * p["Home"] - 1},
        OTHER: {"Away": 4.6 * p["Away"] - 1, "Draw": 3.9 * p["Draw"] - 1},
    }
    assert price_edges(line(s=(4.3, 3.4, 2.2)), fair_line(line(s=(4.3, 3.4, 2.2)), SHARP)) == {}  # no fair price


def test_a_books_margin_is_its_inverse_sum_less_one_on_a_line_it_quotes_whole():
    prices = line(p=(4.0, 3.6, 2.0), s=(4.3, 3.4, 2.2), o=(4.6, 3.9))
    assert margins(prices, outcomes=OUTCOMES) == {
        PINNACLE: pytest.approx(1 / 4.0 + 1 / 3.6 + 1 / 2.0 - 1, abs=1e-15),
        SOFT: pytest.approx(1 / 4.3 + 1 / 3.4 + 1 / 2.2 - 1, abs=1e-15),
    }  # OTHER does not quote Home: no margin
    assert margins(line(p=(4.0,)), outcomes=["Away"]) == {}  # one outcome is no market


@pytest.mark.django_db
def test_the_rules_of_a_saved_strategy():
    pinnacle, bet365 = BookmakerFactory(key="pinnacle"), BookmakerFactory(key="bet365")
    strategy = StrategyFactory(
        name="Sharp",
        reference_bookmaker=pinnacle,
        devig_method="power",
        min_edge=Decimal("0.0300"),
        min_price=Decimal("1.500"),
        max_price=Decimal("8.000"),
        markets="h2h,totals",
        kelly_fraction=Decimal("0.500"),
        max_stake_share=Decimal("0.020"),
        bookmakers=[bet365],
    )
    assert StrategyRules.from_strategy(strategy) == StrategyRules(
        method="power",
        reference=pinnacle.pk,
        reference_name="pinnacle",
        min_books=3,
        min_edge=0.03,
        min_price=1.5,
        max_price=8.0,
        markets=frozenset({"h2h", "totals"}),
        bookmakers=frozenset({bet365.pk}),
        kelly_fraction=0.5,
        max_stake_share=0.02,
        min_minutes_before_kickoff=5,
        max_price_age_minutes=180,
        name="Sharp",
    )


@pytest.fixture
def saved_strategy(request, db):
    Strategy.objects.all().delete()
    LedgerEntryFactory(amount=Decimal("1000.00"))
    reference = BookmakerFactory(pinnacle=True) if request.param == REFERENCE else None
    return StrategyFactory(
        name=request.param,
        reference_bookmaker=reference,
        devig_method="shin" if reference else "multiplicative",
        min_books=2,
        min_edge=Decimal("-1"),  # every price: each outcome is an opportunity and a backtest bet
        min_price=Decimal("1.010"),
    )


@pytest.mark.parametrize("saved_strategy", [REFERENCE, CONSENSUS], indirect=True)
def test_detection_a_backtest_and_a_bets_clv_record_the_same_fair_probabilities(saved_strategy):
    kickoff = NOW + timedelta(days=1)
    prices = {
        "pinnacle": {"H": 2.00, "D": 3.60, "A": 4.00},
        "bet365": {"H": 2.10, "D": 3.40, "A": 3.80},
        "williamhill": {"H": 2.05, "D": 3.50, "A": 3.70},
    }
    event = h2h_event("one-line", prices, kickoff=kickoff, observed_at=NOW - timedelta(hours=1))
    by_name = {"Home": "H", "Draw": "D", "Away": "A"}
    if saved_strategy.reference_bookmaker_id:
        expected = dict(zip(OUTCOMES, devig([prices["pinnacle"][by_name[o]] for o in OUTCOMES], "shin"), strict=True))
    else:
        books = [devig([book[by_name[o]] for o in OUTCOMES], "multiplicative") for book in prices.values()]
        averaged = [sum(b[i] for b in books) / len(books) for i in range(3)]
        expected = {o: p / sum(averaged) for o, p in zip(OUTCOMES, averaged, strict=True)}

    def stored(probability: float) -> Decimal:
        return Decimal(repr(probability)).quantize(Decimal("0.000001"), ROUND_HALF_UP)

    with time_machine.travel(NOW, tick=False):
        detect(now=NOW)
        opportunities = {o.outcome: o for o in Opportunity.objects.filter(bookmaker__key="bet365")}
        bets = {
            outcome: place_bet(
                bet=BetInputFactory(
                    event=event, outcome=outcome, price=str(opportunity.price), opportunity_id=opportunity.pk
                )
            )
            for outcome, opportunity in opportunities.items()
        }
    seen_again(event, kickoff - timedelta(minutes=10))  # the last collection before kick-off
    with time_machine.travel(kickoff + timedelta(minutes=1), tick=False):
        settle_pending()  # records each bet's closing line
    Event.objects.filter(pk=event.pk).update(completed=True, home_score=2, away_score=1)
    report = run_backtest(
        rules=BacktestRules.for_strategy(saved_strategy, lead=timedelta(hours=12)), events=Event.objects.all()
    )
    backtest = {b.outcome: b.fair_probability for b in report.bets}
    replayed = {b.outcome: b for b in report.bets}

    assert set(opportunities) == set(backtest) == set(OUTCOMES)
    for outcome in OUTCOMES:
        bet = bets[outcome]
        bet.refresh_from_db()
        assert backtest[outcome] == pytest.approx(expected[outcome], abs=1e-12)
        assert opportunities[outcome].fair_probability == stored(backtest[outcome])
        assert bet.closing_fair_probability == stored(backtest[outcome])
        assert bet.closing_note == ""
        assert bet.clv == (bet.price * bet.closing_fair_probability - 1).quantize(Decimal("0.00001"))
        # The backtest's close of the same line, under every method, is the bet's: CLV = price * p - 1.
        close = replayed[outcome]
        assert stored((close.clv + 1) / close.price) == bet.closing_fair_probability
        assert set(close.clv_by_method) == set(METHODS)
        for method, clv_of_method in close.clv_by_method.items():
            probability = Decimal(bet.closing_provenance["fair"][method][outcome])
            assert stored((clv_of_method + 1) / close.price) == probability
            assert getattr(bet, f"clv_{method}") == (bet.price * probability - 1).quantize(Decimal("0.00001"))


def test_a_best_scoring_strategy_devigs_each_line_by_its_calibrated_method():
    note = "power: lowest log loss on pinnacle's closing prices"
    rules = StrategyRules(method=BEST, reference=PINNACLE, best_methods={(7, "h2h"): ("power", note)})
    prices = line(p=(4.0, 3.6, 2.0))
    fair = fair_line(prices, rules, sport=7, market="h2h")
    assert (fair.method, fair.note) == ("power", note)
    assert list(fair.probabilities.values()) == pytest.approx(devig([4.0, 3.6, 2.0], "power"), abs=1e-15)
    for sport, market in [(8, "h2h"), (7, "totals"), (None, None)]:
        elsewhere = fair_line(prices, rules, sport=sport, market=market)
        assert elsewhere.method == "multiplicative"
        assert elsewhere.note == f"no calibration stored for this sport and {market}: multiplicative"
        assert list(elsewhere.probabilities.values()) == pytest.approx(devig([4.0, 3.6, 2.0]), abs=1e-15)


@pytest.mark.django_db
def test_a_saved_best_scoring_strategy_reads_its_references_latest_calibration():
    pinnacle, bet365 = BookmakerFactory(pinnacle=True), BookmakerFactory(key="bet365")
    epl = SportFactory(key="soccer_epl")
    CalibrationFactory(sport=epl, reference=pinnacle, at="opening", events=500, best="shin")
    CalibrationFactory(sport=epl, reference=pinnacle, events=300, best="odds_ratio")  # closing before opening
    CalibrationFactory(
        sport=epl, reference=pinnacle, market="totals", point=Decimal("2.5"), events=300, best="additive"
    )
    CalibrationFactory(sport=epl, reference=pinnacle, market="totals", point=Decimal("3.5"), events=200)  # fewer
    CalibrationFactory(sport=epl, reference=bet365, events=900, best="multiplicative")  # another reference's
    rules = StrategyRules.from_strategy(StrategyFactory(reference_bookmaker=pinnacle, devig_method=BEST))
    assert rules.method_for(epl.pk, "h2h") == (
        "odds_ratio",
        "odds_ratio: lowest log loss on pinnacle's closing prices, h2h, 300 events (calibrated 2026-11-24)",
    )
    assert rules.method_for(epl.pk, "totals")[0] == "additive"
    assert rules.method_for(epl.pk, "spreads")[0] == "multiplicative"
    consensus = StrategyFactory(devig_method=BEST, min_books=2)
    assert StrategyRules.from_strategy(consensus).method_for(epl.pk, "h2h")[0] == "multiplicative"  # bet365's 900


@pytest.mark.django_db
def test_detection_a_backtest_and_a_bets_clv_use_the_calibrated_method():
    LedgerEntryFactory()
    Strategy.objects.all().delete()
    strategy = StrategyFactory(
        pinnacle=True, devig_method=BEST, min_edge=Decimal("-1"), min_price=Decimal("1.010"), max_price_age_minutes=180
    )
    kickoff = NOW + timedelta(days=1)
    prices = {"pinnacle": {"H": 2.00, "D": 3.60, "A": 4.00}, "bet365": {"H": 2.10, "D": 3.40, "A": 3.80}}
    event = h2h_event("calibrated", prices, kickoff=kickoff, observed_at=NOW - timedelta(hours=1))
    CalibrationFactory(sport=event.sport, reference=strategy.reference_bookmaker, best="power")
    by_name = {"Home": "H", "Draw": "D", "Away": "A"}
    power = dict(zip(OUTCOMES, devig([prices["pinnacle"][by_name[o]] for o in OUTCOMES], "power"), strict=True))
    with time_machine.travel(NOW, tick=False):
        detect(now=NOW)
        opportunities = {o.outcome: o for o in Opportunity.objects.filter(bookmaker__key="bet365")}
        bet = place_bet(bet=BetInputFactory(event=event, opportunity_id=opportunities["Home"].pk))
    seen_again(event, kickoff - timedelta(minutes=10))  # the last collection before kick-off
    with time_machine.travel(kickoff + timedelta(minutes=1), tick=False):
        settle_pending()
    Event.objects.filter(pk=event.pk).update(completed=True, home_score=2, away_score=1)
    replay = BacktestRules.for_strategy(strategy, lead=timedelta(hours=12))
    report = run_backtest(rules=replay, events=Event.objects.all())
    bet.refresh_from_db()
    stored = {o: Decimal(repr(p)).quantize(Decimal("0.000001"), ROUND_HALF_UP) for o, p in power.items()}
    assert {o: opp.fair_probability for o, opp in opportunities.items()} == stored
    assert {b.outcome: b.fair_probability for b in report.bets} == pytest.approx(power, abs=1e-12)
    assert bet.closing_fair_probability == stored["Home"]
    assert (bet.closing_method, bet.clv) == ("power", bet.clv_power)  # the headline: the method it resolved to
