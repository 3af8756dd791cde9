import django.db.models.deletion
from django.db import migrations, models

# Odds history gets its key back in the database: a duplicate observation becomes impossible. Copies
# written before (same selection, bookmaker and observation time) are removed first, the first
# collected kept. The key's index also serves every read by selection, so the plain index goes.
DEDUPLICATE = """
DELETE FROM odds_pricehistory a
USING odds_pricehistory b
WHERE a.selection_id = b.selection_id AND a.bookmaker_id = b.bookmaker_id AND a.observed_at = b.observed_at
  AND (a.collected_at, a.ctid) > (b.collected_at, b.ctid)
"""
ADD_KEY = """
DROP INDEX IF EXISTS pricehistory_selection;
ALTER TABLE odds_pricehistory ADD CONSTRAINT odds_pricehistory_pkey PRIMARY KEY (selection_id, bookmaker_id, observed_at);
"""
DROP_KEY = """
ALTER TABLE odds_pricehistory DROP CONSTRAINT odds_pricehistory_pkey;
CREATE INDEX pricehistory_selection ON odds_pricehistory (selection_id);
"""
# Current prices whose selection or bookmaker is gone cannot stay once their foreign keys are back.
DROP_ORPHANS = """
DELETE FROM odds_price p
WHERE NOT EXISTS (SELECT 1 FROM odds_selection s WHERE s.id = p.selection_id)
   OR NOT EXISTS (SELECT 1 FROM odds_bookmaker b WHERE b.id = p.bookmaker_id)
"""


class Migration(migrations.Migration):
    dependencies = [("odds", "0009_pricehistory_compressed_in_selection_order")]

    operations = [
        migrations.RunSQL(DEDUPLICATE, migrations.RunSQL.noop),
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(ADD_KEY, DROP_KEY)],
            state_operations=[migrations.RemoveIndex(model_name="pricehistory", name="pricehistory_selection")],
        ),
        migrations.RunSQL(DROP_ORPHANS, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="price",
            name="selection",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="prices",
                to="odds.selection",
            ),
        ),
        migrations.AlterField(
            model_name="price",
            name="bookmaker",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="prices",
                to="odds.bookmaker",
            ),
        ),
        migrations.CreateModel(
            name="WithdrawnPrice",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "selection", "bookmaker", blank=True, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("withdrawn_at", models.DateTimeField()),
                (
                    "bookmaker",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="odds.bookmaker",
                    ),
                ),
                (
                    "selection",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="odds.selection",
                    ),
                ),
            ],
        ),
        migrations.RemoveField(model_name="event", name="odds_digest"),
    ]
