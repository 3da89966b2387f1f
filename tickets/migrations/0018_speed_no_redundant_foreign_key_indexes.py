# Six foreign keys lose the index Django gives each: a composite index leading with the same
# column already finds their rows (contract and state, assignee and state, reporter and time,
# ticket and clock name, ticket and time, hospital and year), and each index of its own only
# cost every insert (issue 19).
#
# The indexes are dropped by name rather than by AlterField: on SQLite, AlterField rebuilds
# the table, which the clocks' triggers (tickets/0003) refuse while their table is renamed.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0008_agree_response_plan_appointment_quota"),
        ("tickets", "0017_speed_contract_running_clocks_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="event",
                    name="ticket",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="tickets.ticket",
                        verbose_name="ticket",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="assignee",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="assigned_tickets",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="engineer",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="contract",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="tickets",
                        to="contracts.contract",
                        verbose_name="contract",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="reporter",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reported_tickets",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="reported by",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticketclock",
                    name="ticket",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="clocks",
                        to="tickets.ticket",
                        verbose_name="ticket",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticketsequence",
                    name="hospital",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="contracts.organization",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS tickets_event_ticket_id_c2d3d586",
                    'CREATE INDEX tickets_event_ticket_id_c2d3d586 ON "tickets_event" ("ticket_id")',
                ),
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS tickets_ticket_assignee_id_3a5aa407",
                    'CREATE INDEX tickets_ticket_assignee_id_3a5aa407 ON "tickets_ticket" ("assignee_id")',
                ),
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS tickets_ticket_contract_id_8bd9dce0",
                    'CREATE INDEX tickets_ticket_contract_id_8bd9dce0 ON "tickets_ticket" ("contract_id")',
                ),
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS tickets_ticket_reporter_id_431a8f10",
                    'CREATE INDEX tickets_ticket_reporter_id_431a8f10 ON "tickets_ticket" ("reporter_id")',
                ),
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS tickets_ticketclock_ticket_id_69387033",
                    'CREATE INDEX tickets_ticketclock_ticket_id_69387033 ON "tickets_ticketclock" ("ticket_id")',
                ),
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS tickets_ticketsequence_hospital_id_02deeaa6",
                    'CREATE INDEX tickets_ticketsequence_hospital_id_02deeaa6 ON "tickets_ticketsequence" ("hospital_id")',
                ),
            ],
        ),
    ]
