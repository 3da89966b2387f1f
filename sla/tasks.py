"""Background work for service calendars."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from sla.notices import notify_missing_holiday_years


@shared_task(name="sla.warn_missing_holiday_years")
def warn_missing_holiday_years() -> list[int]:
    """Daily: tell administrators which coming years still lack the official holiday schedule."""
    return notify_missing_holiday_years(timezone.localdate())
