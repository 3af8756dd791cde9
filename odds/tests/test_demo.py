from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from odds.demo import BOOKS, fixtures, run_demo, snapshot_at, true_probabilities
from odds.models import Event, PriceHistory

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def test_same_seed_same_market():
    assert snapshot_at(NOW, 7).events == snapshot_at(NOW, 7).events
    assert snapshot_at(NOW, 7).events != snapshot_at(NOW, 8).events


def test_true_probabilities_are_consistent():
    p = true_probabilities(1.6, 1.1)
    assert p[("h2h", "home")] + p[("h2h", "draw")] + p[("h2h", "away")] == pytest.approx(1.0)
    assert p[("totals", "Over")] + p[("totals", "Under")] == pytest.approx(1.0)
    assert p[("h2h", "home")] > p[("h2h", "away")]
    assert p[("spreads", "home")] == p[("h2h", "home")]  # home -0.5 wins exactly when home wins


def test_books_have_the_margins_they_claim():
    snapshot = snapshot_at(NOW, 7)
    event = next(e for e in snapshot.events if e.quotes)
    for book in BOOKS:
        h2h = [q.price for q in event.quotes if q.bookmaker == book.key and q.market == "h2h"]
        overround = sum(1 / float(p) for p in h2h) - 1
        assert overround == pytest.approx(book.margin, abs=0.04), book.key


def test_soft_books_lag_so_value_appears():
    """Somewhere in a day of snapshots a soft book beats the sharp fair price."""
    beaten = 0
    for hours in range(0, 24, 2):
        snapshot = snapshot_at(NOW + timedelta(hours=hours), 7)
        for event in snapshot.events:
            sharp = {q.outcome: q.price for q in event.quotes if q.bookmaker == "pinnacle" and q.market == "h2h"}
            if len(sharp) != 3:
                continue
            total = sum(1 / float(p) for p in sharp.values())
            for q in event.quotes:
                if q.market == "h2h" and q.bookmaker in {"bet365", "williamhill", "sport888", "unibet_eu"}:
                    beaten += float(q.price) * (1 / float(sharp[q.outcome]) / total) > 1.02
    assert beaten > 0


def test_matches_finish_with_a_result():
    old = fixtures(NOW - timedelta(hours=25), NOW - timedelta(hours=3), 7)
    snapshot = snapshot_at(NOW, 7)
    finished = [e for e in snapshot.events if e.completed]
    assert finished
    assert {e.provider_id for e in finished} >= {m.provider_id for m in old}
    assert all(e.home_score is not None and not e.quotes for e in finished)


@pytest.mark.django_db
def test_the_demo_goes_through_ingestion_and_is_idempotent():
    first = run_demo(now=NOW, backfill=timedelta(hours=6))
    assert first.history_written > 0
    rows = PriceHistory.objects.count()
    again = run_demo(now=NOW, backfill=timedelta(hours=6))
    assert again.history_written == 0
    assert PriceHistory.objects.count() == rows
    assert Event.objects.filter(source="demo", completed=True).exists()
    assert not Event.objects.exclude(source="demo").exists()


def test_the_exchange_lays_every_match_result_around_the_fair_price_with_amounts_on_offer():
    [exchange] = [book for book in BOOKS if book.exchange]
    event = next(e for e in snapshot_at(NOW, 7).events if e.quotes)
    back = {q.outcome: q for q in event.quotes if q.bookmaker == exchange.key and q.market == "h2h"}
    lay = {q.outcome: q for q in event.quotes if q.bookmaker == exchange.key and q.market == "h2h_lay"}
    assert set(lay) == set(back) == {event.home_team, "Draw", event.away_team}
    for outcome, laid in lay.items():
        assert laid.price > back[outcome].price  # a lay price above the back price, never crossed
        assert laid.point == laid.line == 0
        assert laid.available is not None
        assert back[outcome].available is not None
        assert laid.available > 0
    # The back prices carry the margin one way, the lay prices the other: 1.02 and 0.98 or so.
    assert sum(1 / float(q.price) for q in back.values()) == pytest.approx(1 + exchange.margin, abs=0.02)
    assert sum(1 / float(q.price) for q in lay.values()) == pytest.approx(1 - exchange.margin, abs=0.02)
    others = [q for q in event.quotes if q.bookmaker != exchange.key]
    assert {q.market for q in others} == {"h2h", "spreads", "totals"}
    assert all(q.available is None for q in others)


@pytest.mark.django_db
def test_the_demo_exchange_takes_betfairs_commission_and_its_lay_prices_are_stored():
    from odds.models import Bookmaker, Price

    run_demo(now=NOW)
    assert Bookmaker.objects.values_list("is_exchange", "commission").get(key="betfair_ex_eu") == (
        True,
        Decimal("0.0500"),
    )
    lays = Price.objects.filter(selection__market="h2h_lay")
    assert lays.exists()
    assert not lays.exclude(bookmaker__key="betfair_ex_eu").exists()
    assert not lays.filter(available__isnull=True).exists()
