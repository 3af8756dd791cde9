"""Bookmaker accounts: each book's balance, and the refusal of a bet larger than it unless confirmed."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction

from bets.accounts import BALANCE_LOCK
from bets.models import Bet, BetEvent
from bets.selectors import balances, bankroll
from bets.services import BetRejected, add_ledger_entry, place_bet, record_limit, settle_bet, update_bet
from bets.tests.factories import BetInputFactory
from bets.trail import bet_trail, entries
from odds.models import Bookmaker
from odds.tests.factories import BookmakerFactory
from opportunities.tests.factories import NOW, h2h_event
from web.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def refusal(book: str, stake: str, balance: str) -> str:
    return (
        f"{stake} is more than the {balance} {book} holds (its deposits and settled bets less its pending "
        "stakes); confirm it with allow_over_balance to place it anyway"
    )


def bet(event, stake: str, **kwargs) -> Bet:
    options = {k: kwargs.pop(k) for k in ("allow_over_balance", "allow_started", "via", "user") if k in kwargs}
    return place_bet(bet=BetInputFactory(event=event, stake=stake, **kwargs), **options)


def test_each_books_balance_is_its_ledger_and_settled_profit_less_its_pending_stakes(event):
    BookmakerFactory(key="williamhill", title="William Hill")
    add_ledger_entry(kind="deposit", amount="1000.00", note="general")
    add_ledger_entry(kind="deposit", amount="100.00", bookmaker="bet365")
    add_ledger_entry(kind="withdrawal", amount="20.00", bookmaker="bet365")
    add_ledger_entry(kind="deposit", amount="50.00", bookmaker="williamhill")
    settle_bet(bet=bet(event, "10.00"), status="won")  # 2.100: +11.00
    settle_bet(bet=bet(event, "8.00"), status="lost")  # −8.00
    bet(event, "5.00")
    bet(event, "4.00", bookmaker="pinnacle")  # no ledger entry names Pinnacle

    found = {a.bookmaker.key: (a.ledger, a.settled_profit, a.pending, a.balance, a.recorded) for a in balances()}

    assert found == {
        "bet365": (Decimal("80.00"), Decimal("3.00"), Decimal("5.00"), Decimal("78.00"), True),
        "pinnacle": (Decimal("0.00"), Decimal("0.00"), Decimal("4.00"), Decimal("-4.00"), False),
        "williamhill": (Decimal("50.00"), Decimal("0.00"), Decimal("0.00"), Decimal("50.00"), True),
    }
    assert [a.bookmaker.key for a in balances()] == ["bet365", "pinnacle", "williamhill"]  # by name, any case
    # The general bankroll still counts every entry, a book's or not, and every settled bet.
    assert bankroll().now == Decimal("1000.00") + Decimal("80.00") + Decimal("50.00") + Decimal("3.00")


def test_balances_take_one_query_whatever_the_number_of_books(event, django_assert_num_queries):
    def furnish(start: int, n: int) -> None:
        for i in range(start, start + n):
            book = BookmakerFactory(key=f"book{i}")
            add_ledger_entry(kind="deposit", amount="100.00", bookmaker=book.key)
            settle_bet(bet=bet(event, "10.00", bookmaker=book.key), status="won")
            bet(event, "5.00", bookmaker=book.key)

    furnish(0, 2)
    with django_assert_num_queries(1):
        assert len(balances()) == 2
    furnish(2, 5)
    with django_assert_num_queries(1):
        found = balances()
    assert len(found) == 7
    assert {a.balance for a in found} == {Decimal("100.00") + Decimal("11.00") - Decimal("5.00")}


def test_a_bet_over_the_books_balance_is_refused_and_placed_once_confirmed_in_the_trail(event):
    user = UserFactory(username="bettor")
    add_ledger_entry(kind="deposit", amount="50.00", bookmaker="bet365")
    bet(event, "30.00")
    title = Bookmaker.objects.get(key="bet365").title

    with pytest.raises(BetRejected) as refused:
        bet(event, "20.01")
    assert refused.value.message_dict == {"stake": [refusal(title, "20.01", "20.00")]}
    assert Bet.objects.count() == 1

    exactly = bet(event, "20.00")  # all the book holds: not more
    assert exactly.allow_over_balance is False
    confirmed = bet(event, "15.00", allow_over_balance=True, user=user, via="form")
    assert confirmed.allow_over_balance is True
    [created] = bet_trail(confirmed.pk)
    assert (created.action, created.via, created.who) == ("create", "form", "bettor")
    assert created.changes["allow_over_balance"] == (None, True)
    assert created.changes["stake"] == (None, Decimal("15.00"))
    # Confirming what needs no confirmation records nothing: the flag says the balance was overdrawn.
    add_ledger_entry(kind="deposit", amount="100.00", bookmaker="bet365")
    assert bet(event, "5.00", allow_over_balance=True).allow_over_balance is False


def test_no_refusal_at_a_book_without_a_recorded_balance(event):
    add_ledger_entry(kind="deposit", amount="10.00")  # the general bankroll: no book's balance
    add_ledger_entry(kind="deposit", amount="10.00", bookmaker="pinnacle")
    placed = bet(event, "500.00")
    assert (placed.bookmaker.key, placed.stake, placed.allow_over_balance) == ("bet365", Decimal("500.00"), False)


def test_no_refusal_for_a_bet_entered_late(db):
    started = h2h_event("late", {"bet365": {"H": 2.1, "D": 3.4, "A": 3.8}}, kickoff=NOW - timedelta(hours=1))
    add_ledger_entry(kind="deposit", amount="10.00", bookmaker="bet365", at=NOW - timedelta(days=1))
    placed = bet(started, "100.00", placed_at=NOW - timedelta(hours=2), allow_started=True)
    assert (placed.stake, placed.allow_over_balance) == (Decimal("100.00"), False)
    # A bet brought in with allow_started (as the CSV import brings every bet) on an event to come.
    upcoming = h2h_event("soon", {"bet365": {"H": 2.1, "D": 3.4, "A": 3.8}})
    imported = bet(upcoming, "100.00", placed_at=NOW - timedelta(hours=2), allow_started=True)
    assert (imported.stake, imported.allow_over_balance) == (Decimal("100.00"), False)


def test_raising_a_pending_stake_over_the_balance_needs_the_same_confirmation(event):
    add_ledger_entry(kind="deposit", amount="50.00", bookmaker="bet365")
    placed = bet(event, "30.00")
    update_bet(bet_id=placed.pk, changes={"stake": "50.00"})  # its own 30.00 comes back: 50.00 held
    with pytest.raises(BetRejected) as refused:
        update_bet(bet_id=placed.pk, changes={"stake": "50.01"})
    title = Bookmaker.objects.get(key="bet365").title
    assert refused.value.message_dict == {"stake": [refusal(title, "50.01", "50.00")]}
    raised = update_bet(bet_id=placed.pk, changes={"stake": "60.00"}, allow_over_balance=True, via="admin")
    assert (raised.stake, raised.allow_over_balance) == (Decimal("60.00"), True)
    last = entries(BetEvent.objects.filter(pgh_obj_id=placed.pk).order_by("pgh_id"))[-1]
    assert last.changes == {"stake": (Decimal("50.00"), Decimal("60.00")), "allow_over_balance": (False, True)}


def test_the_api_the_form_and_the_admin_refuse_alike_and_take_the_confirmation(client, event):
    client.force_login(UserFactory(username="boss", admin=True))
    add_ledger_entry(kind="deposit", amount="5.00", bookmaker="bet365")
    title = Bookmaker.objects.get(key="bet365").title
    message = refusal(title, "10.00", "5.00")
    common = {"event": event.pk, "market": "h2h", "outcome": "Arsenal", "price": "2.100", "stake": "10.00"}

    api = client.post("/api/bets/", {**common, "bookmaker": "bet365"}, content_type="application/json")
    assert (api.status_code, api.json()["errors"]) == (400, {"stake": [message]})
    form = client.post("/bets/new/", {**common, "bookmaker": "bet365"}, HTTP_HX_REQUEST="true")
    assert form.status_code == 422
    assert message in form.content.decode()
    admin_fields = {**common, "bookmaker": Bookmaker.objects.get(key="bet365").pk, "point": "", "notes": ""}
    admin_fields |= {"placed_at_0": NOW.strftime("%Y-%m-%d"), "placed_at_1": NOW.strftime("%H:%M:%S")}
    admin = client.post("/admin/bets/bet/add/", admin_fields | {"strategy_name": ""})
    assert admin.status_code == 200
    assert message in admin.content.decode()
    assert Bet.objects.count() == 0

    api = client.post(
        "/api/bets/", {**common, "bookmaker": "bet365", "allow_over_balance": True}, content_type="application/json"
    )
    assert (api.status_code, api.json()["allow_over_balance"]) == (201, True)
    form = client.post(
        "/bets/new/", {**common, "bookmaker": "bet365", "allow_over_balance": "on"}, HTTP_HX_REQUEST="true"
    )
    assert form.status_code == 200, form.content.decode()
    admin = client.post("/admin/bets/bet/add/", admin_fields | {"strategy_name": "", "allow_over_balance": "on"})
    assert admin.status_code == 302, admin.content.decode()[:2000]
    assert [(b.allow_over_balance, b.stake) for b in Bet.objects.order_by("id")] == [(True, Decimal("10.00"))] * 3
    assert [e.via for e in entries(BetEvent.objects.order_by("pgh_id"))] == ["api", "form", "admin"]


def test_a_deposit_at_a_book_through_the_bets_page(auth_client, event):
    response = auth_client.post("/bets/ledger/", {"kind": "deposit", "amount": "25.00", "bookmaker": "bet365"})
    assert response.status_code == 302
    [account] = balances()
    assert (account.bookmaker.key, account.balance, account.recorded) == ("bet365", Decimal("25.00"), True)
    auth_client.post("/bets/ledger/", {"kind": "deposit", "amount": "1000.00"})
    page = auth_client.get("/bets/").content.decode()
    title = Bookmaker.objects.get(key="bet365").title
    row = (
        '<td data-label="Kind">Deposit</td><td class="num" data-label="Amount">{}</td>'
        '<td data-label="Bookmaker">{}</td>'
    )
    assert row.format("+25.00", title) in page
    assert row.format("+1,000.00", "General") in page


def waiting_for_a_balance_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid::bigint = %s",
            [BALANCE_LOCK],
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_two_bets_entered_at_once_cannot_both_pass_the_balance_check(event):
    """Two connections: the first bet holds the book's lock until it commits, the second waits for
    it and then sees the first's stake. Without the lock both would read 100.00 and both pass."""
    add_ledger_entry(kind="deposit", amount="100.00", bookmaker="bet365")
    first_checked, commit_first = threading.Event(), threading.Event()
    outcomes: dict[str, object] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                outcomes["first"] = bet(event, "60.00")
                first_checked.set()
                assert commit_first.wait(30)
        finally:
            connection.close()

    def second() -> None:
        try:
            outcomes["second"] = bet(event, "60.00")
        except BetRejected as exc:
            outcomes["second"] = exc.message_dict
        finally:
            connection.close()

    one, two = threading.Thread(target=first), threading.Thread(target=second)
    one.start()
    try:
        assert first_checked.wait(30)
        two.start()
        waited = False
        for _ in range(100):  # the second bet waits on the lock the first holds, until it commits
            if waited := waiting_for_a_balance_lock() == 1 and two.is_alive():
                break
            threading.Event().wait(0.1)
    finally:
        commit_first.set()
        one.join(30)
        if two.ident:
            two.join(30)
    assert waited
    title = Bookmaker.objects.get(key="bet365").title
    assert outcomes["second"] == {"stake": [refusal(title, "60.00", "40.00")]}
    assert list(Bet.objects.values_list("stake", flat=True)) == [Decimal("60.00")]


def test_the_dashboard_and_the_bankroll_api_show_each_books_balance(auth_client, event):
    add_ledger_entry(kind="deposit", amount="100.00", bookmaker="bet365")
    bet(event, "30.00")
    bet(event, "4.00", bookmaker="pinnacle")
    record_limit(bookmaker=Bookmaker.objects.get(key="bet365"), market="h2h", stake_accepted="25.00")
    api = auth_client.get("/api/stats/bankroll/").json()
    assert api["balances"] == [
        {
            "bookmaker": "bet365",
            "ledger": "100.00",
            "settled_profit": "0.00",
            "pending": "30.00",
            "balance": "70.00",
            "max_stake": "25.00",
        },
        {
            "bookmaker": "pinnacle",
            "ledger": "0.00",
            "settled_profit": "0.00",
            "pending": "4.00",
            "balance": None,
            "max_stake": None,
        },
    ]
    assert api["ledger"][0]["bookmaker"] == "bet365"
    panel = auth_client.get("/", {"panel": "accounts"}, HTTP_HX_REQUEST="true").content.decode()
    assert '<td class="num" data-balance="bet365">70.00</td>' in panel
    assert '<a href="/bets/accounts/#limits-bet365">25.00</a>' in panel
    assert 'data-balance="pinnacle"><span class="muted" title="no ledger entry names this book">not recorded' in panel
