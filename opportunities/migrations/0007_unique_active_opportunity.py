from django.db import migrations

from ops.timescale import PLAIN, active_path

# One active opportunity per strategy, selection and bookmaker, kept by the database on plain
# PostgreSQL. A hypertable's unique indexes must contain its time column, so on TimescaleDB the
# index stays as it was and detection's transaction lock keeps the rule.
EXPIRE_DUPLICATES = """
UPDATE opportunities_opportunity o SET expired_at = o.last_seen_at
FROM opportunities_opportunity newer
WHERE o.expired_at IS NULL AND newer.expired_at IS NULL
  AND (o.strategy_id, o.selection_id, o.bookmaker_id) = (newer.strategy_id, newer.selection_id, newer.bookmaker_id)
  AND (o.detected_at, o.id) < (newer.detected_at, newer.id)
"""
UNIQUE = """
DROP INDEX opportunity_active_key;
CREATE UNIQUE INDEX opportunity_active_key ON opportunities_opportunity (strategy_id, selection_id, bookmaker_id)
WHERE expired_at IS NULL;
"""
NOT_UNIQUE = """
DROP INDEX opportunity_active_key;
CREATE INDEX opportunity_active_key ON opportunities_opportunity (strategy_id, selection_id, bookmaker_id)
WHERE expired_at IS NULL;
"""


def unique(apps: object, schema_editor: object) -> None:
    if active_path(schema_editor.connection) == PLAIN:
        schema_editor.execute(EXPIRE_DUPLICATES)
        schema_editor.execute(UNIQUE)


def not_unique(apps: object, schema_editor: object) -> None:
    if active_path(schema_editor.connection) == PLAIN:
        schema_editor.execute(NOT_UNIQUE)


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0006_surebet_fillfactor")]

    operations = [
        # Default page fill again: 0005 and 0006 reserved room for in-place refreshes, a tuning no user feels.
        migrations.RunSQL(
            "ALTER TABLE opportunities_opportunity RESET (fillfactor); ALTER TABLE opportunities_surebet RESET (fillfactor)",
            migrations.RunSQL.noop,
        ),
        migrations.RunPython(unique, not_unique),
    ]
