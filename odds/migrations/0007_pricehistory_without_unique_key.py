from django.db import migrations, models

# Odds history keeps (selection, bookmaker, observed_at) as its key in Django, but the database no
# longer holds a unique index for it: that index was the largest part of a row's size. Reads go
# by selection, through a non-unique index that PostgreSQL deduplicates (one entry per selection with
# a list of row pointers). Ingestion writes no observation twice (odds/ingest.py).
DROP_KEY = "ALTER TABLE odds_pricehistory DROP CONSTRAINT odds_pricehistory_pkey"
ADD_KEY = "ALTER TABLE odds_pricehistory ADD CONSTRAINT odds_pricehistory_pkey PRIMARY KEY (selection_id, bookmaker_id, observed_at)"


class Migration(migrations.Migration):
    dependencies = [
        ("odds", "0006_price_natural_key"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="pricehistory",
            index=models.Index(fields=["selection"], name="pricehistory_selection"),
        ),
        migrations.RunSQL(DROP_KEY, ADD_KEY),
    ]
