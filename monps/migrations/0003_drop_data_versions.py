import importlib

from django.db import migrations

# Pages and API answers are no longer cached, so nothing reads the data versions: the statement
# triggers that raised them made every writing transaction wait on one row per area until it committed.
# The tables 0001 and 0002 put them on. A TRUNCATE trigger may never have been made on a TimescaleDB
# hypertable (0001 skipped it there), hence IF EXISTS.
TABLES = (
    "odds_sport",
    "odds_bookmaker",
    "odds_event",
    "odds_selection",
    "odds_price",
    "odds_pricehistory",
    "opportunities_strategy",
    "opportunities_strategy_sports",
    "opportunities_strategy_bookmakers",
    "opportunities_opportunity",
    "opportunities_surebet",
    "bets_bet",
    "bets_ledgerentry",
)


def forward_sql() -> str:
    statements = []
    for table in TABLES:
        statements.append(f"DROP TRIGGER IF EXISTS monps_version ON {table};")
        statements.append(f"DROP TRIGGER IF EXISTS monps_version_truncate ON {table};")
    statements.append("DROP FUNCTION IF EXISTS monps_raise_version();")
    statements.append("DROP TABLE IF EXISTS monps_dataversion;")
    statements.append("DROP SEQUENCE IF EXISTS monps_dataversion_seq;")
    return "\n".join(statements)


def backward_sql() -> str:
    """What 0001 and 0002 made, made again by their own SQL (with a new epoch and new versions)."""
    created = importlib.import_module("monps.migrations.0001_data_versions")
    catalog = importlib.import_module("monps.migrations.0002_catalog_version")
    return created.forward_sql() + catalog.FORWARD + catalog.retrigger("catalog")


class Migration(migrations.Migration):
    dependencies = [("monps", "0002_catalog_version")]

    operations = [migrations.RunSQL(forward_sql(), backward_sql())]
