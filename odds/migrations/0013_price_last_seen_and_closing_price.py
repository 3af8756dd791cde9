import django.db.models.deletion
from django.db import migrations, models

# A price stored before this migration was last seen, as far as anything recorded says, when it was
# last observed.
BACKFILL = "UPDATE odds_price SET last_seen_at = observed_at"


class Migration(migrations.Migration):
    dependencies = [("odds", "0012_drop_pricehistory_hourly")]

    operations = [
        migrations.AddField(model_name="price", name="last_seen_at", field=models.DateTimeField(null=True)),
        migrations.RunSQL(BACKFILL, reverse_sql=migrations.RunSQL.noop),
        migrations.AlterField(model_name="price", name="last_seen_at", field=models.DateTimeField()),
        migrations.CreateModel(
            name="ClosingPrice",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "selection", "bookmaker", blank=True, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("price", models.DecimalField(decimal_places=3, max_digits=8)),
                ("observed_at", models.DateTimeField()),
                ("last_seen_at", models.DateTimeField()),
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
    ]
