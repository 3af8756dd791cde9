"""Pages and API answers are served fresh: the view right after a write shows it."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_the_data_version_triggers_are_gone():
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'monps_version%'")
        assert cursor.fetchall() == []
        cursor.execute("SELECT count(*) FROM pg_proc WHERE proname = 'monps_raise_version'")
        assert cursor.fetchone() == (0,)
        cursor.execute("SELECT to_regclass('monps_dataversion'), to_regclass('monps_dataversion_seq')")
        assert cursor.fetchone() == (None, None)
