from importlib import import_module

from django.db import migrations

from ops.timescale import TimescaleSQL

# Nothing reads the hourly continuous aggregate of 0003: the pages and the API read one event's
# history, bounded to its window (odds.selectors.history_window), which stays small; a long-range
# chart would be the only reader and there is none. It cost a refresh every 30 minutes over the last
# 3 days, and it never held backfilled history (an import of past seasons is older than the refresh
# window). Dropping it drops its policy too. Unmigrating creates it again, empty until refreshed.
hourly = import_module("odds.migrations.0003_pricehistory_hourly")


class Migration(migrations.Migration):
    atomic = False  # the reverse: CREATE MATERIALIZED VIEW ... WITH (timescaledb.continuous) cannot run in one
    dependencies = [("odds", "0011_lease")]

    operations = [
        TimescaleSQL(
            ["DROP MATERIALIZED VIEW IF EXISTS odds_pricehistory_hourly"], reverse_sql=[hourly.HOURLY, hourly.POLICY]
        ),
    ]
