"""bets 0005 moves the old trail (BetChange rows) into the new one: every row, exact values; and
back again when unmigrated."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from bets.models import BetEvent
from bets.trail import entries
from odds.models import Bookmaker
from opportunities.tests.factories import NOW

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = ("bets", "0003_bet_hypertable")  # BetChange, no BetEvent yet
WITH_BOTH = ("bets", "0004_bet_trail")
ATTNAMES = ["event_id", "market", "outcome", "point", "bookmaker_id", "price", "stake", "placed_at", "status"]
ATTNAMES += ["profit", "strategy_name", "notes", "closing_price", "clv", "settled_manually"]
# Trail fields added after 0005 (bets 0008): rows moved before then read them as their defaults.
ADDED_LATER = {"stake_requested": (None, None), "allow_over_balance": (None, False)}


def migrate(target: tuple[str, str]):
    """Migrate bets to ``target``; the models as they were there."""
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return MigrationExecutor(connection).loader.project_state([target]).apps


@pytest.fixture
def at_before(event):
    leaf = MigrationExecutor(connection).loader.graph.leaf_nodes("bets")[0]
    yield migrate(BEFORE)
    migrate(leaf)


def plain(value: object) -> object:
    """As the old services wrote values into BetChange.changes."""
    return str(value) if isinstance(value, Decimal | datetime) else value


def typed(value: object) -> object:
    """A BetChange value as the new trail reads it back (plain Python, no Django)."""
    if not isinstance(value, str):
        return value
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        pass
    try:
        return Decimal(value)
    except ArithmeticError:
        return value


def test_every_old_entry_moves_with_its_exact_values_and_back(at_before, event, django_user_model):
    apps = at_before
    Bet, BetChange = apps.get_model("bets", "Bet"), apps.get_model("bets", "BetChange")
    punter = django_user_model.objects.create_user("punter", password="a-long-test-password")
    bet365 = Bookmaker.objects.get(key="bet365")
    t1, t2, t3 = NOW - timedelta(hours=3), NOW - timedelta(hours=2), NOW - timedelta(hours=1)
    common = {"event_id": event.pk, "selection_id": event.selections.get(outcome="Arsenal").pk, "market": "h2h"}
    common |= {"outcome": "Arsenal", "bookmaker_id": bet365.pk, "placed_at": t1, "stake": Decimal("10.00")}

    # Bet A: entered, its closing line recorded without an entry (the old trail's gap), re-priced, settled.
    a = Bet.objects.create(**common, price=Decimal("2.100"))
    first = {name: getattr(a, name) for name in ATTNAMES}
    a.closing_price, a.clv = Decimal("2.050"), Decimal("0.02439")
    a.save()
    a.price, a.clv, a.status, a.profit = Decimal("2.200"), Decimal("0.07317"), "won", Decimal("12.00")
    a.save()
    old_rows: list[tuple[Any, ...]] = [
        (a.pk, "create", {name: [None, plain(value)] for name, value in first.items()}, punter.pk, t1, "form"),
        (a.pk, "update", {"price": ["2.100", "2.200"], "clv": ["0.02439", "0.07317"]}, punter.pk, t2, "api"),
        (a.pk, "settle", {"status": ["pending", "won"], "profit": [None, "12.00"]}, None, t3, "task"),
    ]
    # Bet B: written outside the services (bulk), no entry at all.
    b = Bet.objects.create(**{**common, "outcome": "Draw"}, price=Decimal("3.400"))
    # Bet C: entered and voided, then deleted: only its entries are left.
    c = Bet.objects.create(**common, price=Decimal("2.000"))
    c_first = {name: getattr(c, name) for name in ATTNAMES}
    old_rows += [
        (c.pk, "create", {name: [None, plain(value)] for name, value in c_first.items()}, None, t1, "admin"),
        (c.pk, "void", {"status": ["pending", "void"], "profit": [None, "0.00"]}, punter.pk, t2, "admin"),
    ]
    c.delete()
    for bet_id, action, changes, user_id, at, via in old_rows:
        BetChange.objects.create(
            bet_id=bet_id, action=action, changes=changes, changed_by_id=user_id, changed_at=at, via=via
        )

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes("bets")[0])
    trail = entries(BetEvent.objects.order_by("pgh_id"))
    moved = [e for e in trail if e.action != "unrecorded"]
    assert [(e.bet_id, e.action, e.changes, e.user_id, e.at, e.via) for e in moved] == [
        (
            bet_id,
            action,
            {name: tuple(typed(v) for v in pair) for name, pair in changes.items()}
            | (ADDED_LATER if action == "create" else {}),
            user_id,
            at,
            via,
        )
        for bet_id, action, changes, user_id, at, via in old_rows
    ]
    # What the old trail missed is there too, found where it first shows: A's clv before the re-pricing,
    # A's closing price and B's whole state today (the migration's time, NOW here).
    found = [(e.bet_id, e.at, e.changes, e.user_id, e.via) for e in trail if e.action == "unrecorded"]
    b_today = {"event_id": event.pk, "market": "h2h", "outcome": "Draw", "bookmaker_id": bet365.pk}
    b_today |= {"price": Decimal("3.400"), "stake": Decimal("10.00"), "placed_at": t1, "status": "pending"}
    b_today |= {"strategy_name": "", "notes": "", "settled_manually": False, "allow_over_balance": False}
    assert found == [
        (a.pk, t2, {"clv": (None, Decimal("0.02439"))}, None, ""),
        (a.pk, NOW, {"closing_price": (None, Decimal("2.050"))}, None, ""),
        (b.pk, NOW, {name: (None, value) for name, value in b_today.items()}, None, ""),
    ]
    assert [e.user for e in moved] == [punter, punter, None, None, punter]

    back = migrate(WITH_BOTH)
    rows = back.get_model("bets", "BetChange").objects.order_by("id")
    assert [(r.bet_id, r.action, r.changes, r.changed_by_id, r.changed_at, r.via) for r in rows] == old_rows
    assert back.get_model("bets", "BetEvent").objects.count() == 0


def test_a_deleted_bet_without_its_creation_stops_the_migration_and_says_which(at_before, event):
    from django.core.management import call_command

    BetChange = at_before.get_model("bets", "BetChange")
    BetChange.objects.create(bet_id=424242, action="settle", changes={"status": ["pending", "won"]}, via="task")
    with pytest.raises(RuntimeError, match="bets 424242 are deleted and their BetChange rows have no create"):
        call_command("migrate", "bets", "0005", verbosity=0)
    BetChange.objects.all().delete()
