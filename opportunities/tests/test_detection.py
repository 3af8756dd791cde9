import os
import random
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from bets.tests.factories import LedgerEntryFactory
from devtools.testing import database_url
from odds.models import Bookmaker, Price
from odds.tests.factories import BookmakerFactory, SportFactory
from opportunities.detection import detect, find
from opportunities.models import Opportunity, Strategy, Surebet
from opportunities.pricing import devig, edge, kelly
from opportunities.tests.factories import NOW, StrategyFactory, event_with, h2h_event, quotes
from opportunities.valuation import BookTerms, StrategyRules, fair_line
from ops.timescale import PLAIN, active_path

pytestmark = pytest.mark.django_db


@pytest.fixture
def strategy():
    """The only strategy: Pinnacle's prices devigged multiplicatively, a 2% edge, a quarter Kelly
    capped at 5% of a bankroll of 1000.00."""
    Strategy.objects.all().delete()
    LedgerEntryFactory(amount=Decimal("1000.00"))
    return StrategyFactory(
        pinnacle=True, min_edge=Decimal("0.02"), kelly_fraction=Decimal("0.25"), max_stake_share=Decimal("0.05")
    )


def totals_event(provider_id="t1", *, soft_over=2.20, **kwargs):
    prices = {"pinnacle": {"Over": 2.00, "Under": 2.00}, "bet365": {"Over": soft_over, "Under": 1.70}}
    return event_with(provider_id, quotes("Home", prices, market="totals", point=2.5), **kwargs)


def test_a_price_above_the_fair_price_is_an_opportunity_with_its_kelly_stake(strategy):
    event = totals_event()
    result = detect(now=NOW)
    assert len(result.created) == 1
    opportunity = Opportunity.objects.get()
    assert (opportunity.event_id, opportunity.market, opportunity.outcome, opportunity.point) == (
        event.pk,
        "totals",
        "Over",
        Decimal("2.50"),
    )
    assert opportunity.price == Decimal("2.200")
    assert opportunity.fair_probability == Decimal("0.500000")
    assert opportunity.fair_price == Decimal("2.000")
    assert opportunity.edge == Decimal("0.10000")
    # Full Kelly (1.2 * 0.5 - 0.5) / 1.2 = 1/12; a quarter of it on a bankroll of 1000.
    assert opportunity.kelly_share == Decimal("0.02083")
    assert opportunity.suggested_stake == Decimal("20.83")
    assert opportunity.strategy == strategy
    assert opportunity.expired_at is None


def test_seen_again_updates_instead_of_duplicating(strategy):
    totals_event()
    detect(now=NOW)
    event_with(
        "t1",
        quotes(
            "Home",
            {"bet365": {"Over": 2.30, "Under": 1.65}},
            market="totals",
            point=2.5,
            observed_at=NOW + timedelta(minutes=5),
        ),
        collected_at=NOW + timedelta(minutes=5),
    )
    result = detect(now=NOW + timedelta(minutes=5))
    assert (len(result.created), result.updated, result.expired) == (0, 1, 0)
    opportunity = Opportunity.objects.get()
    assert (opportunity.price, opportunity.edge) == (Decimal("2.300"), Decimal("0.15000"))
    assert opportunity.detected_at == NOW
    assert opportunity.last_seen_at == NOW + timedelta(minutes=5)


def test_seen_again_unchanged_moves_only_its_last_seen_time_until_the_bankroll_moves_its_stake(strategy):
    totals_event()
    detect(now=NOW)
    first = Opportunity.objects.values().get()
    result = detect(now=NOW + timedelta(minutes=1))
    assert (len(result.created), result.updated, result.expired) == (0, 1, 0)
    again = Opportunity.objects.values().get()
    assert again == {**first, "last_seen_at": NOW + timedelta(minutes=1)}

    LedgerEntryFactory(amount=Decimal("1000.00"), at=NOW)  # 2000 x 0.02083
    detect(now=NOW + timedelta(minutes=2))
    doubled = Opportunity.objects.values().get()
    assert doubled == {**first, "suggested_stake": Decimal("41.66"), "last_seen_at": NOW + timedelta(minutes=2)}


def test_a_pass_after_a_collection_looks_only_at_its_events(strategy):
    first, second = totals_event("t1"), totals_event("t2")
    detect(now=NOW)
    later = NOW + timedelta(minutes=5)
    for provider_id in ("t1", "t2"):  # both lose their edge, only t1's collection chains a pass
        event_with(
            provider_id,
            quotes("Home", {"bet365": {"Over": 1.95, "Under": 1.80}}, market="totals", point=2.5, observed_at=later),
            collected_at=later,
        )
    result = detect(event_ids=[first.pk], now=later)
    assert (result.events, result.prices, result.expired) == (1, 4, 1)
    assert set(Opportunity.objects.active().values_list("event_id", flat=True)) == {second.pk}
    assert detect(event_ids=[second.pk], now=later).expired == 1


def test_it_expires_when_the_edge_disappears(strategy):
    totals_event()
    detect(now=NOW)
    later = NOW + timedelta(minutes=5)
    event_with(
        "t1",
        quotes("Home", {"bet365": {"Over": 1.95, "Under": 1.80}}, market="totals", point=2.5, observed_at=later),
        collected_at=later,
    )
    result = detect(now=later)
    assert result.expired == 1
    assert Opportunity.objects.get().expired_at == later
    assert not Opportunity.objects.active().exists()


def test_it_expires_when_the_event_starts(strategy):
    event = totals_event()
    detect(now=NOW)
    detect(now=event.commence_time + timedelta(minutes=1))
    assert not Opportunity.objects.active().exists()


def test_consensus_needs_enough_books(strategy):
    strategy.reference_bookmaker = None
    strategy.min_books = 3
    strategy.save()
    two_books = {"b1": {"H": 2.0, "D": 3.5, "A": 4.0}, "soft": {"H": 2.6, "D": 3.0, "A": 3.0}}
    h2h_event("c1", two_books)
    assert detect(now=NOW).created == []
    h2h_event("c1", {"b2": {"H": 1.95, "D": 3.6, "A": 4.1}})
    detect(now=NOW)
    # Every complete book's devigged probabilities, averaged; outcomes in name order (Away, Draw, Home).
    books = [[4.0, 3.5, 2.0], [3.0, 3.0, 2.6], [4.1, 3.6, 1.95]]
    probabilities = [devig(b, "multiplicative") for b in books]
    averaged = [sum(p[i] for p in probabilities) / 3 for i in range(3)]
    fair_home = averaged[2] / sum(averaged)
    home = Opportunity.objects.get(outcome="Home")
    assert home.bookmaker.key == "soft"
    assert home.fair_probability == Decimal(repr(fair_home)).quantize(Decimal("0.000001"))
    assert home.edge == Decimal(repr(2.6 * fair_home - 1)).quantize(Decimal("0.00001"))


def test_price_range_markets_sports_and_books_are_respected(strategy):
    totals_event()
    strategy.max_price = Decimal("2.100")
    strategy.save()
    assert detect(now=NOW).created == []
    strategy.max_price = Decimal("15")
    strategy.markets = "h2h"
    strategy.save()
    assert detect(now=NOW).created == []
    strategy.markets = "totals"
    strategy.save()
    strategy.sports.set([SportFactory(key="tennis_atp")])
    assert detect(now=NOW).created == []
    strategy.sports.clear()
    strategy.bookmakers.set([BookmakerFactory(key="williamhill")])
    assert detect(now=NOW).created == []
    strategy.bookmakers.set([Bookmaker.objects.get(key="bet365")])
    assert len(detect(now=NOW).created) == 1


def test_minimum_time_before_kick_off_and_stale_collections(strategy):
    totals_event(kickoff=NOW + timedelta(minutes=3))
    assert detect(now=NOW).created == []  # 5 minutes needed by default
    totals_event("t2", collected_at=NOW - timedelta(hours=2))
    assert detect(now=NOW).created == []  # collected 2 h ago, 60 min allowed
    strategy.max_price_age_minutes = 180
    strategy.save()
    assert len(detect(now=NOW).created) == 1


def test_the_devig_method_changes_the_fair_price(strategy):
    h2h_event("m1", {"pinnacle": {"H": 1.30, "D": 5.5, "A": 11.0}, "bet365": {"H": 1.30, "D": 5.0, "A": 14.0}})
    detect(now=NOW)
    multiplicative = Opportunity.objects.get(outcome="Away").fair_probability
    strategy.devig_method = "shin"
    strategy.save()
    Opportunity.objects.all().delete()
    detect(now=NOW)
    shin = Opportunity.objects.get(outcome="Away").fair_probability
    assert shin < multiplicative  # Shin takes more margin from the long shot
    assert shin == Decimal(repr(devig([11.0, 5.5, 1.30], "shin")[0])).quantize(Decimal("0.000001"))


def test_surebets_across_bookmakers(strategy):
    event_with(
        "s1",
        quotes(
            "Home",
            {"b1": {"Over": 2.10, "Under": 1.80}, "b2": {"Over": 1.80, "Under": 2.10}},
            market="totals",
            point=2.5,
        ),
    )
    result = detect(now=NOW)
    assert result.surebets == 1
    surebet = Surebet.objects.get()
    assert surebet.locked_return == Decimal("0.05000")
    assert [(leg["outcome"], leg["price"], leg["stake_share"]) for leg in surebet.legs] == [
        ("Over", "2.100", 0.5),
        ("Under", "2.100", 0.5),
    ]
    assert detect(now=NOW).surebets == 1
    assert Surebet.objects.count() == 1


def test_surebets_seen_again_are_updated_in_place(strategy):
    for number in range(60):
        prices = {"b1": {"Over": 2.10, "Under": 1.80}, "b2": {"Over": 1.80, "Under": 2.10}}
        event_with(f"s{number}", quotes("Home", prices, market="totals", point=2.5))
    assert detect(now=NOW).surebets == 60
    ids = set(Surebet.objects.values_list("pk", flat=True))
    detect(now=NOW + timedelta(minutes=1))
    assert set(Surebet.objects.values_list("pk", flat=True)) == ids
    assert Surebet.objects.filter(last_seen_at=NOW + timedelta(minutes=1)).count() == 60


def test_a_surebet_follows_its_prices_until_they_no_longer_lock_a_profit(strategy):
    def totals(over: float, under: float, minutes: int) -> None:
        prices = {"b1": {"Over": over, "Under": 1.80}, "b2": {"Over": 1.80, "Under": under}}
        at = NOW + timedelta(minutes=minutes)
        event_with("s1", quotes("Home", prices, market="totals", point=2.5, observed_at=at), collected_at=at)

    totals(2.10, 2.10, 0)
    detect(now=NOW)
    first = Surebet.objects.get()
    detect(now=NOW + timedelta(minutes=1))  # nothing moved: the same legs, seen again
    again = Surebet.objects.get()
    assert (again.legs, again.locked_return, again.detected_at) == (first.legs, first.locked_return, first.detected_at)
    assert again.last_seen_at == NOW + timedelta(minutes=1)

    totals(2.20, 2.10, 2)  # b1's Over moves: the same surebet, new legs and return
    detect(now=NOW + timedelta(minutes=2))
    moved = Surebet.objects.get()
    assert moved.pk == first.pk
    assert [(leg["outcome"], leg["bookmaker_id"], leg["price"]) for leg in moved.legs] == [
        ("Over", first.legs[0]["bookmaker_id"], "2.200"),
        ("Under", first.legs[1]["bookmaker_id"], "2.100"),
    ]
    assert moved.locked_return == Decimal(repr(1 / (1 / 2.2 + 1 / 2.1) - 1)).quantize(Decimal("0.00001"))
    assert moved.expired_at is None

    totals(1.90, 1.90, 3)  # no profit left to lock
    assert detect(now=NOW + timedelta(minutes=3)).surebets == 0
    assert Surebet.objects.get().expired_at == NOW + timedelta(minutes=3)


def test_the_pass_reads_prices_in_a_constant_number_of_queries(strategy, django_assert_num_queries):
    for i in range(3):
        totals_event(f"a{i}")
    detect(now=NOW)
    for i in range(3, 5):
        totals_event(f"a{i}")
    with django_assert_num_queries(21) as small:  # 3 seen again, 2 new (and the bookmakers' terms)
        detect(now=NOW)
    for i in range(5, 40):
        totals_event(f"a{i}")
    with django_assert_num_queries(len(small.captured_queries)):  # 5 seen again, 35 new
        detect(now=NOW + timedelta(seconds=1))
    assert Opportunity.objects.active().count() == 40


def test_kelly_fraction_and_the_stake_cap(strategy):
    totals_event()
    strategy.kelly_fraction = Decimal("1.000")
    strategy.max_stake_share = Decimal("0.010")
    strategy.save()
    detect(now=NOW)
    opportunity = Opportunity.objects.get()
    # Full Kelly would be 1/12 of the bankroll; the cap keeps it at 1%.
    assert (opportunity.kelly_share, opportunity.suggested_stake) == (Decimal("0.01000"), Decimal("10.00"))


def random_market(seed: int, events: int = 25) -> None:
    """Lines priced by ten bookmakers (one an aggregate) with random margins: some books skip an
    outcome, some lines are underround at the reference, some across books lock a profit."""
    rng = random.Random(seed)
    books = ["pinnacle", "betfair_ex_eu", "market_max", *(f"b{i}" for i in range(7))]
    for e in range(events):
        made = []
        for market, point, outcomes in (
            ("h2h", 0, ["Home", "Draw", "Away"]),
            ("totals", 2.5, ["Over", "Under"]),
            ("spreads", -0.5, ["Home", "Away"]),
        ):
            chances = [rng.uniform(0.5, 3) for _ in outcomes]
            chances = [c / sum(chances) for c in chances]
            prices = {}
            for book in books:
                margin = rng.uniform(0.97, 1.10)
                kept = [o for o in outcomes if rng.random() > 0.08]
                prices[book] = {
                    o: round(max(1.01, 1 / (p * margin) * rng.uniform(0.96, 1.04)), 2)
                    for o, p in zip(outcomes, chances, strict=True)
                    if o in kept
                }
            made += quotes("Home", prices, market=market, point=point)
        event_with(f"r{seed}-{e}", made)


def test_reading_only_the_prices_with_an_edge_finds_what_reading_every_price_finds(strategy):
    random_market(3)
    betfair = Bookmaker.objects.get(key="betfair_ex_eu")
    StrategyFactory(name="Exchange, power", reference_bookmaker=betfair, devig_method="power", min_edge=Decimal("0"))
    StrategyFactory(
        name="Pinnacle, odds ratio, some books",
        reference_bookmaker=strategy.reference_bookmaker,
        devig_method="odds_ratio",
        min_edge=Decimal("0.05"),
        max_price=Decimal("4.00"),
        markets="h2h,totals",
        bookmakers=Bookmaker.objects.filter(key__in=["b1", "b2", "betfair_ex_eu"]),
    )
    strategies = list(Strategy.objects.select_related("reference_bookmaker").prefetch_related("sports", "bookmakers"))

    def found(read_all: bool, event_ids: list[int] | None = None) -> tuple:
        groups, count, candidates = find(strategies, now=NOW, read_all=read_all, event_ids=event_ids)
        lines = {(g.event_id, g.market, g.line): g for g in groups}
        tops = {key: {o: q.price for o, q in g.top.items()} for key, g in lines.items()}
        outcomes = {key: g.outcomes for key, g in lines.items()}
        opportunities = sorted(
            (
                c.strategy.pk,
                c.quote.selection_id,
                c.quote.bookmaker_id,
                c.quote.price,
                c.quote.observed_epoch,
                c.fair_probability,
                c.edge,
                c.kelly_share,
            )
            for c in candidates
        )
        return count, outcomes, tops, opportunities, lines

    count, outcomes, tops, opportunities, lines = found(read_all=False)
    assert (count, outcomes, tops, opportunities) == found(read_all=True)[:4]
    some = sorted({key[0] for key in lines})[::3]  # a pass after a collection of some events
    assert found(read_all=False, event_ids=some)[:4] == found(read_all=True, event_ids=some)[:4]
    assert {key[0] for key in found(read_all=False, event_ids=some)[4]} == set(some)
    assert count == Price.objects.count()  # every price counted
    assert {o[0] for o in opportunities} == {s.pk for s in strategies}  # each strategy found some
    assert len(opportunities) > 30
    # Every bookmaker price with the edge, found by looking at each of them: what both ways find.
    full = found(read_all=True)[4]
    looked_at = []
    for s in strategies:
        allowed = {b.pk for b in s.bookmakers.all()}
        rules = StrategyRules.from_strategy(s, terms=BookTerms.stored())
        for group in full.values():
            fair = None
            if group.market in s.market_list:
                priced = fair_line(group.by_book, rules, outcomes=group.outcomes, aggregates=group.aggregates)
                fair = priced.probabilities
            for book, prices in group.by_book.items() if fair else ():
                if book == s.reference_bookmaker_id or book in group.aggregates or (allowed and book not in allowed):
                    continue
                for outcome, q in prices.items():
                    net = rules.net_price(book, q.price)  # the exchange's price net of its 5% commission
                    value = edge(net, fair[outcome])
                    if value >= float(s.min_edge) and float(s.min_price) <= q.price <= float(s.max_price):
                        share = kelly(net, fair[outcome], float(s.kelly_fraction), cap=float(s.max_stake_share))
                        looked_at.append(
                            (s.pk, q.selection_id, book, q.price, q.observed_epoch, fair[outcome], value, share)
                        )
    assert opportunities == sorted(looked_at)
    # Among equal best (net) prices, the lowest bookmaker id: stable from one pass to the next.
    net_of = StrategyRules.from_strategy(strategy, terms=BookTerms.stored()).net_price
    for key, group in lines.items():
        for outcome, top in group.top.items():
            best = max(
                net_of(b, q[outcome].price)
                for b, q in full[key].by_book.items()
                if outcome in q and b not in full[key].aggregates
            )
            equal = [
                book
                for book, q in full[key].by_book.items()
                if book not in full[key].aggregates and outcome in q and net_of(book, q[outcome].price) == best
            ]
            assert top.bookmaker_id == min(equal)
    surebets = [
        key
        for key, group in lines.items()
        if len(group.top) == len(outcomes[key])
        and sum(1 / net_of(q.bookmaker_id, q.price) for q in group.top.values()) < 1
    ]
    assert surebets  # the market has some, found the same way
    pinnacle = strategy.reference_bookmaker_id
    underround = [
        key
        for key, group in lines.items()
        if len(group.by_book[pinnacle]) == len(group.outcomes)
        and sum(1 / q.price for q in group.by_book[pinnacle].values()) < 1
    ]
    assert underround  # lines where the reference's own prices lock a profit are priced alike


def test_the_database_refuses_a_second_active_opportunity_for_one_key(strategy):
    totals_event()
    detect(now=NOW)
    copy = Opportunity.objects.get()
    copy.pk = None
    if active_path(connection) == PLAIN:
        with pytest.raises(IntegrityError), transaction.atomic():
            copy.save()
    else:  # a hypertable's unique index must contain detected_at: detection's lock keeps the rule there
        copy.expired_at = NOW
        copy.save()
    detect(now=NOW + timedelta(minutes=1))
    assert Opportunity.objects.active().count() == 1


@pytest.mark.django_db(transaction=True)
def test_passes_in_two_processes_at_once_keep_one_active_opportunity_per_key(strategy):
    for number in range(20):
        totals_event(f"c{number}")
    code = (
        "import django; django.setup(); from opportunities.detection import detect; "
        "from opportunities.tests.factories import NOW; detect(now=NOW)"
    )
    env = {**os.environ, "DATABASE_URL": database_url(connection.settings_dict), "PYTHONPATH": os.getcwd()}
    passes = [subprocess.Popen([sys.executable, "-c", code], env=env) for _ in range(2)]
    assert [p.wait(timeout=120) for p in passes] == [0, 0]
    assert Opportunity.objects.active().count() == Opportunity.objects.count() == 20
