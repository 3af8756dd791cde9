from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("odds", "0010_history_key_and_current_constraints")]

    operations = [
        migrations.CreateModel(
            name="Lease",
            fields=[
                ("name", models.CharField(max_length=128, primary_key=True, serialize=False)),
                ("holder", models.CharField(max_length=64)),
                ("expires_at", models.DateTimeField()),
            ],
        ),
    ]
