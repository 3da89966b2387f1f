"""Working a ticket: respond, dispatch, arrive, hold, resolve, confirm, reopen, cancel."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from contracts.models import Clock as ClockName
from tickets import clocks, notices
from tickets.errors import TicketError
from tickets.models import (
    Outage,
    Pause,
    PauseReason,
    ResolutionCause,
    Ticket,
    TicketClock,
)
from tickets.policy import engineers_of, may
from tickets.services._common import _now, _transition


def acknowledge(*, ticket: Ticket, by, note: str = "", now: dt.datetime | None = None) -> Ticket:
    def after(t: Ticket, at: dt.datetime) -> None:
        t.acknowledged_at = at
        t.save(update_fields=["acknowledged_at"])
        clocks.meet(t, ClockName.RESPOND, at)

    return _transition(
        ticket, by=by, action="acknowledge", method="acknowledge", note=note, now=now, after=after
    )


def assign(
    *, ticket: Ticket, by, engineer, note: str = "", now: dt.datetime | None = None
) -> Ticket:
    """Dispatch (派工) or re-dispatch (转派) to an engineer of the contract's vendor."""
    if not engineers_of(ticket.contract).filter(pk=engineer.pk).exists():
        raise TicketError(
            "invalid",
            _("%(person)s is not an engineer of this contract's vendor."),
            person=str(engineer),
        )
    action = "take" if by == engineer and not may(by, "assign", ticket) else "assign"

    def before(t: Ticket) -> None:
        t.assignee = engineer

    def after(t: Ticket, at: dt.datetime) -> None:
        if t.acknowledged_at is None:
            # Dispatching is a committed response: it stops the respond clock too.
            t.acknowledged_at = at
            t.save(update_fields=["acknowledged_at"])
            clocks.meet(t, ClockName.RESPOND, at)
        notices.assigned(t, engineer)

    return _transition(
        ticket,
        by=by,
        action=action,
        method="dispatch",
        note=note,
        now=now,
        before=before,
        after=after,
        # The name as well as the id: the timeline states whom, even after a rename.
        data={"assignee": engineer.pk, "assignee_name": str(engineer)},
    )


def arrive(*, ticket: Ticket, by, note: str = "", now: dt.datetime | None = None) -> Ticket:
    """Sign in on site (签到): stops the arrive clock and starts any resolve clock counted
    from arrival."""

    def after(t: Ticket, at: dt.datetime) -> None:
        t.arrived_at = at
        if t.assignee_id is None:
            t.assignee = by
        t.save(update_fields=["arrived_at", "assignee"])
        clocks.meet(t, ClockName.ARRIVE, at)
        clocks.start_on_arrival(t, at)

    return _transition(
        ticket, by=by, action="arrive", method="arrive", note=note, now=now, after=after
    )


def hold(
    *,
    ticket: Ticket,
    by,
    reason: str,
    consent_by: str,
    consent_at: dt.datetime | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Ticket:
    """Put on hold (挂起). Clocks stop only with the hospital's recorded consent."""
    if reason not in PauseReason.values or reason == PauseReason.AWAITING_CONFIRMATION:
        raise TicketError("invalid", _("Choose why the ticket waits."))
    if not consent_by.strip():
        raise TicketError(
            "consent_required",
            _("Clocks stop only with the hospital's consent: say who at the hospital agreed."),
        )

    def after(t: Ticket, at: dt.datetime) -> None:
        Pause.objects.create(
            ticket=t,
            reason=reason,
            note=note,
            started_at=at,
            consent_by=consent_by.strip(),
            consent_at=consent_at or at,
            recorded_by=by,
        )
        clocks.reschedule(t, at)

    return _transition(
        ticket,
        by=by,
        action="hold",
        method="hold",
        note=note,
        now=now,
        after=after,
        data={"reason": reason, "consent_by": consent_by.strip()},
    )


def resume(*, ticket: Ticket, by, note: str = "", now: dt.datetime | None = None) -> Ticket:
    def after(t: Ticket, at: dt.datetime) -> None:
        Pause.objects.filter(ticket=t, ended_at__isnull=True).update(ended_at=at)
        clocks.reschedule(t, at)

    return _transition(
        ticket, by=by, action="resume", method="resume", note=note, now=now, after=after
    )


def resolve(
    *, ticket: Ticket, by, note: str = "", cause: str = "", now: dt.datetime | None = None
) -> Ticket:
    """Resolve with how it was solved and, optionally, what the fault came from
    (ResolutionCause), which the reports count."""
    if not note.strip():
        raise TicketError("note_required", _("Say how the problem was solved."))
    if cause and cause not in ResolutionCause.values:
        raise TicketError("invalid", _("Choose a cause from the list."))

    def after(t: Ticket, at: dt.datetime) -> None:
        clocks.finish(t, at)
        Outage.objects.filter(ticket=t, ended_at__isnull=True).update(ended_at=at)
        if cause:
            t.resolution_cause = cause
            t.save(update_fields=["resolution_cause"])

    return _transition(
        ticket,
        by=by,
        action="resolve",
        method="resolve",
        note=note,
        now=now,
        after=after,
        data={"cause": cause} if cause else None,
    )


def confirm(
    *, ticket: Ticket, by, satisfaction: int, comment: str = "", now: dt.datetime | None = None
) -> Ticket:
    """The hospital confirms the resolution and rates it (1–5); the ticket closes."""
    if satisfaction not in range(1, 6):
        raise TicketError(
            "invalid", _("Rate the service from 1 (very dissatisfied) to 5 (very satisfied).")
        )

    def after(t: Ticket, at: dt.datetime) -> None:
        t.satisfaction, t.satisfaction_comment, t.closed_at = satisfaction, comment.strip(), at
        t.save(update_fields=["satisfaction", "satisfaction_comment", "closed_at"])

    return _transition(
        ticket,
        by=by,
        action="confirm",
        method="confirm",
        note=comment,
        now=now,
        after=after,
        data={"satisfaction": satisfaction},
    )


def reopen(*, ticket: Ticket, by, note: str, now: dt.datetime | None = None) -> Ticket:
    """Reopen (驳回/重开) within the contract's window; the resolve clock runs on from where it
    stopped, the wait for confirmation not counted."""
    at = _now(now)
    if not note.strip():
        raise TicketError("note_required", _("Say what is still wrong."))
    finished = ticket.closed_at or ticket.resolved_at
    window = dt.timedelta(days=ticket.contract.reopen_window_days)
    if finished and at - finished > window:
        raise TicketError(
            "reopen_window_passed",
            _(
                "This ticket can no longer be reopened: the contract allows %(days)s days. "
                "Report a new ticket and mark it as a recurrence."
            ),
            days=ticket.contract.reopen_window_days,
        )

    def after(t: Ticket, at: dt.datetime) -> None:
        Pause.objects.create(
            ticket=t,
            reason=PauseReason.AWAITING_CONFIRMATION,
            started_at=t.resolved_at,
            ended_at=at,
            recorded_by=by,
            consent_by=str(by),
            consent_at=at,
        )
        t.resolved_at = t.closed_at = None
        t.satisfaction, t.satisfaction_comment = None, ""
        t.save(update_fields=["resolved_at", "closed_at", "satisfaction", "satisfaction_comment"])
        TicketClock.objects.filter(ticket=t, name=ClockName.RESOLVE).update(met_at=None)
        clocks.reschedule(t, at)

    return _transition(
        ticket, by=by, action="reopen", method="reopen", note=note, now=at, after=after
    )


def cancel(*, ticket: Ticket, by, note: str = "", now: dt.datetime | None = None) -> Ticket:
    """Withdraw a ticket before work starts (撤销)."""

    def after(t: Ticket, at: dt.datetime) -> None:
        t.closed_at = at
        t.save(update_fields=["closed_at"])
        TicketClock.objects.filter(ticket=t, met_at__isnull=True).update(
            is_active=False, due_at=None, warn_at=None
        )

    return _transition(
        ticket, by=by, action="cancel", method="cancel", note=note, now=now, after=after
    )
