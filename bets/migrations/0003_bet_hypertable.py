from django.db import migrations

from ops.timescale import CreateHypertable


class Migration(migrations.Migration):
    dependencies = [("bets", "0002_initial")]

    operations = [
        CreateHypertable("bet", "placed_at", chunk_interval="30 days", primary_key=("id", "placed_at")),
    ]
