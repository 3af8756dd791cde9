from django.db import migrations

from ops.timescale import CreateHypertable


class Migration(migrations.Migration):
    dependencies = [("odds", "0001_initial")]

    operations = [
        CreateHypertable(
            "pricehistory",
            "observed_at",
            chunk_interval="1 day",
            compress_segmentby=("selection_id", "bookmaker_id"),
            compress_orderby="observed_at DESC",
            compress_after="7 days",
        ),
    ]
