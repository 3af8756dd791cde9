"""The exchanges The Odds API lists get their published standard commission and are marked exchanges
(the rates as ``odds.services.EXCHANGE_COMMISSIONS`` gives them, with their sources, on the day of
this migration): Betfair's Market Base Rate of 5% (support.betfair.com, "Exchange: What is
Commission and how is it calculated?"; betfair.com.au: 5% on sports markets), Smarkets 2%
(help.smarkets.com, "How is commission calculated?"), Matchbook 2% on UK net winnings
(tradematesports.com, "Matchbook commissions explained"), BETDAQ 2% (its advertised standard rate).
A commission already set by hand is kept."""

from decimal import Decimal

from django.db import migrations

COMMISSIONS = {
    "betfair": Decimal("0.05"),
    "betfair_ex_uk": Decimal("0.05"),
    "betfair_ex_eu": Decimal("0.05"),
    "betfair_ex_au": Decimal("0.05"),
    "matchbook": Decimal("0.02"),
    "smarkets": Decimal("0.02"),
    "betdaq": Decimal("0.02"),
}


def set_commissions(apps, schema_editor):
    Bookmaker = apps.get_model("odds", "Bookmaker")
    for key, commission in COMMISSIONS.items():
        Bookmaker.objects.filter(key=key).update(is_exchange=True)
        Bookmaker.objects.filter(key=key, commission=0).update(commission=commission)


def clear_commissions(apps, schema_editor):
    Bookmaker = apps.get_model("odds", "Bookmaker")
    for key, commission in COMMISSIONS.items():
        Bookmaker.objects.filter(key=key, commission=commission).update(commission=0)


class Migration(migrations.Migration):
    dependencies = [("odds", "0016_exchange_lay_and_available")]

    operations = [migrations.RunPython(set_commissions, clear_commissions)]
