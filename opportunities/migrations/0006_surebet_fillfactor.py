from django.db import migrations

# Every detection pass writes each active surebet's last_seen_at, as 0005 does for opportunities. A
# surebet row carries its legs, so in full pages nearly every one of these writes went to another
# page and wrote all three indexes, and the table grew at every pass. With half of each page free
# every one of them is a HOT update (a fill factor of 70 still left some cold). Pages already written
# keep their layout until rewritten.


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0005_opportunity_fillfactor")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE opportunities_surebet SET (fillfactor = 50)",
            "ALTER TABLE opportunities_surebet RESET (fillfactor)",
        )
    ]
