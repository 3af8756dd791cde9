from django.db import migrations

from ops.timescale import CreateHypertable


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0001_initial")]

    operations = [
        CreateHypertable("opportunity", "detected_at", chunk_interval="7 days", primary_key=("id", "detected_at")),
    ]
