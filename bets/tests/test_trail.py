"""The audit trail: every write to a bet, through every entry point, is one entry with who, when,
via, action and each field's old and new value; a write that is rolled back leaves none."""

from __future__ import annotations

import io
import time
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Max

from bets.models import Bet, BetEvent
from bets.services import BetInput, place_bet, settle_bet, update_bet
from bets.trail import TrailEntry, bet_trail, entries, recording
from odds.models import Bookmaker, Event
from opportunities.tests.factories import NOW, seen_again

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, django_user_model):
    boss = django_user_model.objects.create_superuser("boss", password="a-long-admin-password")
    client.force_login(boss)
    client.boss = boss
    return client


def db_clock():
    """The database's own clock: the trail's times come from it (time-machine stops only Python's)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        return cursor.fetchone()[0]


def last_event_id() -> int:
    return BetEvent.objects.aggregate(last=Max("pgh_id"))["last"] or 0


def entries_after(event_id: int) -> list[TrailEntry]:
    return entries(BetEvent.objects.filter(pgh_id__gt=event_id).order_by("pgh_id"))


def created(event, **overrides) -> dict:
    """What a new bet's entry shows: every trail field from nothing to its value."""
    values = {
        "event_id": event.pk,
        "market": "h2h",
        "outcome": "Arsenal",
        "point": None,
        "bookmaker_id": Bookmaker.objects.get(key="bet365").pk,
        "price": Decimal("2.100"),
        "stake": Decimal("10.00"),
        "stake_requested": None,
        "allow_over_balance": False,
        "placed_at": NOW,
        "status": "pending",
        "profit": None,
        "strategy_name": "",
        "notes": "",
        "closing_price": None,
        "clv": None,
        "settled_manually": False,
    }
    values.update(overrides)
    return {name: (None, value) for name, value in values.items()}


def a_bet(event, **overrides) -> Bet:
    values = {"event_id": event.pk, "market": "h2h", "outcome": "Arsenal", "point": None, "bookmaker": "bet365"}
    return place_bet(bet=BetInput(price="2.100", stake="10.00", **{**values, **overrides}), via="command")


def shape(entry: TrailEntry) -> tuple:
    return entry.action, entry.via, entry.user, entry.changes


def test_the_api_records_a_new_bet_and_an_edit_with_the_user(auth_client, user, event):
    since, before = last_event_id(), db_clock()
    bet_id = auth_client.post(
        "/api/bets/",
        {"event": event.pk, "market": "h2h", "outcome": "Arsenal", "bookmaker": "bet365", "price": "2.100"}
        | {"stake": "10.00"},
        content_type="application/json",
    ).json()["id"]
    auth_client.patch(f"/api/bets/{bet_id}/", {"stake": "12.50"}, content_type="application/json")
    after = db_clock()
    made, edit = entries_after(since)
    assert shape(made) == ("create", "api", user, created(event))
    assert shape(edit) == ("update", "api", user, {"stake": (Decimal("10.00"), Decimal("12.50"))})
    assert before < made.at <= edit.at < after
    assert {made.bet_id, edit.bet_id} == {bet_id}


def test_the_form_records_a_new_bet_and_a_settlement_by_hand(auth_client, user, event):
    since = last_event_id()
    auth_client.post(
        "/bets/new/",
        {"event": event.pk, "market": "h2h", "outcome": "Arsenal", "bookmaker": "bet365", "price": "2.100"}
        | {"stake": "10.00", "placed_at": NOW.isoformat()},
        HTTP_HX_REQUEST="true",
    )
    bet = Bet.objects.get()
    auth_client.post(f"/bets/{bet.pk}/settle/", {"status": "won"})
    made, settled = entries_after(since)
    assert shape(made) == ("create", "form", user, created(event))
    won = (Decimal("10.00") * (Decimal("2.100") - 1)).quantize(Decimal("0.01"))  # 11.00
    assert shape(settled) == (
        "settle",
        "form",
        user,
        {"status": ("pending", "won"), "profit": (None, won), "settled_manually": (False, True)},
    )


def admin_form(event, **overrides) -> dict:
    values = {
        "event": event.pk,
        "bookmaker": Bookmaker.objects.get(key="bet365").pk,
        "market": "h2h",
        "outcome": "Arsenal",
        "point": "",
        "price": "2.100",
        "stake": "10.00",
        "placed_at_0": NOW.strftime("%Y-%m-%d"),
        "placed_at_1": NOW.strftime("%H:%M:%S"),
        "strategy_name": "",
        "notes": "",
    }
    return values | overrides


def test_the_admin_records_entry_edit_actions_and_deletion(admin_client, event):
    boss, since = admin_client.boss, last_event_id()
    assert admin_client.post("/admin/bets/bet/add/", admin_form(event)).status_code == 302
    bet = Bet.objects.get()
    page = f"/admin/bets/bet/{bet.pk}/change/"
    assert admin_client.post(page, admin_form(event, notes="seen at 2.15 first")).status_code == 302
    admin_client.post("/admin/bets/bet/", {"action": "mark_void", "_selected_action": [bet.pk]})
    admin_client.post("/admin/bets/bet/", {"action": "settle_from_results", "_selected_action": [bet.pk]})
    admin_client.post(f"/admin/bets/bet/{bet.pk}/delete/", {"post": "yes"})
    made, noted, voided, reopened, deleted = entries_after(since)
    assert shape(made) == ("create", "admin", boss, created(event))
    assert shape(noted) == ("update", "admin", boss, {"notes": ("", "seen at 2.15 first")})
    assert shape(voided) == (
        "void",
        "admin",
        boss,
        {"status": ("pending", "void"), "profit": (None, Decimal("0.00")), "settled_manually": (False, True)},
    )
    # No result yet: "settle from results" puts a bet settled by hand back to pending, for the results to decide.
    assert shape(reopened) == (
        "resettle",
        "admin",
        boss,
        {"status": ("void", "pending"), "profit": (Decimal("0.00"), None), "settled_manually": (True, False)},
    )
    assert (deleted.action, deleted.via, deleted.user) == ("delete", "admin", boss)
    assert deleted.changes["notes"] == ("seen at 2.15 first", None)
    assert not Bet.objects.exists()


def test_the_settle_command_records_via_command(event):
    bet = a_bet(event)
    Event.objects.filter(pk=event.pk).update(completed=True, home_score=1, away_score=2)
    since = last_event_id()
    call_command("settle_bets", stdout=io.StringIO())
    [settled] = entries_after(since)
    assert shape(settled) == (
        "settle",
        "command",
        None,
        {"status": ("pending", "lost"), "profit": (None, Decimal("-10.00"))},
    )
    assert settled.bet_id == bet.pk


def test_a_bet_entered_after_the_result_records_each_step_as_itself(event, user):
    """place_bet records the bet, its closing line and its settlement: three entries, each its own
    action, all by the same person through the same entry point."""
    Event.objects.filter(pk=event.pk).update(completed=True, home_score=2, away_score=0)
    seen_again(event, event.commence_time - timedelta(minutes=10))  # a close to take a CLV from
    since = last_event_id()
    late = BetInput(event.pk, "h2h", "Arsenal", None, "bet365", "2.100", "10.00", placed_at=NOW - timedelta(days=2))
    with time_machine.travel(event.commence_time + timedelta(days=2), tick=False):
        bet = place_bet(bet=late, user=user, via="form", allow_started=True)
    made, closing, settled = entries_after(since)
    assert [(e.action, e.via, e.user) for e in (made, closing, settled)] == [
        ("create", "form", user),
        ("closing_line", "form", user),
        ("settle", "form", user),
    ]
    assert made.changes == created(event, placed_at=NOW - timedelta(days=2))
    assert closing.changes == {"closing_price": (None, bet.closing_price), "clv": (None, bet.clv)}
    assert bet.closing_price == Decimal("2.100")  # bet365's last price before kick-off, from the fixture
    assert settled.changes == {"status": ("pending", "won"), "profit": (None, Decimal("11.00"))}


def test_a_write_outside_the_services_is_recorded_without_a_name(event, user):
    """Triggers see queryset updates and bulk writes too: they are in the trail, named by no one,
    and not put down to the service call before them in the same transaction."""
    bet = a_bet(event)
    with transaction.atomic():
        update_bet(bet_id=bet.pk, changes={"notes": "typed by a person"}, user=user, via="api")
        Bet.objects.filter(pk=bet.pk).update(stake=Decimal("15.00"))
    bet.refresh_from_db()
    bet.strategy_name = "by hand"
    Bet.objects.bulk_update([bet], ["strategy_name"])
    *_, edit, queryset_update, bulk_update = bet_trail(bet.pk)
    assert shape(edit) == ("update", "api", user, {"notes": ("", "typed by a person")})
    assert shape(queryset_update) == ("update", "", None, {"stake": (Decimal("10.00"), Decimal("15.00"))})
    assert shape(bulk_update) == ("update", "", None, {"strategy_name": ("", "by hand")})


def test_a_write_that_only_touches_fields_outside_the_trail_records_nothing(event):
    bet = a_bet(event)
    since = last_event_id()
    Bet.objects.filter(pk=bet.pk).update(closing_note="no closing price")
    update_bet(bet_id=bet.pk, changes={"stake": "10.00"})  # the same stake: nothing changes
    assert entries_after(since) == []


def test_a_rolled_back_write_records_nothing(event, user):
    bet = a_bet(event)
    since = last_event_id()
    with pytest.raises(RuntimeError), transaction.atomic():  # noqa: PT012 (the failure comes after the edit)
        update_bet(bet_id=bet.pk, changes={"stake": "20.00"}, user=user, via="api")
        raise RuntimeError("the request failed after the edit")
    with pytest.raises(IntegrityError), transaction.atomic():
        Bet.objects.filter(pk=bet.pk).update(price=Decimal("0.500"))  # the price check refuses it
    with pytest.raises(Exception, match="not a settlement status"):
        settle_bet(bet=bet, status="halfway", user=user, via="form")
    assert entries_after(since) == []
    bet.refresh_from_db()
    assert (bet.stake, bet.price) == (Decimal("10.00"), Decimal("2.100"))


def test_the_trail_refuses_to_be_edited_or_deleted(event):
    a_bet(event)
    for write in (lambda: BetEvent.objects.update(notes="rewritten"), lambda: BetEvent.objects.all().delete()):
        with pytest.raises(DatabaseError, match="Cannot update or delete rows"), transaction.atomic():
            write()
    assert BetEvent.objects.count() == 1


def test_recording_refuses_an_unknown_entry_point_or_action():
    entry_points = "via='shell': the entry points are admin, form, api, task, command"
    with pytest.raises(ValueError, match=entry_points), recording(action="update", user=None, via="shell"):
        pass
    actions = "action='edit': the actions are create, update, settle, void, resettle, closing_line, delete, unrecorded"
    with pytest.raises(ValueError, match=actions), recording(action="edit", user=None, via="api"):
        pass


def test_a_deleted_user_is_still_named_by_id(event, user):
    bet = place_bet(bet=BetInput(event.pk, "h2h", "Arsenal", None, "bet365", "2.100", "10.00"), user=user, via="form")
    user_id = user.pk
    user.delete()
    [made] = bet_trail(bet.pk)
    assert (made.user, made.user_id, made.who) == (None, user_id, f"user {user_id} (deleted)")


def test_the_admin_shows_a_bets_history(admin_client, event):
    bet = a_bet(event)
    update_bet(bet_id=bet.pk, changes={"price": "2.200"}, user=admin_client.boss, via="admin")
    html = admin_client.get(f"/admin/bets/bet/{bet.pk}/change/").content.decode()
    assert '<table class="bet-trail">' in html
    assert "<td>boss</td><td>admin</td><td>update</td><td><div>price: 2.100 → 2.200</div></td>" in html
    assert "<td>—</td><td>command</td><td>create</td>" in html


def test_the_trail_list_in_the_admin_and_its_query_count(admin_client, event, django_assert_max_num_queries):
    def page() -> str:
        return admin_client.get("/admin/bets/betevent/").content.decode()

    def edited_bet(stake: int) -> None:
        bet = a_bet(event, outcome="Draw")
        update_bet(bet_id=bet.pk, changes={"stake": f"{stake}.00"}, user=admin_client.boss, via="admin")

    edited_bet(11)
    page()  # the session and permissions are read once
    with django_assert_max_num_queries(9) as few:
        html = page()
    assert "<div>price: — → 2.100</div>" in html
    for stake in range(12, 31):
        edited_bet(stake)
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        html = page()
    assert len(many.captured_queries) == len(few.captured_queries)
    assert "<div>stake: 10.00 → 30.00</div>" in html
    filtered = admin_client.get("/admin/bets/betevent/", {"via": "admin"}).content.decode()
    assert filtered.count("<div>stake: 10.00 → ") == 20


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_settling_through_the_celery_task_is_recorded_via_task(start_celery_worker, event, user):
    from bets.tasks import settle_bets

    bet = place_bet(bet=BetInput(event.pk, "h2h", "Arsenal", None, "bet365", "2.100", "10.00"), user=user, via="api")
    seen_again(event, event.commence_time - timedelta(minutes=10))  # a close to take a CLV from
    Event.objects.filter(pk=event.pk).update(completed=True, home_score=2, away_score=0)
    start_celery_worker("settlement")
    settle_bets.delay()
    deadline = time.monotonic() + 60
    while Bet.objects.get(pk=bet.pk).clv is None:  # it settles, then records the closing line
        assert time.monotonic() < deadline, "the worker did not settle the bet within 60 s"
        time.sleep(0.2)
    made, settled, closing = bet_trail(bet.pk)
    assert shape(made) == ("create", "api", user, created(event))
    assert shape(settled) == (
        "settle",
        "task",
        None,
        {"status": ("pending", "won"), "profit": (None, Decimal("11.00"))},
    )
    bet.refresh_from_db()
    assert shape(closing) == (
        "closing_line",
        "task",
        None,
        {"closing_price": (None, Decimal("2.100")), "clv": (None, bet.clv)},
    )
