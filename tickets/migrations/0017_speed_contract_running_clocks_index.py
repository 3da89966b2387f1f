"""A contract's running clocks by due time: the dashboard's open breaches (the earliest 50)
and their count read the clocks still running, not every clock the contract ever had in due
order (at 1M tickets the busiest contract's first 50 skipped 78 000 met clocks, 60-100 ms)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0008_agree_response_plan_appointment_quota"),
        ("sla", "0003_holiday_notice"),
        ("tickets", "0016_speed_reported_index_with_channel"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="ticketclock",
            index=models.Index(
                condition=models.Q(("is_active", True), ("met_at__isnull", True)),
                fields=["contract", "due_at"],
                name="clock_contract_running_due",
            ),
        ),
    ]
