from django.db import migrations

# opportunity_event indexed event_id a second time: the foreign key has its own index. Every
# opportunity a detection pass inserts or refreshes paid for both.


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0003_default_strategies")]

    operations = [migrations.RemoveIndex(model_name="opportunity", name="opportunity_event")]
