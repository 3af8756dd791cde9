from django.db import migrations

# As they were when this migration was written (later ones change them; see monps/versions.py).
AREAS = ("odds", "opportunities", "bets")
TABLES = {
    "odds": ("odds_sport", "odds_bookmaker", "odds_event", "odds_selection", "odds_price", "odds_pricehistory"),
    "opportunities": (
        "opportunities_strategy",
        "opportunities_strategy_sports",
        "opportunities_strategy_bookmakers",
        "opportunities_opportunity",
        "opportunities_surebet",
    ),
    "bets": ("bets_bet", "bets_ledgerentry"),
}

# Versions come from a sequence, never reused even by a rolled-back transaction, and carry the
# database's own random epoch: a recreated or restored database never meets an old cached page.
FUNCTION = """
CREATE SEQUENCE monps_dataversion_seq;
CREATE TABLE monps_dataversion (area varchar(32) PRIMARY KEY, version bigint NOT NULL);
INSERT INTO monps_dataversion VALUES ('epoch', floor(random() * 1e15)::bigint);
CREATE FUNCTION monps_raise_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE monps_dataversion SET version = nextval('monps_dataversion_seq') WHERE area = TG_ARGV[0];
    RETURN NULL;
END $$;
"""


def forward_sql() -> str:
    statements = [FUNCTION]
    statements += [f"INSERT INTO monps_dataversion VALUES ('{area}', nextval('monps_dataversion_seq'));" for area in AREAS]
    for area, tables in TABLES.items():
        for table in tables:
            statements.append(
                f"CREATE TRIGGER monps_version AFTER INSERT OR UPDATE OR DELETE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION monps_raise_version('{area}');"
            )
            # TRUNCATE triggers may not exist for TimescaleDB hypertables: skipped there, never fatal.
            statements.append(
                "DO $$ BEGIN "
                f"CREATE TRIGGER monps_version_truncate AFTER TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION monps_raise_version('{area}'); "
                "EXCEPTION WHEN feature_not_supported OR wrong_object_type THEN NULL; END $$;"
            )
    return "\n".join(statements)


def backward_sql() -> str:
    statements = []
    for tables in TABLES.values():
        for table in tables:
            statements.append(f"DROP TRIGGER IF EXISTS monps_version ON {table};")
            statements.append(f"DROP TRIGGER IF EXISTS monps_version_truncate ON {table};")
    statements.append("DROP FUNCTION monps_raise_version(); DROP TABLE monps_dataversion;")
    statements.append("DROP SEQUENCE monps_dataversion_seq;")
    return "\n".join(statements)


class Migration(migrations.Migration):
    dependencies = [
        ("odds", "0007_pricehistory_without_unique_key"),
        ("opportunities", "0003_default_strategies"),
        ("bets", "0003_bet_hypertable"),
    ]

    operations = [migrations.RunSQL(forward_sql(), backward_sql())]
