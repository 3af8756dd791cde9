from decimal import Decimal

from django.db import migrations


def create(apps, schema_editor):
    Bookmaker = apps.get_model("odds", "Bookmaker")
    Strategy = apps.get_model("opportunities", "Strategy")
    pinnacle, _ = Bookmaker.objects.get_or_create(key="pinnacle", defaults={"title": "Pinnacle", "is_sharp": True})
    Strategy.objects.get_or_create(
        name="Pinnacle value",
        defaults={"reference_bookmaker": pinnacle, "devig_method": "shin", "min_edge": Decimal("0.02"),
                  "kelly_fraction": Decimal("0.25"), "max_stake_share": Decimal("0.05")},
    )
    Strategy.objects.get_or_create(
        name="Consensus value",
        defaults={"devig_method": "multiplicative", "min_books": 3, "min_edge": Decimal("0.03"),
                  "kelly_fraction": Decimal("0.25"), "max_stake_share": Decimal("0.03"), "active": False},
    )


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0002_opportunity_hypertable"), ("odds", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
