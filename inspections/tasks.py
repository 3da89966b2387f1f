"""Celery tasks: thin adapters over the inspection services."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from opsdesk import outbox


@shared_task(
    name="inspections.render_report",
    bind=True,
    autoretry_for=(OSError,),
    retry_backoff=30,
    max_retries=5,
)
def render_report(self, inspection_id: int) -> int | None:
    from inspections.report import render_current

    report = render_current(inspection_id)
    return report.pk if report else None


@shared_task(name="inspections.render_pending")
def render_pending() -> int:
    """Reports asked for while the broker was down, or whose worker died mid-render."""
    from inspections.report import stale_inspection_ids

    return outbox.enqueue(render_report, stale_inspection_ids(), "inspection reports")


@shared_task(name="inspections.plan_and_remind")
def plan_and_remind() -> dict:
    """Daily: plan every contract's inspections, remind ahead of due dates, report overdue."""
    from contracts.models import Contract
    from inspections import notices, schedule

    today = timezone.localdate()
    created = 0
    for contract in Contract.objects.filter(ends_on__gte=today):
        created += len(schedule.plan_contract(contract).created)
    return {
        "planned": created,
        "reminded": notices.remind_due(today),
        "overdue": notices.warn_overdue(today),
    }
