"""Pending bets at a bookmaker that charges commission take its rate now, as a bet placed from now
on does; settled bets keep what they were settled with (no commission)."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def set_commissions(apps, schema_editor):
    Bet = apps.get_model("bets", "Bet")
    Bookmaker = apps.get_model("odds", "Bookmaker")
    rate = Bookmaker.objects.filter(pk=OuterRef("bookmaker_id")).values("commission")[:1]
    Bet.objects.filter(status="pending", bookmaker__commission__gt=0).update(commission=Subquery(rate))


class Migration(migrations.Migration):
    dependencies = [("bets", "0009_bet_commission"), ("odds", "0017_exchange_commissions")]

    operations = [migrations.RunPython(set_commissions, migrations.RunPython.noop)]
