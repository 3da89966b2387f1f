"""Indexes for a contract's period figures (the dashboard, the service reports).

Each clock and worklog carries its ticket's contract, so the clocks due or met and the work
logged in a quarter are found through clock_contract_due, clock_contract_met and
worklog_contract_day; tickets reported or closed in a quarter through the covering indexes
tickets_contract_reported and tickets_contract_closed."""

import django.db.models.deletion
from django.db import migrations, models

from tickets.next_deadline_sql import install


def _backfill(table: str) -> str:
    return f"""
UPDATE {table}
   SET contract_id = (SELECT t.contract_id FROM tickets_ticket t WHERE t.id = {table}.ticket_id)
 WHERE contract_id IS NULL
"""


def _contract_field(null: bool) -> models.ForeignKey:
    return models.ForeignKey(
        db_index=False,
        editable=False,
        null=null,
        on_delete=django.db.models.deletion.CASCADE,
        related_name="+",
        to="contracts.contract",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0003_alter_contract_warning_threshold_percent"),
        ("tickets", "0003_next_deadline"),
    ]

    operations = [
        migrations.AddField("ticketclock", "contract", _contract_field(null=True)),
        migrations.AddField("worklog", "contract", _contract_field(null=True)),
        migrations.RunSQL(_backfill("tickets_ticketclock"), migrations.RunSQL.noop),
        migrations.RunSQL(_backfill("tickets_worklog"), migrations.RunSQL.noop),
        migrations.AlterField("ticketclock", "contract", _contract_field(null=False)),
        migrations.AlterField("worklog", "contract", _contract_field(null=False)),
        # SQLite rebuilt tickets_ticketclock to add its column, and dropped its triggers.
        migrations.RunPython(install, migrations.RunPython.noop, elidable=False),
        migrations.AddIndex(
            model_name="ticketclock",
            index=models.Index(fields=["contract", "due_at"], name="clock_contract_due"),
        ),
        migrations.AddIndex(
            model_name="ticketclock",
            index=models.Index(fields=["contract", "met_at"], name="clock_contract_met"),
        ),
        migrations.AddIndex(
            model_name="worklog",
            index=models.Index(fields=["contract", "work_date"], name="worklog_contract_day"),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                fields=["contract", "created_at"],
                include=["id", "kind", "service_class", "system", "acknowledged_at", "resolved_at"],
                name="tickets_contract_reported",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                fields=["contract", "closed_at"],
                include=["satisfaction"],
                name="tickets_contract_closed",
            ),
        ),
    ]
