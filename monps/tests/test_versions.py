"""Cached page parts and API answers are keyed by data versions that the database raises itself."""

import pytest
import time_machine
from django.db import connection, transaction

from bets.models import LedgerEntry
from bets.services import add_ledger_entry
from bets.tests.test_pages import make_bets
from monps.versions import AREAS, BETS, CATALOG, OPPORTUNITIES, TABLES, data_versions
from odds.models import Sport
from opportunities.tests.factories import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def test_every_table_of_every_area_raises_its_version():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname = 'monps_version'"
        )
        triggered = {row[0] for row in cursor.fetchall()}
    assert triggered == {table for tables in TABLES.values() for table in tables}
    assert set(data_versions()) == set(AREAS)


@pytest.mark.parametrize(
    ("write", "area"),
    [
        (lambda: Sport.objects.create(key="x_y", title="X"), CATALOG),
        (lambda: make_bets(1), BETS),
        (lambda: LedgerEntry.objects.filter(pk=-1).update(note="nothing matched, still a write"), BETS),
    ],
)
def test_a_write_raises_its_area_and_only_it(write, area):
    before = data_versions()
    write()
    after = data_versions()
    assert after[area] != before[area]
    # make_bets creates its event, so odds move with bets there; opportunities never do here.
    assert after[OPPORTUNITIES] == before[OPPORTUNITIES]


def deposit_then_fail(seen: list[str]) -> None:
    with transaction.atomic():
        add_ledger_entry(kind="deposit", amount="10.00")
        seen.append(data_versions()[BETS])
        raise RuntimeError("roll back")


def test_a_rolled_back_write_never_reuses_a_version():
    before = data_versions()[BETS]
    seen: list[str] = []
    with pytest.raises(RuntimeError):
        deposit_then_fail(seen)
    inside = seen[0]
    assert inside != before
    assert data_versions()[BETS] == before
    add_ledger_entry(kind="deposit", amount="20.00")
    assert data_versions()[BETS] not in (before, inside)
