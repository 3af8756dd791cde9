from django.db import migrations

# Every detection pass writes each active surebet's last_seen_at, as 0005 does for opportunities. A
# surebet row carries its legs (336-472 bytes, 389 on average): in full pages 97-98% of these writes went to another
# page and wrote all three indexes, and the table grew at every pass (the bench's market, 20 passes
# over 1,426 surebets: 11.6 MB and 1.5 MB of indexes). With half of each page free every one of them
# is a HOT update (1.2 MB and 0.2 MB), and writing the surebets of a pass takes 38-41 ms instead
# of 54-56 (70% left 7% of them cold). Pages already written keep their layout until rewritten.


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0005_opportunity_fillfactor")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE opportunities_surebet SET (fillfactor = 50)",
            "ALTER TABLE opportunities_surebet RESET (fillfactor)",
        )
    ]
