import uuid

import django.contrib.postgres.fields
from django.db import migrations, models

# Alerts made before this migration get a key of their own (gen_random_uuid: PostgreSQL 13+), then
# the key becomes unique and required.
FILL_KEYS = "UPDATE opportunities_alert SET idempotency_key = gen_random_uuid() WHERE idempotency_key IS NULL"


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0007_unique_active_opportunity")]

    operations = [
        migrations.AddField(
            model_name="alert",
            name="idempotency_key",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.RunSQL(FILL_KEYS, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="alert",
            name="idempotency_key",
            field=models.UUIDField(
                default=uuid.uuid4,
                editable=False,
                help_text="Sent with every attempt (Idempotency-Key header and JSON body, e-mail Message-ID), "
                "so a receiver can tell a message sent again from a new one.",
                unique=True,
            ),
        ),
        migrations.AddField(
            model_name="alert",
            name="opportunity_count",
            field=models.PositiveIntegerField(
                default=1, help_text="The new opportunities it is about; more than one: a digest."
            ),
        ),
        migrations.AddField(
            model_name="alert",
            name="listed",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.BigIntegerField(),
                blank=True,
                default=list,
                help_text="A digest's opportunities, best edge first.",
                size=None,
            ),
        ),
        migrations.AddField(
            model_name="alert",
            name="reclaims",
            field=models.PositiveSmallIntegerField(
                default=0, help_text="Attempts taken over from a worker lost before it handed the message over."
            ),
        ),
        migrations.AddField(
            model_name="alert",
            name="claimed_at",
            field=models.DateTimeField(blank=True, help_text="When the latest attempt began.", null=True),
        ),
        migrations.AddField(
            model_name="alert",
            name="handed_over_at",
            field=models.DateTimeField(
                blank=True, help_text="When the latest attempt began handing the message to its receiver.", null=True
            ),
        ),
        migrations.AlterField(
            model_name="alert",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Pending"),
                    ("sending", "Sending"),
                    ("sent", "Sent"),
                    ("unconfirmed", "Unconfirmed"),
                    ("failed", "Failed"),
                ],
                default="pending",
                max_length=16,
            ),
        ),
        migrations.AlterField(
            model_name="alert",
            name="opportunity",
            field=models.ForeignKey(
                db_constraint=False,
                help_text="The opportunity, or a digest's best.",
                on_delete=models.deletion.DO_NOTHING,
                related_name="alerts",
                to="opportunities.opportunity",
            ),
        ),
    ]
