from django.db import migrations

from ops.timescale import TimescaleSQL

# Hourly open/high/low/close per (selection, bookmaker) for long-range line-movement charts.
# CREATE MATERIALIZED VIEW ... WITH (timescaledb.continuous) cannot run inside a transaction.
HOURLY = """
CREATE MATERIALIZED VIEW IF NOT EXISTS odds_pricehistory_hourly
WITH (timescaledb.continuous) AS
SELECT selection_id,
       bookmaker_id,
       time_bucket(INTERVAL '1 hour', observed_at) AS bucket,
       first(price, observed_at) AS open,
       max(price) AS high,
       min(price) AS low,
       last(price, observed_at) AS close,
       count(*) AS changes
FROM odds_pricehistory
GROUP BY selection_id, bookmaker_id, bucket
WITH NO DATA
"""
POLICY = """
SELECT add_continuous_aggregate_policy('odds_pricehistory_hourly',
    start_offset => INTERVAL '3 days', end_offset => INTERVAL '1 hour',
    schedule_interval => INTERVAL '30 minutes', if_not_exists => true)
"""


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("odds", "0002_pricehistory_hypertable")]

    operations = [
        TimescaleSQL([HOURLY, POLICY], reverse_sql=["DROP MATERIALIZED VIEW IF EXISTS odds_pricehistory_hourly"]),
    ]
