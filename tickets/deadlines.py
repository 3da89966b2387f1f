"""Recomputing deadlines in bulk when a calendar changes (say, next year's holidays are added).

Running clocks are read as plain tuples in keyset-paginated batches, rescheduled with the
same pure rules as a single ticket (tickets.clocks.schedule and still_recorded), and written
back with one statement per batch; every ticket whose deadline moved gets a timeline line
saying why.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from sla.calendar import invalidate, working_time
from sla.models import ServiceCalendar
from tickets.bulk import ScheduleRow, insert_events, write_schedules
from tickets.clocks import schedule, still_recorded
from tickets.models import Pause, TicketClock

BATCH = 5000
FIELDS = (
    "pk",
    "ticket_id",
    "name",
    "calendar_id",
    "due_by_opening_of_id",
    "started_at",
    "target_minutes",
    "extension_minutes",
    "due_at",
    "warn_at",
    "warned_at",
    "breached_at",
    "is_paused",
    "provisional",
    "ticket__contract__warning_threshold_percent",
)


def recompute_open_deadlines(
    *,
    calendar_ids: list[int] | None = None,
    since: dt.date | None = None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> int:
    """Reschedule running clocks (of the given calendars, due on or after `since`, or paused);
    returns how many deadlines moved."""
    now = now or timezone.now()
    invalidate()
    # A deadline agreed with the hospital (an appointment) does not move with a calendar.
    running = TicketClock.objects.filter(
        met_at__isnull=True, is_active=True, started_at__isnull=False, agreed_due_at__isnull=True
    )
    if calendar_ids is not None:
        # A clock due by another calendar's next opening moves when that calendar does.
        running = running.filter(
            Q(calendar_id__in=calendar_ids) | Q(due_by_opening_of_id__in=calendar_ids)
        )
    if since is not None:
        # A deadline reached before the first changed date cannot move.
        first = dt.datetime.combine(since, dt.time.min, tzinfo=timezone.get_current_timezone())
        running = running.filter(Q(due_at__gte=first) | Q(due_at__isnull=True))
    clocks_of = {calendar.pk: working_time(calendar) for calendar in ServiceCalendar.objects.all()}
    moved, last_pk = 0, 0
    while True:
        rows = list(running.filter(pk__gt=last_pk).order_by("pk").values_list(*FIELDS)[:BATCH])
        if not rows:
            return moved
        last_pk = rows[-1][0]
        moved += _recompute_batch(rows, clocks_of, reason, now)


def _recompute_batch(rows: list[tuple], clocks_of: dict, reason: str, now: dt.datetime) -> int:
    spans = defaultdict(list)
    pauses = Pause.objects.filter(ticket_id__in={row[1] for row in rows}).order_by("started_at")
    for ticket_id, started, ended in pauses.values_list("ticket_id", "started_at", "ended_at"):
        spans[ticket_id].append((started, ended))
    changed: list[ScheduleRow] = []
    events: list[tuple] = []
    for (
        pk,
        ticket_id,
        name,
        calendar_id,
        opening_calendar_id,
        started_at,
        target,
        extension,
        due_at,
        warn_at,
        warned_at,
        breached_at,
        is_paused,
        provisional,
        warn_percent,
    ) in rows:
        result = schedule(
            started_at=started_at,
            total_minutes=target + extension,
            warn_percent=warn_percent,
            pauses=spans[ticket_id],
            wt=clocks_of[calendar_id],
            opening_wt=clocks_of[opening_calendar_id] if opening_calendar_id else None,
            extension_minutes=extension,
        )
        warned, breached = still_recorded(
            result, warned_at=warned_at, breached_at=breached_at, now=now
        )
        new = (result.due_at, result.warn_at, result.paused, result.provisional, warned, breached)
        if new != (due_at, warn_at, is_paused, provisional, warned_at, breached_at):
            changed.append(ScheduleRow(pk, *new))
        if result.due_at != due_at:
            events.append((ticket_id, name, due_at, result.due_at))
    with transaction.atomic():
        write_schedules(changed)
        insert_events(
            [
                (
                    ticket_id,
                    "tickets.clock.recomputed",
                    now,
                    reason,
                    {
                        "clock": name,
                        "from": before.isoformat() if before else None,
                        "to": after.isoformat() if after else None,
                    },
                )
                for ticket_id, name, before, after in events
            ]
        )
    return len(events)


def recompute_for_change(
    *, calendar_ids: list[int] | None, change_id: int | None, since: dt.date | None = None
) -> int:
    """Recompute after a recorded calendar change and note on it how many deadlines moved."""
    from sla.models import CalendarChange

    change = CalendarChange.objects.filter(pk=change_id).first() if change_id else None
    reason = change.description if change else ""
    moved = recompute_open_deadlines(calendar_ids=calendar_ids, since=since, reason=reason)
    if change is not None:
        CalendarChange.objects.filter(pk=change.pk).update(
            moved_clocks=moved, finished_at=timezone.now()
        )
    return moved
