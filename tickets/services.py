"""Everything that changes a ticket. Each service guards (role, state), locks the row,
changes state and clocks, appends to the timeline, and queues notifications after commit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransition, can_proceed

from contracts.models import Clock as ClockName
from contracts.models import Contract, CoveredSystem, ServiceClass, TicketKind
from tickets import clocks, notices
from tickets.errors import TicketConflict, TicketError
from tickets.models import (
    Attachment,
    Event,
    Extension,
    Outage,
    Pause,
    PauseReason,
    Ticket,
    TicketClock,
    Worklog,
)
from tickets.numbering import next_number
from tickets.policy import may, may_report

ACTION_LABELS = {
    "acknowledge": _("acknowledge"),
    "assign": _("assign"),
    "arrive": _("record arrival on site"),
    "hold": _("put on hold"),
    "resume": _("resume"),
    "resolve": _("resolve"),
    "confirm": _("confirm the resolution"),
    "reopen": _("reopen"),
    "cancel": _("cancel"),
    "submit_plan": _("submit the change plan"),
    "approve_plan": _("approve the change plan"),
    "reject_plan": _("reject the change plan"),
    "complete_change": _("complete the change"),
    "roll_back": _("roll the change back"),
}


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _require(user, action: str, ticket: Ticket) -> None:
    if not may(user, action, ticket):
        raise TicketError(
            "forbidden",
            _("You may not %(action)s this ticket."),
            action=ACTION_LABELS.get(action, action),
        )


def _log(
    ticket: Ticket,
    action: str,
    by,
    at: dt.datetime,
    note: str = "",
    from_state: str = "",
    data: dict | None = None,
) -> Event:
    return Event.objects.create(
        ticket=ticket,
        action=f"tickets.{action}",
        actor=by,
        at=at,
        note=note,
        from_state=from_state,
        to_state=ticket.state if from_state else "",
        data=data or {},
    )


def _locked(ticket: Ticket) -> Ticket:
    return (
        Ticket.objects.select_for_update()
        .select_related("contract", "service_class")
        .get(pk=ticket.pk)
    )


def _transition(
    ticket: Ticket,
    *,
    by,
    action: str,
    method: str,
    note: str = "",
    now: dt.datetime | None = None,
    before: Callable[[Ticket], None] | None = None,
    after: Callable[[Ticket, dt.datetime], None] | None = None,
    data: dict | None = None,
) -> Ticket:
    """The common path of a state change: guard, lock, move, record, notify."""
    at = _now(now)
    try:
        with transaction.atomic():
            locked = _locked(ticket)
            if locked.state != ticket.state:
                raise TicketConflict(
                    "conflict",
                    _(
                        "Someone else changed this ticket a moment ago (it is now “%(state)s”). "
                        "Reload it and try again."
                    ),
                    state=locked.get_state_display(),
                )
            _require(by, action, locked)
            bound = getattr(locked, method)
            if not can_proceed(bound):
                raise TicketError(
                    "invalid_transition",
                    _("A ticket that is “%(state)s” cannot be %(action)s."),
                    state=locked.get_state_display(),
                    action=ACTION_LABELS.get(action, action),
                )
            if before:
                before(locked)
            from_state = locked.state
            bound()
            locked.save()
            if after:
                after(locked, at)
            _log(locked, f"ticket.{action}", by, at, note=note, from_state=from_state, data=data)
            notices.state_changed(locked, by=by, from_state=from_state)
    except ConcurrentTransition as exc:
        raise TicketConflict(
            "conflict",
            _("Someone else changed this ticket a moment ago. Reload it and try again."),
        ) from exc
    ticket.refresh_from_db()
    return ticket


# --- filing ---------------------------------------------------------------------------------


def report_ticket(
    *,
    contract: Contract,
    system: CoveredSystem,
    service_class: ServiceClass,
    title: str,
    description: str,
    reporter,
    contact_phone: str,
    now: dt.datetime | None = None,
) -> Ticket:
    """File a ticket (报修) and start its clocks."""
    at = _now(now)
    if not may_report(reporter, contract):
        raise TicketError("forbidden", _("You may not report tickets under this contract."))
    if service_class.contract_id != contract.pk:
        raise TicketError("invalid", _("Choose a level or category of this contract."))
    if not contract.covers(system):
        raise TicketError(
            "invalid", _("%(system)s is not covered by this contract."), system=system.path()
        )
    if not contract.is_in_force(timezone.localtime(at).date()):
        raise TicketError("invalid", _("This contract is not in force today."))
    ticket = Ticket(
        contract=contract,
        system=system,
        kind=service_class.kind,
        service_class=service_class,
        title=title.strip(),
        description=description.strip(),
        reporter=reporter,
        contact_phone=contact_phone.strip(),
        created_at=at,
    )
    try:
        ticket.full_clean(exclude=["number", "state"])
    except ValidationError as exc:
        raise TicketError(
            "invalid", _("Please correct the ticket: %(errors)s"), errors="; ".join(exc.messages)
        ) from exc
    with transaction.atomic():
        ticket.number = next_number(contract.hospital, at)
        ticket.save()
        clocks.apply_service_class(ticket, service_class, at)
        _log(
            ticket,
            "ticket.reported",
            reporter,
            at,
            from_state="",
            data={"level": service_class.level},
        )
        notices.ticket_created(ticket)
    return ticket


# --- working a ticket -------------------------------------------------------------------------


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
    from contracts.models import Membership, Role

    if not Membership.objects.filter(
        user=engineer, organization_id=ticket.contract.vendor_id, role=Role.ENGINEER
    ).exists():
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
        data={"assignee": engineer.pk},
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


def resolve(*, ticket: Ticket, by, note: str = "", now: dt.datetime | None = None) -> Ticket:
    if not note.strip():
        raise TicketError("note_required", _("Say how the problem was solved."))

    def after(t: Ticket, at: dt.datetime) -> None:
        t.resolved_at = at
        t.save(update_fields=["resolved_at"])
        for name in ClockName.values:
            clocks.meet(t, name, at)
        Outage.objects.filter(ticket=t, ended_at__isnull=True).update(ended_at=at)

    return _transition(
        ticket, by=by, action="resolve", method="resolve", note=note, now=now, after=after
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


# --- changes (C4) ----------------------------------------------------------------------------


def submit_plan(
    *, ticket: Ticket, by, upgrade_plan: str, rollback_plan: str, now: dt.datetime | None = None
) -> Ticket:
    if not upgrade_plan.strip() or not rollback_plan.strip():
        raise TicketError(
            "plans_required", _("A change needs both an upgrade plan and a rollback plan.")
        )

    def before(t: Ticket) -> None:
        t.upgrade_plan, t.rollback_plan = upgrade_plan.strip(), rollback_plan.strip()

    return _transition(
        ticket, by=by, action="submit_plan", method="submit_plan", now=now, before=before
    )


def approve_plan(*, ticket: Ticket, by, note: str = "", now: dt.datetime | None = None) -> Ticket:
    return _transition(
        ticket, by=by, action="approve_plan", method="approve_plan", note=note, now=now
    )


def reject_plan(*, ticket: Ticket, by, note: str, now: dt.datetime | None = None) -> Ticket:
    if not note.strip():
        raise TicketError("note_required", _("Say why the plan is rejected."))
    return _transition(
        ticket, by=by, action="reject_plan", method="reject_plan", note=note, now=now
    )


def _finish_change(action: str):
    def service(*, ticket: Ticket, by, note: str, now: dt.datetime | None = None) -> Ticket:
        if not note.strip():
            raise TicketError("note_required", _("Describe what was done."))

        def after(t: Ticket, at: dt.datetime) -> None:
            t.resolved_at = at
            t.save(update_fields=["resolved_at"])
            for name in ClockName.values:
                clocks.meet(t, name, at)

        return _transition(
            ticket, by=by, action=action, method=action, note=note, now=now, after=after
        )

    return service


complete_change = _finish_change("complete_change")
roll_back = _finish_change("roll_back")


# --- clocks, levels and records -------------------------------------------------------------


def change_level(
    *,
    ticket: Ticket,
    by,
    service_class: ServiceClass,
    note: str,
    now: dt.datetime | None = None,
    automatic: bool = False,
) -> Ticket:
    """Raise or lower the level (升级/降级): running clocks take the new targets."""
    at = _now(now)
    if not automatic:
        _require(by, "change_level", ticket)
    if service_class.contract_id != ticket.contract_id or service_class.kind != ticket.kind:
        raise TicketError("invalid", _("Choose a level of the same contract and kind."))
    if not note.strip():
        raise TicketError("note_required", _("Say why the level changes."))
    if not ticket.is_open:
        raise TicketError("invalid_transition", _("The level of a finished ticket cannot change."))
    with transaction.atomic():
        locked = _locked(ticket)
        previous = locked.service_class
        if previous.pk == service_class.pk:
            return locked
        locked.service_class = service_class
        locked.save(update_fields=["service_class", "updated_at"])
        clocks.apply_service_class(locked, service_class, at)
        _log(
            locked,
            "ticket.level_changed",
            by,
            at,
            note=note,
            data={"from": previous.name, "to": service_class.name, "automatic": automatic},
        )
        notices.level_changed(locked, previous=previous, automatic=automatic)
    ticket.refresh_from_db()
    return ticket


def extend_clock(
    *,
    ticket: Ticket,
    by,
    clock: str,
    minutes: int,
    reason: str,
    consent_by: str,
    now: dt.datetime | None = None,
) -> TicketClock:
    """Give one clock more time with the hospital's consent (C1: 经用户同意后可适当延长)."""
    at = _now(now)
    _require(by, "extend", ticket)
    if minutes <= 0:
        raise TicketError("invalid", _("An extension is a positive number of minutes."))
    if not consent_by.strip() or not reason.strip():
        raise TicketError(
            "consent_required",
            _("An extension needs a reason and the name of whoever at the hospital agreed."),
        )
    with transaction.atomic():
        locked = _locked(ticket)
        row = locked.clocks.filter(name=clock, is_active=True, met_at__isnull=True).first()
        if row is None:
            raise TicketError("invalid", _("Only a running clock can be extended."))
        target = locked.service_class.clock_target(clock)
        if target is None or not target.extendable_with_consent:
            raise TicketError(
                "not_extendable", _("The contract does not allow extending this clock.")
            )
        limit = target.max_extension_minutes()
        if limit is not None and row.extension_minutes + minutes > limit:
            raise TicketError(
                "extension_too_long",
                _("The contract allows at most %(limit)s more minutes on this clock."),
                limit=limit,
            )
        Extension.objects.create(
            clock=row,
            minutes=minutes,
            reason=reason.strip(),
            consent_by=consent_by.strip(),
            consent_at=at,
            recorded_by=by,
        )
        row.extension_minutes += minutes
        row.save(update_fields=["extension_minutes"])
        clocks.reschedule(locked, at)
        _log(
            locked,
            "clock.extended",
            by,
            at,
            note=reason,
            data={"clock": clock, "minutes": minutes, "consent_by": consent_by.strip()},
        )
    row.refresh_from_db()
    return row


def add_comment(*, ticket: Ticket, by, text: str, now: dt.datetime | None = None) -> Event:
    _require(by, "comment", ticket)
    if not text.strip():
        raise TicketError("invalid", _("Write a comment first."))
    return _log(ticket, "ticket.commented", by, _now(now), note=text.strip())


def log_work(
    *,
    ticket: Ticket,
    by,
    work_date: dt.date,
    minutes: int,
    mode: str,
    description: str,
    counts_against_quota: bool = False,
    now: dt.datetime | None = None,
) -> Worklog:
    _require(by, "log_work", ticket)
    worklog = Worklog(
        ticket=ticket,
        engineer=by,
        work_date=work_date,
        minutes=minutes,
        mode=mode,
        counts_against_quota=counts_against_quota,
        description=description.strip(),
    )
    try:
        worklog.full_clean()
    except ValidationError as exc:
        raise TicketError(
            "invalid", _("Please correct the worklog: %(errors)s"), errors="; ".join(exc.messages)
        ) from exc
    with transaction.atomic():
        worklog.save()
        _log(
            ticket,
            "ticket.work_logged",
            by,
            _now(now),
            note=worklog.description,
            data={
                "worklog": worklog.pk,
                "minutes": minutes,
                "mode": mode,
                "counts_against_quota": counts_against_quota,
            },
        )
    return worklog


def record_outage(
    *,
    ticket: Ticket,
    by,
    started_at: dt.datetime,
    ended_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Outage:
    """Record when a level-1 fault took the service down and when it came back."""
    _require(by, "record_outage", ticket)
    if ticket.kind != TicketKind.FAULT or ticket.level != 1:
        raise TicketError("invalid", _("Outages are recorded on level-1 faults."))
    if ended_at is not None and ended_at <= started_at:
        raise TicketError("invalid", _("The service must come back after it went down."))
    with transaction.atomic():
        outage = Outage.objects.create(
            ticket=ticket, started_at=started_at, ended_at=ended_at, recorded_by=by
        )
        _log(
            ticket,
            "ticket.outage_recorded",
            by,
            _now(now),
            data={
                "started_at": started_at.isoformat(),
                "ended_at": ended_at.isoformat() if ended_at else None,
            },
        )
    return outage


ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
ATTACHMENT_EXTENSIONS = frozenset(
    {
        "png",
        "jpg",
        "jpeg",
        "gif",
        "bmp",
        "webp",
        "pdf",
        "txt",
        "log",
        "csv",
        "doc",
        "docx",
        "xls",
        "xlsx",
        "ppt",
        "pptx",
        "zip",
        "rar",
        "7z",
    }
)


def attach_file(*, ticket: Ticket, by, upload, now: dt.datetime | None = None) -> Attachment:
    """Attach a screenshot, log or document; the file is kept outside the static files and
    only ever served as a download through a permission check."""
    _require(by, "comment", ticket)
    name = (upload.name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ATTACHMENT_EXTENSIONS:
        raise TicketError(
            "file_type", _("Files of this type cannot be attached: %(name)s."), name=name
        )
    if upload.size > ATTACHMENT_MAX_BYTES:
        raise TicketError(
            "file_too_large", _("Attachments are limited to 20 MB; %(name)s is larger."), name=name
        )
    with transaction.atomic():
        attachment = Attachment.objects.create(
            ticket=ticket,
            file=upload,
            original_name=name[:255],
            content_type=getattr(upload, "content_type", "") or "",
            size=upload.size,
            uploaded_by=by,
        )
        _log(
            ticket,
            "ticket.file_attached",
            by,
            _now(now),
            data={"attachment": attachment.pk, "name": attachment.original_name},
        )
    return attachment
