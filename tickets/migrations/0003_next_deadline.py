"""Each ticket carries its next deadline (and that clock's warning time), kept by triggers
(tickets/next_deadline_sql.py), and every ticket is backfilled."""

from django.conf import settings
from django.db import migrations, models

from tickets.next_deadline_sql import install, uninstall


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0003_alter_contract_warning_threshold_percent"),
        ("tickets", "0002_alter_event_from_state_alter_event_to_state_and_more"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="next_due_at",
            field=models.DateTimeField(editable=False, null=True, verbose_name="next deadline"),
        ),
        migrations.AddField(
            model_name="ticket",
            name="next_warn_at",
            field=models.DateTimeField(editable=False, null=True, verbose_name="next warning"),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                fields=["next_due_at", "id"],
                condition=models.Q(
                    (
                        "state__in",
                        (
                            "new",
                            "acknowledged",
                            "dispatched",
                            "on_site",
                            "on_hold",
                            "awaiting_approval",
                            "approved",
                        ),
                    )
                ),
                name="tickets_open_by_deadline",
            ),
        ),
        migrations.RunPython(install, uninstall, elidable=False),
    ]
