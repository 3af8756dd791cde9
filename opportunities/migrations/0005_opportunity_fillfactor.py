from django.db import migrations

# Every detection pass rewrites each active opportunity (at least its last_seen_at, which no index
# holds). With room left in each page the new version goes beside the old one (a HOT update: no
# index is touched) and the old one is pruned on the next visit; in full pages each refresh wrote
# every index and the table grew by the same rows at every pass. Pages already written keep their
# layout until rewritten.


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0004_drop_duplicate_event_index")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE opportunities_opportunity SET (fillfactor = 70)",
            "ALTER TABLE opportunities_opportunity RESET (fillfactor)",
        )
    ]
