from django.db import migrations

# Databases made before the project's configuration package stopped being an app carry the statement
# triggers and the version table its migrations made (a cache of pages and API answers that is gone);
# every writing transaction waited on one row per area until it committed. Nothing here on a new database.
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


class Migration(migrations.Migration):
    # After the tables exist, so DROP TRIGGER ... ON finds them.
    dependencies = [
        ("odds", "0001_initial"),
        ("opportunities", "0001_initial"),
        ("bets", "0001_initial"),
    ]

    operations = [migrations.RunSQL(forward_sql(), migrations.RunSQL.noop)]
