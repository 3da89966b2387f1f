"""Background work on tickets: thin adapters over the services."""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from tickets.deadlines import recompute_for_change
from tickets.escalation import sweep


@shared_task(name="tickets.sweep_clocks")
def sweep_clocks() -> dict:
    """Every minute: record and announce warnings and breaches."""
    result = sweep()
    return {"warned": result.warned, "breached": result.breached}


@shared_task(name="tickets.recompute_deadlines")
def recompute_deadlines(
    calendar_ids: list[int] | None = None, change_id: int | None = None, since: str | None = None
) -> int:
    """After a calendar or holiday edit: move the deadlines of open tickets that count in it."""
    first = dt.date.fromisoformat(since) if since else None
    return recompute_for_change(calendar_ids=calendar_ids, change_id=change_id, since=first)
