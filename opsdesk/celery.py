import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opsdesk.settings")

app = Celery("opsdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The one place the periodic schedule lives.
app.conf.beat_schedule = {
    "sweep-clocks": {"task": "tickets.sweep_clocks", "schedule": 60.0},
    "deliver-pending-notifications": {"task": "notifications.deliver_pending", "schedule": 60.0},
    "deliver-pending-webhooks": {"task": "webhooks.deliver_pending", "schedule": 60.0},
    "poll-inbound-mailboxes": {"task": "intake.poll_mailboxes", "schedule": 60.0},
    "warn-missing-holiday-years": {
        "task": "sla.warn_missing_holiday_years",
        "schedule": crontab(hour=8, minute=0),
    },
    "plan-and-remind-inspections": {
        "task": "inspections.plan_and_remind",
        "schedule": crontab(hour=7, minute=0),
    },
    "render-pending-inspection-reports": {
        "task": "inspections.render_pending",
        "schedule": 300.0,
    },
    "requeue-stuck-report-renders": {"task": "reports.requeue_stuck", "schedule": 300.0},
    "make-quarterly-summaries": {
        "task": "reports.make_quarterly_summaries",
        "schedule": crontab(hour=6, minute=30),
    },
    "forget-old-idempotency-keys": {
        "task": "api.forget_old_idempotency_keys",
        "schedule": crontab(hour=3, minute=30),
    },
    "purge-expired-audit-entries": {
        "task": "audit.purge_expired",
        "schedule": crontab(hour=3, minute=45),
    },
}
