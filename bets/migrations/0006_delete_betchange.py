from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("bets", "0005_move_bet_changes")]

    operations = [
        migrations.RemoveField(
            model_name="betchange",
            name="bet",
        ),
        migrations.RemoveField(
            model_name="betchange",
            name="changed_by",
        ),
        migrations.DeleteModel(
            name="BetChange",
        ),
    ]
