from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("bets", "0005_move_bet_changes")]

    operations = [migrations.DeleteModel(name="BetChange")]
