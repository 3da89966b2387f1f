"""Recomputing deadlines in bulk when a calendar changes (say, next year's holidays are added).

Open tickets' clocks are rescheduled from their facts in batches, with one query per batch
for the clocks, one for their pauses and one bulk update; every ticket whose deadline moved
gets a timeline line saying why.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from sla.calendar import invalidate
from tickets.clocks import CLOCK_FIELDS, reschedule_clock
from tickets.models import Event, Pause, TicketClock

BATCH = 2000


def recompute_open_deadlines(
    *, calendar_ids: list[int] | None = None, reason: str = "", now: dt.datetime | None = None
) -> int:
    """Reschedule every running clock (of the given calendars); returns how many moved."""
    now = now or timezone.now()
    invalidate()
    running = TicketClock.objects.filter(met_at__isnull=True, is_active=True, started_at__isnull=False)
    if calendar_ids is not None:
        running = running.filter(calendar_id__in=calendar_ids)
    moved = 0
    last_pk = 0
    while True:
        batch = list(
            running.filter(pk__gt=last_pk)
            .select_related("ticket__contract", "calendar")
            .order_by("pk")[:BATCH]
        )
        if not batch:
            return moved
        last_pk = batch[-1].pk
        moved += _recompute_batch(batch, reason, now)


def _recompute_batch(batch: list[TicketClock], reason: str, now: dt.datetime) -> int:
    spans = defaultdict(list)
    for pause in Pause.objects.filter(ticket_id__in={clock.ticket_id for clock in batch}).order_by(
        "started_at"
    ):
        spans[pause.ticket_id].append((pause.started_at, pause.ended_at))
    changed, events = [], []
    for clock in batch:
        before, before_state = clock.due_at, (clock.warn_at, clock.provisional, clock.is_paused)
        reschedule_clock(clock, clock.ticket, spans[clock.ticket_id], now)
        if (clock.due_at, clock.warn_at, clock.provisional, clock.is_paused) != (before, *before_state):
            changed.append(clock)
        if clock.due_at != before:
            events.append(
                Event(
                    ticket_id=clock.ticket_id,
                    action="tickets.clock.recomputed",
                    at=now,
                    note=reason,
                    data={
                        "clock": clock.name,
                        "from": before.isoformat() if before else None,
                        "to": clock.due_at.isoformat() if clock.due_at else None,
                    },
                )
            )
    with transaction.atomic():
        TicketClock.objects.bulk_update(changed, CLOCK_FIELDS, batch_size=500)
        Event.objects.bulk_create(events, batch_size=1000)
    return len(events)


def recompute_for_change(*, calendar_ids: list[int] | None, change_id: int | None) -> int:
    """Recompute after a recorded calendar change and note on it how many deadlines moved."""
    from sla.models import CalendarChange

    change = CalendarChange.objects.filter(pk=change_id).first() if change_id else None
    reason = change.description if change else ""
    moved = recompute_open_deadlines(calendar_ids=calendar_ids, reason=reason)
    if change is not None:
        CalendarChange.objects.filter(pk=change.pk).update(moved_clocks=moved, finished_at=timezone.now())
    return moved
