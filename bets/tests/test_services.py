from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from bets.models import Bet, BetEvent, LedgerEntry
from bets.selectors import bankroll
from bets.services import (
    BetRejected,
    EditConflict,
    add_ledger_entry,
    place_bet,
    settle_bet,
    settle_pending,
    update_bet,
)
from bets.tests.factories import BetInputFactory
from bets.trail import bet_trail
from odds.models import Event
from opportunities.pricing import devig
from opportunities.tests.factories import NOW, h2h_event, seen_again

pytestmark = pytest.mark.django_db


def test_a_valid_bet_is_recorded_with_its_audit(event, user):
    bet = place_bet(bet=BetInputFactory(event=event), user=user, via="form")
    assert (bet.price, bet.stake, bet.status, bet.profit, bet.placed_at) == (
        Decimal("2.100"),
        Decimal("10.00"),
        "pending",
        None,
        NOW,
    )
    [entry] = bet_trail(bet.pk)
    assert (entry.action, entry.via, entry.user) == ("create", "form", user)
    assert entry.changes["price"] == (None, Decimal("2.100"))


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"price": "1.00"}, "price", "1.00 must be above 1.0 (decimal odds)"),
        ({"price": "abc"}, "price", "'abc' is not a number"),
        ({"price": "NaN"}, "price", "'NaN' is not a finite number"),
        ({"price": "1_000"}, "price", "'1_000' has an underscore: write 1000, not 1_000"),
        ({"stake": "１０"}, "stake", "'１０' has digits other than 0-9"),
        ({"stake": "1e30"}, "stake", "'1e30' is in exponent notation: write the number in full"),
        ({"stake": Decimal("1E+30")}, "stake", "1E+30 is above the limit of 10000.00 (MONPS_MAX_STAKE)"),
        ({"price": "2.1234"}, "price", "2.1234 has more than 3 decimal places"),
        ({"stake": "0"}, "stake", "must be more than 0"),
        ({"stake": "-5"}, "stake", "must be more than 0"),
        ({"stake": "10.001"}, "stake", "10.001 has more than 2 decimal places"),
        ({"stake": "20000.00"}, "stake", "20000.00 is above the limit of 10000.00 (MONPS_MAX_STAKE)"),
        (
            {"outcome": "Spurs"},
            "outcome",
            "'Spurs' is not an outcome of h2h for Arsenal v Chelsea: Arsenal, Draw, Chelsea",
        ),
        ({"market": "totals", "outcome": "Over"}, "point", "a totals bet needs the handicap or total"),
        ({"point": Decimal("1.5")}, "point", "must be empty for h2h"),
        (
            {"market": "totals", "outcome": "Over", "point": "99999.75"},
            "point",
            "totals Over: point '99999.75' is out of range",
        ),
        (
            {"market": "totals", "outcome": "Over", "point": Decimal("2.3")},
            "point",
            "totals Over: point 2.3 is not a multiple of 0.25",
        ),
        (
            {"placed_at": NOW + timedelta(minutes=6)},
            "placed_at",
            "2026-11-24T12:06:00+00:00 is in the future (more than 5 minutes ahead of now)",
        ),
        (
            {"placed_at": NOW.replace(year=1999)},
            "placed_at",
            "1999-11-24T12:00:00+00:00 is before 2000-01-01, the earliest a bet can be placed",
        ),
        ({"placed_at": NOW.replace(tzinfo=None)}, "placed_at", "needs a time zone"),
        ({"strategy_name": "s" * 65}, "strategy_name", "is 65 characters long; at most 64"),
        ({"notes": "a\x00b"}, "notes", "contains a NUL character"),
        ({"bookmaker": "bet365\x00"}, "bookmaker", "contains a NUL character"),
        ({"bookmaker": "nobody"}, "bookmaker", "no bookmaker 'nobody'"),
        ({"market": "corners"}, "market", "'corners' is not one of h2h, spreads, totals"),
    ],
)
def test_invalid_input_names_the_field_and_writes_nothing(event, overrides, field, message):
    with pytest.raises(BetRejected) as caught:
        place_bet(bet=BetInputFactory(event=event, **overrides))
    assert caught.value.message_dict[field] == [message]
    assert Bet.objects.count() == 0
    assert BetEvent.objects.count() == 0


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"placed_at": NOW + timedelta(days=1)},
            "placed_at",
            "2026-11-25T12:00:00+00:00 is in the future (more than 5 minutes ahead of now)",
        ),
        (
            {"placed_at": NOW.replace(year=1)},
            "placed_at",
            "0001-11-24T12:00:00+00:00 is before 2000-01-01, the earliest a bet can be placed",
        ),
        ({"placed_at": "2026-11-24"}, "placed_at", "'2026-11-24' is not a time"),
        ({"stake": "9" * 100}, "stake", f"{'9' * 100} is above the limit of 10000.00 (MONPS_MAX_STAKE)"),
        ({"price": "２.５"}, "price", "'２.５' has digits other than 0-9"),
        ({"strategy_name": "s" * 65}, "strategy_name", "is 65 characters long; at most 64"),
        ({"notes": None}, "notes", "None is not text"),
        ({"event_id": 2}, "event_id", "cannot be changed; void the bet and enter a new one"),
    ],
)
def test_an_edit_follows_the_rules_of_a_new_bet(event, changes, field, message):
    bet = place_bet(bet=BetInputFactory(event=event))
    with pytest.raises(BetRejected) as caught:
        update_bet(bet_id=bet.pk, changes=changes)
    assert caught.value.message_dict == {field: [message]}
    bet.refresh_from_db()
    assert (bet.price, bet.stake, bet.placed_at, bet.strategy_name, bet.notes) == (
        Decimal("2.100"),
        Decimal("10.00"),
        NOW,
        "",
        "",
    )
    assert BetEvent.objects.filter(pgh_obj_id=bet.pk).count() == 1


def test_a_stake_above_what_the_column_holds_is_refused_even_under_a_higher_limit(event, settings):
    settings.MONPS_MAX_STAKE = Decimal("1E+30")
    with pytest.raises(BetRejected) as caught:
        place_bet(bet=BetInputFactory(event=event, stake="1" + "0" * 12))
    assert caught.value.message_dict == {"stake": [f"1{'0' * 12} has more than 10 digits before the decimal point"]}
    assert Bet.objects.count() == 0


def test_unknown_event(event):
    with pytest.raises(BetRejected) as caught:
        place_bet(bet=BetInputFactory(event=event, event_id=999999))
    assert caught.value.message_dict == {"event": ["no event with id 999999"]}


def test_a_started_event_needs_the_late_entry_flag(event):
    with time_machine.travel(event.commence_time + timedelta(minutes=10), tick=False):
        with pytest.raises(BetRejected) as caught:
            place_bet(bet=BetInputFactory(event=event, placed_at=event.commence_time - timedelta(hours=1)))
        assert "started at" in caught.value.message_dict["event"][0]
        bet = place_bet(
            bet=BetInputFactory(event=event, placed_at=event.commence_time - timedelta(hours=1)), allow_started=True
        )
    assert bet.placed_at == event.commence_time - timedelta(hours=1)
    assert bet.closing_price == Decimal("2.100")  # the event had started: the closing line is known


def test_settlement_from_the_result_is_idempotent_and_audited(event):
    bet = place_bet(bet=BetInputFactory(event=event))
    Event.objects.filter(pk=event.pk).update(completed=True, home_score=2, away_score=0)
    assert settle_pending() == 1
    bet.refresh_from_db()
    assert (bet.status, bet.profit) == ("won", Decimal("11.00"))
    assert settle_pending() == 0
    assert [(e.action, e.via) for e in bet_trail(bet.pk)] == [("create", "api"), ("settle", "task")]


def test_manual_settlement_overrides_and_is_kept(event, user):
    bet = place_bet(bet=BetInputFactory(event=event))
    settle_bet(bet=bet, status="void", user=user, via="admin")
    Event.objects.filter(pk=event.pk).update(completed=True, home_score=2, away_score=0)
    settle_pending()
    bet.refresh_from_db()
    assert (bet.status, bet.profit, bet.settled_manually) == ("void", Decimal("0.00"), True)


def test_editing_a_settled_bet_needs_the_flag_and_recomputes_profit(event, user):
    bet = place_bet(bet=BetInputFactory(event=event))
    Event.objects.filter(pk=event.pk).update(completed=True, home_score=0, away_score=0)
    settle_pending()
    with pytest.raises(EditConflict, match="editing its price or stake needs allow_settled"):
        update_bet(bet_id=bet.pk, changes={"stake": "20.00"})
    bet = update_bet(bet_id=bet.pk, changes={"stake": "20.00"}, allow_settled=True, user=user, via="api")
    assert (bet.status, bet.profit) == ("lost", Decimal("-20.00"))
    [change] = [e for e in bet_trail(bet.pk) if e.action == "update"]
    assert change.changes == {
        "stake": (Decimal("10.00"), Decimal("20.00")),
        "profit": (Decimal("-10.00"), Decimal("-20.00")),
    }
    assert change.user == user


def test_clv_from_the_reference_closing_line(event):
    bet = place_bet(bet=BetInputFactory(event=event))
    seen_again(event, event.commence_time - timedelta(minutes=10))  # a collection just before kick-off
    with time_machine.travel(event.commence_time + timedelta(minutes=1), tick=False):
        settle_pending()
    bet.refresh_from_db()
    fair = devig([4.00, 3.60, 2.00], "shin")[2]  # default strategy: Pinnacle, Shin; name order Away, Draw, Home
    assert bet.closing_price == Decimal("2.100")
    assert bet.closing_fair_probability == Decimal(repr(fair)).quantize(Decimal("0.000001"))
    assert bet.clv == (Decimal("2.100") * bet.closing_fair_probability - 1).quantize(Decimal("0.00001"))
    assert bet.closing_note == ""


def test_without_closing_data_the_bet_says_so(event):
    lonely = h2h_event("e2", {"bet365": {"H": 2.1, "D": 3.4, "A": 3.8}}, home="Ajax", away="PSV")
    bet = place_bet(bet=BetInputFactory(event=lonely, outcome="Ajax"))
    with time_machine.travel(lonely.commence_time + timedelta(minutes=1), tick=False):
        settle_pending()
    bet.refresh_from_db()
    assert bet.clv is None
    assert bet.closing_fair_probability is None
    assert bet.closing_note == "no complete closing line from pinnacle"


def test_the_ledger_and_the_bankroll(event):
    add_ledger_entry(kind="deposit", amount="500.00")
    add_ledger_entry(kind="withdrawal", amount="100.00")
    add_ledger_entry(kind="adjustment", amount="-2.50", note="bank fee")
    assert list(LedgerEntry.objects.order_by("id").values_list("amount", flat=True)) == [
        Decimal("500.00"),
        Decimal("-100.00"),
        Decimal("-2.50"),
    ]
    won = place_bet(bet=BetInputFactory(event=event))
    place_bet(bet=BetInputFactory(event=event, outcome="Draw", price="3.400", stake="5.00"))
    settle_bet(bet=won, status="won")
    money = bankroll()
    assert money.now == Decimal("397.50") + Decimal("11.00")
    assert money.exposure == Decimal("5.00")
    assert money.available == Decimal("403.50")
    with pytest.raises(BetRejected) as caught:
        add_ledger_entry(kind="deposit", amount="0")
    assert caught.value.message_dict == {"amount": ["must be a non-zero amount with at most 2 decimal places"]}
    for amount, message in [
        ("1_000", "'1_000' has an underscore: write 1000, not 1_000"),
        ("1e30", "'1e30' is in exponent notation: write the number in full"),
        ("9" * 100, f"{'9' * 100} has more than 10 digits before the decimal point"),
    ]:
        with pytest.raises(BetRejected) as caught:
            add_ledger_entry(kind="deposit", amount=amount)
        assert caught.value.message_dict == {"amount": [message]}
    assert LedgerEntry.objects.count() == 3


def test_settle_from_results_in_the_admin_overrules_a_bet_settled_by_hand(admin_client):
    event = h2h_event("manual-1", {"bet365": {"H": 2.1, "D": 3.4, "A": 3.8}}, kickoff=NOW - timedelta(hours=3))
    bet = place_bet(bet=BetInputFactory(event=event, placed_at=NOW - timedelta(hours=4)), allow_started=True)
    settle_bet(bet=bet, status="lost", via="admin")  # by hand, before the result was known
    Event.objects.filter(pk=event.pk).update(completed=True, home_score=2, away_score=0)
    assert settle_bet(bet=bet).status == "lost"  # results do not overrule a person on their own
    admin_client.post("/admin/bets/bet/", {"action": "settle_from_results", "_selected_action": [bet.pk]})
    bet.refresh_from_db()
    # Home won 2-0 at 2.10: 10 staked returns 21, a profit of 11.
    assert (bet.status, bet.profit, bet.settled_manually) == ("won", Decimal("11.00"), False)
