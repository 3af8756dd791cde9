from datetime import UTC, datetime
from decimal import Decimal

import pytest

from odds.ingest import ZERO, EventOdds, Quote, Snapshot, ingest_snapshot
from odds.models import H2H, Bookmaker, Event, Price, PriceHistory, Selection
from odds.providers.odds_api import parse_odds

pytestmark = pytest.mark.django_db


def count_prices(payload) -> int:
    return sum(
        len(m["outcomes"])
        for e in payload
        for b in e["bookmakers"]
        for m in b["markets"]
        if m["key"] in {"h2h", "spreads", "totals", "h2h_lay"}
    )


def test_a_real_response_is_ingested_whole(epl_jan15):
    result = ingest_snapshot(snapshot=parse_odds(epl_jan15))
    assert result.events == len(epl_jan15) == 15
    assert result.prices_seen == count_prices(epl_jan15) == 842  # 57 of them the exchanges' lay prices
    assert result.history_written == 842
    assert Price.objects.count() == 842
    assert PriceHistory.objects.count() == 842
    assert result.rejected == []


def test_reingesting_the_same_response_writes_nothing(epl_jan15, django_assert_max_num_queries):
    ingest_snapshot(snapshot=parse_odds(epl_jan15))
    again = ingest_snapshot(snapshot=parse_odds(epl_jan15))
    assert (again.history_written, again.current_updated) == (0, 0)
    assert PriceHistory.objects.count() == 842
    assert Event.objects.count() == 15


def test_ingest_is_set_based_whatever_the_size(epl_jan15, django_assert_max_num_queries):
    # Sports, bookmakers (2 each at most), events (3: those a later collection wrote, the upsert, the
    # results), then a fixed number of statements for the prices.
    with django_assert_max_num_queries(26):
        ingest_snapshot(snapshot=parse_odds(epl_jan15))


def test_a_later_snapshot_writes_only_the_changes(epl_jan15, epl_jan30):
    ingest_snapshot(snapshot=parse_odds(epl_jan15))
    before = {(p.selection_id, p.bookmaker_id): p.price for p in Price.objects.all()}
    later = parse_odds(epl_jan30)
    result = ingest_snapshot(snapshot=later)
    changed_or_new = 0
    for event in later.events:
        for q in event.quotes:
            selection = Selection.objects.filter(
                event__provider_id=event.provider_id, market=q.market, outcome=q.outcome, point=q.point
            ).first()
            bookmaker = Bookmaker.objects.get(key=q.bookmaker)
            old = before.get((selection.pk, bookmaker.pk)) if selection else None
            changed_or_new += old is None or old != q.price
    assert result.history_written == changed_or_new
    assert 0 < result.history_written < result.prices_seen


def test_current_price_is_the_latest_and_history_keeps_both(epl_jan15):
    snapshot = parse_odds(epl_jan15)
    event = snapshot.events[0]
    quote = event.quotes[0]
    later = datetime(2030, 1, 1, tzinfo=UTC)
    moved = Quote(
        quote.bookmaker, quote.market, quote.outcome, quote.point, quote.line, quote.price + Decimal("0.250"), later
    )
    ingest_snapshot(snapshot=snapshot)
    ingest_snapshot(snapshot=Snapshot(events=[EventOdds(**{**event.__dict__, "quotes": [moved]})]))
    current = Price.objects.get(
        selection__event__provider_id=event.provider_id,
        selection__market=quote.market,
        selection__outcome=quote.outcome,
        bookmaker__key=quote.bookmaker,
    )
    assert (current.price, current.observed_at) == (quote.price + Decimal("0.250"), later)
    history = PriceHistory.objects.filter(selection_id=current.selection_id, bookmaker_id=current.bookmaker_id)
    assert list(history.order_by("observed_at").values_list("price", flat=True)) == [quote.price, moved.price]


def test_an_older_snapshot_goes_to_history_but_not_to_the_current_price(epl_jan15, epl_jan30):
    ingest_snapshot(snapshot=parse_odds(epl_jan30))
    current_before = dict(Price.objects.values_list("pk", "price"))
    history_before = PriceHistory.objects.count()
    result = ingest_snapshot(snapshot=parse_odds(epl_jan15))
    overlapping = {p.pk: p.price for p in Price.objects.filter(pk__in=list(current_before))}
    assert overlapping == current_before
    assert result.history_written > 0
    assert PriceHistory.objects.count() == history_before + result.history_written


def test_a_quote_that_cannot_be_stored_is_rejected_alone():
    now = datetime(2026, 11, 1, tzinfo=UTC)
    good = EventOdds(
        source="odds_api",
        provider_id="a" * 32,
        sport_key="soccer_epl",
        home_team="A",
        away_team="B",
        commence_time=now,
        quotes=[Quote("pinnacle", H2H, "A", ZERO, ZERO, Decimal("2.000"), now)],
    )
    bad = EventOdds(
        source="odds_api",
        provider_id="b" * 32,
        sport_key="soccer_epl",
        home_team="C",
        away_team="D",
        commence_time=now,
        quotes=[Quote("pinnacle", H2H, "x" * 200, ZERO, ZERO, Decimal("2.000"), now)],
    )
    result = ingest_snapshot(snapshot=Snapshot(events=[good, bad]))
    assert result.rejected == [f"event {'b' * 32!r}: outcome is longer than 128 characters"]
    assert (Event.objects.count(), Price.objects.count(), PriceHistory.objects.count()) == (2, 1, 1)


def test_spread_outcomes_share_the_home_line(epl_jan15):
    ingest_snapshot(snapshot=parse_odds(epl_jan15))
    spreads = Selection.objects.filter(market="spreads").select_related("event")
    assert spreads.exists()
    for selection in spreads:
        expected = selection.point if selection.outcome == selection.event.home_team else -selection.point
        assert selection.line == expected


def test_sharp_books_are_flagged_on_first_sight(epl_jan15):
    ingest_snapshot(snapshot=parse_odds(epl_jan15))
    flags = dict(Bookmaker.objects.values_list("key", "is_sharp"))
    assert flags["betfair_ex_uk"] is True
    assert flags["williamhill"] is False


def test_a_bookmaker_that_stops_quoting_loses_its_current_price_not_its_history(epl_jan15):
    import copy

    from odds.providers.odds_api import ingest_odds

    ingest_odds(epl_jan15)
    event_id = epl_jan15[0]["id"]
    gone = epl_jan15[0]["bookmakers"][0]["key"]
    later = copy.deepcopy(epl_jan15)
    later[0]["bookmakers"] = later[0]["bookmakers"][1:]
    # One remaining book moves a price, so the snapshot is newer than the withdrawn book's prices.
    market = later[0]["bookmakers"][0]["markets"][0]
    market["last_update"] = "2030-01-01T00:00:00Z"
    market["outcomes"][0]["price"] = round(market["outcomes"][0]["price"] + 0.5, 2)
    history = PriceHistory.objects.count()
    _, result = ingest_odds(later)
    assert result.withdrawn == sum(
        len(m["outcomes"]) for m in epl_jan15[0]["bookmakers"][0]["markets"] if m["key"] == market["key"]
    )
    assert not Price.objects.filter(
        selection__event__provider_id=event_id, bookmaker__key=gone, selection__market=market["key"]
    ).exists()
    assert Price.objects.filter(bookmaker__key=gone).exclude(selection__event__provider_id=event_id).exists()
    assert PriceHistory.objects.count() == history + 1


def test_an_older_file_withdraws_nothing(epl_jan15, epl_jan30):
    from odds.providers.odds_api import ingest_odds

    ingest_odds(epl_jan30)
    before = Price.objects.count()
    _, result = ingest_odds(epl_jan15)
    assert result.withdrawn == 0
    assert Price.objects.count() >= before


def test_a_withdrawal_alone_is_noticed(epl_jan15):
    import copy

    from odds.providers.odds_api import ingest_odds

    ingest_odds(epl_jan15)
    later = copy.deepcopy(epl_jan15)
    gone = later[0]["bookmakers"].pop(0)
    # Every other market is unchanged, so nothing is parsed again; the missing book is still noticed
    # (only its prices older than the snapshot's newest go).
    _, result = ingest_odds(later)
    newest = max(m["last_update"] for b in later[0]["bookmakers"] for m in b["markets"])
    expected = sum(len(m["outcomes"]) for m in gone["markets"] if m["last_update"] < newest)
    assert expected > 0
    assert result.history_written == 0
    assert result.withdrawn == expected
