"""Clock rules: when a ticket's clocks start, stop, pause, and when they fall due.

Deadlines are always derived from stored facts — the ticket's report and arrival times, its
pauses (holds with consent), the clock's target and extensions, and the calendar — by
`schedule()`, a pure function. Anything that changes a fact calls `reschedule()`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from contracts.models import Clock as ClockName
from contracts.models import ClockStart, ServiceClass
from sla.calendar import NoServiceHours, WorkingTime, working_time
from tickets.errors import TicketError
from tickets.models import Pause, Ticket, TicketClock

Span = tuple[dt.datetime, dt.datetime | None]


@dataclass(frozen=True)
class Schedule:
    due_at: dt.datetime | None
    warn_at: dt.datetime | None
    paused: bool
    provisional: bool


def _deadline(
    clock_start: dt.datetime, seconds: int, pauses: Sequence[Span], wt
) -> dt.datetime | None:
    """When `seconds` of working time have run from `clock_start`, skipping paused spans.

    None while a pause that began before the deadline is still open: a held clock has no
    deadline until it is resumed.
    """
    cursor, remaining = clock_start, seconds
    for pause_start, pause_end in pauses:
        if pause_end is not None and pause_end <= cursor:
            continue
        pause_start = max(pause_start, cursor)
        if pause_start >= wt.add_seconds(cursor, remaining):
            break
        remaining -= wt.seconds_between(cursor, pause_start)
        if pause_end is None:
            return None
        cursor = pause_end
    return wt.add_seconds(cursor, remaining)


def schedule(
    *,
    started_at: dt.datetime,
    total_minutes: int,
    warn_percent: int,
    pauses: Iterable[Span],
    calendar=None,
    wt=None,
    opening_wt=None,
    extension_minutes: int = 0,
) -> Schedule:
    """Deadline and warning time of a running clock; `wt` saves building one per call.

    `opening_wt` (the working time of the calendar a target is "due by the next opening
    of") caps the target: a clock started while that calendar is closed may run no longer
    than until its next opening. The cap is a length of working time counted like the
    target, so a hold with consent moves the capped deadline by the paused time like any
    deadline, and an extension agreed with the hospital (`extension_minutes`, included in
    `total_minutes`) adds to the capped target, not to the uncapped one.
    """
    wt = wt or working_time(calendar)
    spans = sorted(pauses, key=lambda span: span[0])
    total = total_minutes * 60
    capped_provisional = False
    try:
        if opening_wt is not None:
            total, capped_provisional = _capped_seconds(
                started_at, total, extension_minutes * 60, wt, opening_wt
            )
        due = _deadline(started_at, total, spans, wt)
        warn = _deadline(started_at, math.ceil(total * warn_percent / 100), spans, wt)
    except NoServiceHours as exc:
        raise TicketError(
            "calendar_without_hours",
            _(
                "The service calendar %(calendar)s has no service hours, so no deadline can be "
                "counted. Ask an administrator to set its hours."
            ),
            calendar=wt.calendar.name,
        ) from exc
    paused = bool(spans) and spans[-1][1] is None and due is None
    end = due or warn or started_at
    return Schedule(
        due_at=due,
        warn_at=warn if due is not None else None,
        paused=paused,
        provisional=capped_provisional or bool(wt.unknown_years_between(started_at, end)),
    )


def _capped_seconds(
    started_at: dt.datetime, total: int, extension: int, wt, opening_wt
) -> tuple[int, bool]:
    """The target capped by the opening calendar's next opening, and whether that opening
    was found through a year whose holidays OpsDesk does not hold yet."""
    opening = opening_wt.next_opening(started_at)
    if opening is None:  # started while the calendar was open: no cap
        return total, False
    capped = min(total - extension, wt.seconds_between(started_at, opening)) + extension
    return capped, bool(opening_wt.unknown_years_between(started_at, opening))


def opening_time(calendar) -> WorkingTime | None:
    return working_time(calendar) if calendar is not None else None


def pause_spans(ticket: Ticket) -> list[Span]:
    return [(pause.started_at, pause.ended_at) for pause in ticket.pauses.all()]


def clock_start_time(ticket: Ticket, starts_from: str) -> dt.datetime | None:
    return ticket.arrived_at if starts_from == ClockStart.ARRIVAL else ticket.created_at


def reschedule_clock(
    clock: TicketClock, ticket: Ticket, spans: list[Span], now: dt.datetime
) -> None:
    """Recompute one clock's deadline and warning time from the facts; fields only, no save."""
    if not clock.is_running:
        clock.due_at = clock.due_at if clock.met_at else None
        clock.warn_at = clock.warn_at if clock.met_at else None
        clock.is_paused = False
        return
    if clock.agreed_due_at is not None:
        # An appointment the hospital confirmed: the arrive clock is due then (C3).
        result = agreed_schedule(clock, ticket.contract.warning_threshold_percent)
    else:
        result = schedule(
            started_at=clock.started_at,
            total_minutes=clock.total_minutes,
            warn_percent=ticket.contract.warning_threshold_percent,
            pauses=spans,
            calendar=clock.calendar,
            opening_wt=opening_time(clock.due_by_opening_of),
            extension_minutes=clock.extension_minutes,
        )
    clock.due_at, clock.warn_at = result.due_at, result.warn_at
    clock.is_paused, clock.provisional = result.paused, result.provisional
    clock.warned_at, clock.breached_at = still_recorded(
        result, warned_at=clock.warned_at, breached_at=clock.breached_at, now=now
    )


def agreed_schedule(clock: TicketClock, warn_percent: int) -> Schedule:
    """A clock due at a time agreed with the hospital: due then, whatever the calendar and
    holds say (the hospital agreed to that very time); warned when the same share of the
    time from the clock's start to it has passed as for any clock."""
    due = clock.agreed_due_at
    span = max(due - clock.started_at, dt.timedelta(0))
    warn = clock.started_at + span * warn_percent / 100
    return Schedule(due_at=due, warn_at=warn, paused=False, provisional=False)


def still_recorded(
    result: Schedule,
    *,
    warned_at: dt.datetime | None,
    breached_at: dt.datetime | None,
    now: dt.datetime,
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """A longer deadline (a hold, an extension, a lower level) lifts a recorded warning or
    breach that is no longer true; a shorter one is left to the next sweep to record."""
    if breached_at and (result.due_at is None or result.due_at > now):
        breached_at = None
    if warned_at and (result.warn_at is None or result.warn_at > now):
        warned_at = None
    return warned_at, breached_at


CLOCK_FIELDS = [
    "target_minutes",
    "agreed_due_at",
    "extension_minutes",
    "calendar",
    "starts_from",
    "due_by_opening_of",
    "started_at",
    "due_at",
    "warn_at",
    "met_at",
    "warned_at",
    "breached_at",
    "is_paused",
    "is_active",
    "provisional",
]


def recount_met_clock(clock: TicketClock, ticket: Ticket, spans: list[Span]) -> None:
    """Count a met clock's deadline again from the facts (a pause the hospital disputed
    was removed): met after the new deadline is a breach at that deadline."""
    before = [(start, end) for start, end in spans if start < clock.met_at]
    result = schedule(
        started_at=clock.started_at,
        total_minutes=clock.total_minutes,
        warn_percent=ticket.contract.warning_threshold_percent,
        pauses=before,
        calendar=clock.calendar,
    )
    if result.due_at is None:
        return
    clock.due_at, clock.warn_at = result.due_at, result.warn_at
    clock.breached_at = result.due_at if clock.met_at > result.due_at else None


def reschedule(ticket: Ticket, now: dt.datetime, *, recount_met: bool = False) -> list[TicketClock]:
    """Recompute the running clocks from the facts; with `recount_met`, the met ones too (a
    fact they were counted with was taken back)."""
    spans = pause_spans(ticket)
    clocks = list(ticket.clocks.select_related("calendar", "due_by_opening_of"))
    for clock in clocks:
        if recount_met and clock.is_active and clock.met_at and clock.started_at:
            recount_met_clock(clock, ticket, spans)
            continue
        reschedule_clock(clock, ticket, spans, now)
    TicketClock.objects.bulk_update(clocks, CLOCK_FIELDS)
    return clocks


def apply_service_class(ticket: Ticket, service_class: ServiceClass, now: dt.datetime) -> None:
    """Set the ticket's clocks to the targets of its (new) level or category.

    Met clocks keep their record. A running clock takes the new target and calendar and keeps
    its start; a clock the new row lacks stops applying; one it adds starts as the row says.
    """
    targets = {
        target.clock: target
        for target in service_class.clocks.select_related("calendar", "due_by_opening_of")
    }
    existing = {clock.name: clock for clock in ticket.clocks.all()}
    for name in ClockName.values:
        target, clock = targets.get(name), existing.get(name)
        if clock is not None and clock.met_at is not None:
            continue
        keeps_agreement = (
            clock is not None
            and clock.agreed_due_at is not None
            and service_class.arrival_by_appointment
        )
        if clock is not None and clock.agreed_due_at is not None and not keeps_agreement:
            # The new level is not "at the time agreed": its own target counts again.
            clock.agreed_due_at = None
            clock.save(update_fields=["agreed_due_at"])
        if target is None:
            if keeps_agreement:
                continue
            if clock is not None:
                clock.is_active = False
                clock.save(update_fields=["is_active"])
            continue
        values = {
            "target_minutes": target.target_minutes(),
            "calendar": target.calendar,
            "starts_from": target.starts_from,
            "due_by_opening_of": target.due_by_opening_of,
            "started_at": clock_start_time(ticket, target.starts_from),
            "is_active": True,
        }
        if clock is None:
            TicketClock.objects.create(ticket=ticket, name=name, **values)
        else:
            for field, value in values.items():
                setattr(clock, field, value)
            clock.save()
    reschedule(ticket, now)


def meet(ticket: Ticket, name: str, at: dt.datetime) -> TicketClock | None:
    """Stop a clock because its promise was kept at `at`; a late stop records the breach."""
    clock = ticket.clocks.filter(name=name, is_active=True, met_at__isnull=True).first()
    if clock is None or clock.started_at is None:
        return None
    clock.met_at = at
    if clock.due_at is not None and at > clock.due_at and clock.breached_at is None:
        clock.breached_at = clock.due_at
    clock.is_paused = False
    clock.save(update_fields=["met_at", "breached_at", "is_paused"])
    return clock


def finish(ticket: Ticket, at: dt.datetime) -> None:
    """The work is done (resolved, or a change completed or rolled back): every running
    clock is met at `at`, and a late one records its breach."""
    ticket.resolved_at = at
    ticket.save(update_fields=["resolved_at"])
    for name in ClockName.values:
        meet(ticket, name, at)


def start_on_arrival(ticket: Ticket, now: dt.datetime) -> None:
    ticket.clocks.filter(
        starts_from=ClockStart.ARRIVAL, started_at__isnull=True, is_active=True
    ).update(started_at=ticket.arrived_at)
    reschedule(ticket, now)


def agree_arrival(ticket: Ticket, at: dt.datetime, now: dt.datetime) -> TicketClock:
    """The hospital confirmed the engineer will be on site at `at`: the arrive clock falls
    due then. A level without an arrive target (the contract leaves it to the agreement)
    gets an arrive clock from the report, due at the agreed time."""
    clock = ticket.clocks.filter(name=ClockName.ARRIVE).first()
    if clock is not None and clock.met_at is not None:
        raise TicketError("invalid", _("The engineer has already arrived."))
    if clock is None:
        clock = TicketClock(
            ticket=ticket,
            name=ClockName.ARRIVE,
            # No target of its own: the wall-clock minutes to the agreed time, for the record.
            target_minutes=max(int((at - ticket.created_at).total_seconds() // 60), 0),
            calendar=ticket.contract.calendar,
            started_at=ticket.created_at,
        )
    clock.agreed_due_at, clock.is_active = at, True
    clock.save()
    reschedule(ticket, now)
    clock.refresh_from_db()
    return clock


def open_pause(ticket: Ticket) -> Pause | None:
    return ticket.pauses.filter(ended_at__isnull=True).first()
