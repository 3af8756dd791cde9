"""Limits: a book accepting less than the stake asked for is recorded, and sets the book's maximum."""

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command

from bets.demo import LIMITING_BOOK, NOTE, WINS_BEFORE_LIMIT, limit_demo_bettor
from bets.models import Bet, BookmakerLimit
from bets.selectors import balances, bankroll
from bets.services import BetRejected, place_bet, record_limit, settle_bet
from bets.tests.factories import BetInputFactory
from odds.demo import run_demo
from odds.models import DEMO, Bookmaker, Event
from opportunities.tests.factories import NOW
from web.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def limits() -> list[tuple]:
    return list(
        BookmakerLimit.objects.order_by("at", "id").values_list(
            "bookmaker__key", "at", "market", "stake_accepted", "stake_requested", "bet_id"
        )
    )


def max_stake(key: str = "bet365") -> Decimal | None:
    return Bookmaker.objects.get(key=key).max_stake


def test_a_bet_accepted_below_the_stake_asked_for_records_the_limit_and_the_books_maximum(event):
    full = place_bet(bet=BetInputFactory(event=event, stake="50.00", stake_requested="50.00"))
    assert (limits(), max_stake()) == ([], None)  # the book took all of it: no limit

    cut = place_bet(bet=BetInputFactory(event=event, stake="10.00", stake_requested="100.00"))
    assert (cut.stake, cut.stake_requested) == (Decimal("10.00"), Decimal("100.00"))
    assert limits() == [("bet365", NOW, "h2h", Decimal("10.00"), Decimal("100.00"), cut.pk)]
    assert max_stake() == Decimal("10.00")

    # A bet entered afterwards but placed before the limit: kept in the history, not the maximum now.
    earlier = place_bet(
        bet=BetInputFactory(event=event, stake="20.00", stake_requested="40.00", placed_at=NOW - timedelta(days=2))
    )
    assert limits()[0] == ("bet365", NOW - timedelta(days=2), "h2h", Decimal("20.00"), Decimal("40.00"), earlier.pk)
    assert max_stake() == Decimal("10.00")
    assert full.stake_requested == Decimal("50.00")


def test_a_stake_asked_for_below_the_stake_accepted_is_refused(event):
    with pytest.raises(BetRejected) as refused:
        place_bet(bet=BetInputFactory(event=event, stake="10.00", stake_requested="5.00"))
    assert refused.value.message_dict == {
        "stake_requested": ["5.00 is below the stake accepted, 10.00: it is the larger"]
    }
    with pytest.raises(BetRejected) as refused:
        place_bet(bet=BetInputFactory(event=event, stake_requested="1e3"))
    assert list(refused.value.message_dict) == ["stake_requested"]
    assert Bet.objects.count() == 0


def test_the_api_and_the_form_take_the_stake_asked_for(client, event):
    client.force_login(UserFactory(username="boss", admin=True))
    common = {"event": event.pk, "market": "h2h", "outcome": "Arsenal", "bookmaker": "bet365", "price": "2.100"}
    api = client.post(
        "/api/bets/", {**common, "stake": "10.00", "stake_requested": "80.00"}, content_type="application/json"
    )
    assert api.status_code == 201, api.json()
    assert (api.json()["stake"], api.json()["stake_requested"]) == ("10.00", "80.00")
    form = client.post("/bets/new/", {**common, "stake": "8.00", "stake_requested": "40.00"}, HTTP_HX_REQUEST="true")
    assert form.status_code == 200, form.content.decode()
    assert [(accepted, requested) for _, _, _, accepted, requested, _ in limits()] == [
        (Decimal("10.00"), Decimal("80.00")),
        (Decimal("8.00"), Decimal("40.00")),
    ]
    assert max_stake() == Decimal("8.00")
    # Raising a bet's stake above what was asked for contradicts it.
    bet = Bet.objects.get(stake="8.00")
    response = client.patch(f"/api/bets/{bet.pk}/", {"stake": "41.00"}, content_type="application/json")
    assert response.json()["errors"] == {"stake": ["41.00 is above the stake requested, 40.00"]}


def test_the_accounts_page_shows_each_books_limits_with_a_constant_number_of_queries(
    auth_client, event, django_assert_num_queries
):
    bet365 = Bookmaker.objects.get(key="bet365")
    pinnacle = Bookmaker.objects.get(key="pinnacle")
    cut = place_bet(bet=BetInputFactory(event=event, stake="10.00", stake_requested="100.00"))
    record_limit(bookmaker=pinnacle, market="totals", stake_accepted="250.00", note="by phone")
    with django_assert_num_queries(5):  # the session, the user, preferences; the balances, the limits
        html = auth_client.get("/bets/accounts/").content.decode()
    assert f'<h3 id="limits-bet365">{bet365.title} <span class="muted">accepts at most 10.00 now</span></h3>' in html
    row = re.search(rf'<tr data-limit="{cut.limits.get().pk}">.*?</tr>', html, re.S).group(0)
    assert re.sub(r"\s+", " ", row) == (
        f'<tr data-limit="{cut.limits.get().pk}"><td>24 Nov 2026 12:00 UTC</td><td class="hide-sm">Match result</td>'
        '<td class="num">100.00</td><td class="num">10.00</td>'
        f' <td class="hide-sm"><a href="/bets/{cut.pk}/">{event}</a></td><td class="hide-sm"></td></tr>'
    )
    assert "by phone" in html
    for i in range(4):
        place_bet(bet=BetInputFactory(event=event, stake="5.00", stake_requested=f"{20 + i}.00"))
    with django_assert_num_queries(5):
        html = auth_client.get("/bets/accounts/").content.decode()
    assert len(re.findall(r"<tr data-limit=", html)) == 6


def test_a_limit_recorded_by_hand_in_the_admin_sets_the_books_maximum(client, event):
    client.force_login(UserFactory(username="boss", admin=True))
    bet365 = Bookmaker.objects.get(key="bet365")
    fields = {"bookmaker": bet365.pk, "market": "h2h", "stake_accepted": "25.00", "stake_requested": "", "note": ""}
    fields |= {"at_0": NOW.strftime("%Y-%m-%d"), "at_1": NOW.strftime("%H:%M:%S")}
    response = client.post("/admin/bets/bookmakerlimit/add/", fields)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert limits() == [("bet365", NOW, "h2h", Decimal("25.00"), None, None)]
    assert max_stake() == Decimal("25.00")
    refused = client.post("/admin/bets/bookmakerlimit/add/", fields | {"stake_requested": "25.00"})
    assert "25.00 is not above the stake accepted, 25.00: no limit" in refused.content.decode()
    listing = client.get("/admin/bets/bookmakerlimit/").content.decode()
    assert "25.00" in listing
    assert bet365.title in listing


def test_the_demo_soft_book_limits_the_demo_bettor_after_a_few_winning_bets(db):
    run_demo(now=NOW)
    events = list(Event.objects.filter(source=DEMO, commence_time__gt=NOW).order_by("commence_time"))
    bets = [
        place_bet(
            bet=BetInputFactory(event=e, outcome=e.home_team, bookmaker=LIMITING_BOOK, stake="20.00", price="2.000")
        )
        for e in events[: WINS_BEFORE_LIMIT + 1]
    ]
    settle_bet(bet=bets[0], status="lost")  # a loss earns no limit
    for won in bets[1:WINS_BEFORE_LIMIT]:
        settle_bet(bet=won, status="won")
    assert limit_demo_bettor() is None  # not enough wins yet
    settle_bet(bet=bets[WINS_BEFORE_LIMIT], status="won")

    limit = limit_demo_bettor()

    assert limit is not None
    assert limits() == [(LIMITING_BOOK, NOW, bets[-1].market, Decimal("2.00"), Decimal("20.00"), None)]
    assert (limit.note, max_stake(LIMITING_BOOK)) == (NOTE, Decimal("2.00"))
    assert limit_demo_bettor() is None  # once only
    assert len(limits()) == 1


def test_the_demo_bankroll_is_held_at_the_demo_books(db):
    from odds.demo import BOOKS

    call_command("demo_market", days=0, stdout=io.StringIO())
    held = {a.bookmaker.key: (a.balance, a.recorded) for a in balances()}
    # 1000.00 in six: 166.66 each and four cents over, to the first four books.
    shares = [Decimal("166.67")] * 4 + [Decimal("166.66")] * 2
    assert held == {book.key: (share, True) for book, share in zip(BOOKS, shares, strict=True)}
    assert bankroll().now == Decimal("1000.00")
    call_command("demo_market", days=0, stdout=io.StringIO())  # again: nothing more is deposited
    assert bankroll().now == Decimal("1000.00")
