"""Working a ticket: respond, dispatch, arrive, hold, resolve, confirm, reopen, cancel."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from contracts.models import Clock as ClockName
from tickets import clocks, notices
from tickets.errors import TicketError
from tickets.models import (
    NOTE_LIMIT,
    ConsentChannel,
    ConsentKind,
    Pause,
    PauseReason,
    ResolutionCause,
    Ticket,
    TicketClock,
)
from tickets.policy import engineers_of, may, may_decide_consent
from tickets.services import consent, outages
from tickets.services._common import _now, _transition


def require_committed_plan(ticket: Ticket, note: str) -> None:
    """Where the contract defines a response as contacting the hospital and committing to a
    plan (C3), what stops the respond clock must say the plan."""
    if ticket.contract.response_needs_plan and not note.strip():
        raise TicketError(
            "plan_required",
            _(
                "Under this contract a response means contacting the hospital and committing "
                "to a plan: write the plan agreed with the hospital in the note."
            ),
            field="note",
        )


def acknowledge(*, ticket: Ticket, by, note: str = "", now: dt.datetime | None = None) -> Ticket:
    def before(t: Ticket) -> None:
        # After the role and state checks: who may not respond hears that first.
        require_committed_plan(t, note)

    def after(t: Ticket, at: dt.datetime) -> None:
        t.acknowledged_at = at
        t.save(update_fields=["acknowledged_at"])
        clocks.meet(t, ClockName.RESPOND, at)

    return _transition(
        ticket,
        by=by,
        action="acknowledge",
        method="acknowledge",
        note=note,
        now=now,
        before=before,
        after=after,
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
        # Where a response is a committed plan (C3), a dispatch without one is no response:
        # the respond clock runs on until someone acknowledges with the plan.
        plan_missing = t.contract.response_needs_plan and not note.strip()
        if t.acknowledged_at is None and not plan_missing:
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
    consent_by: str = "",
    consent_person=None,
    consent_phone: str = "",
    consent_channel: str = ConsentChannel.PHONE,
    consent_at: dt.datetime | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Ticket:
    """Put on hold (挂起) at once. Clocks stop only with the hospital's consent: hospital IT
    gives its own; the vendor records the named person of the hospital who agreed by phone,
    on site or in the WeCom group (tickets.services.consent.record), who may dispute it. The
    hospital-side grant of a request (consent.ask, then consent.grant) is the usual path."""
    if may_decide_consent(by, ticket) and not (consent_person or consent_by.strip()):
        consent.ask(ticket=ticket, by=by, kind=ConsentKind.HOLD, reason=reason, note=note, now=now)
    else:
        consent.record(
            ticket=ticket,
            by=by,
            kind=ConsentKind.HOLD,
            reason=reason,
            note=note,
            channel=consent_channel,
            consent_at=consent_at,
            person=consent_person,
            name=consent_by,
            phone=consent_phone,
            now=now,
        )
    ticket.refresh_from_db()
    return ticket


def resume(*, ticket: Ticket, by, note: str = "", now: dt.datetime | None = None) -> Ticket:
    def after(t: Ticket, at: dt.datetime) -> None:
        Pause.objects.filter(ticket=t, ended_at__isnull=True).update(ended_at=at)
        clocks.reschedule(t, at)

    return _transition(
        ticket, by=by, action="resume", method="resume", note=note, now=now, after=after
    )


def resolve(
    *,
    ticket: Ticket,
    by,
    note: str = "",
    cause: str = "",
    outage_ended_at: dt.datetime | None = None,
    keep_outage_open: bool = False,
    prevention: str = "",
    now: dt.datetime | None = None,
) -> Ticket:
    """Resolve with how it was solved and, optionally, what the fault came from
    (ResolutionCause), which the reports count, and what keeps it from happening again
    (`prevention`, 预防措施), which the report tells with each level-1 incident.

    An outage still open closes when the service came back: `outage_ended_at`, by default
    now, each closing its own timeline line; `keep_outage_open` leaves it open (a workaround
    while the service is still degraded). The page proposes it before anyone resolves."""
    if not note.strip():
        raise TicketError("note_required", _("Say how the problem was solved."))
    if cause and cause not in ResolutionCause.values:
        raise TicketError("invalid", _("Choose a cause from the list."))
    prevention = prevention.strip()
    if len(prevention) > NOTE_LIMIT:
        raise TicketError(
            "invalid",
            _("Keep the prevention measure within %(limit)s characters."),
            field="prevention",
            limit=NOTE_LIMIT,
        )

    def after(t: Ticket, at: dt.datetime) -> None:
        clocks.finish(t, at)
        outages.close_at_recovery(
            t, by=by, at=at, ended_at=outage_ended_at, keep_open=keep_outage_open
        )
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
        data={key: value for key, value in (("cause", cause), ("prevention", prevention)) if value}
        or None,
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
