from django.db import migrations

# Sports and bookmakers get their own data version ("catalog"): parts of pages about bets need their
# names but not every collection's new prices.
FORWARD = """
INSERT INTO monps_dataversion VALUES ('catalog', nextval('monps_dataversion_seq'));
"""
BACKWARD = "DELETE FROM monps_dataversion WHERE area = 'catalog';"


def retrigger(area: str) -> str:
    statements = []
    for table in ("odds_sport", "odds_bookmaker"):
        for name, events in (("monps_version", "INSERT OR UPDATE OR DELETE"), ("monps_version_truncate", "TRUNCATE")):
            statements.append(f"DROP TRIGGER IF EXISTS {name} ON {table};")
            statements.append(
                f"CREATE TRIGGER {name} AFTER {events} ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION monps_raise_version('{area}');"
            )
    return "\n".join(statements)


class Migration(migrations.Migration):
    dependencies = [("monps", "0001_data_versions")]

    operations = [migrations.RunSQL(FORWARD + retrigger("catalog"), retrigger("odds") + BACKWARD)]
