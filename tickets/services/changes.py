"""Changes (C4): "every upgrade needs an upgrade plan and a rollback plan approved by the
hospital's information centre, with the time of implementation agreed, before it runs".

The vendor opens a change with both plans and a proposed implementation window; hospital IT
approves the plan and the window, or approves the plan with another window that the vendor
then accepts. Either side may propose a new window later (a newer proposal supersedes the
older one); the other side agrees to it.

Completing (or rolling back) a change outside its agreed window is possible — an emergency,
a window that ran over — but only with the reason on record: the timeline, the page and the
API show it, so that the hospital sees every change that ran outside what it agreed.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from contracts.models import Contract, CoveredSystem, ServiceClass, TicketKind
from tickets import clocks, notices
from tickets.errors import TicketError
from tickets.models import AgreementChannel, ChangeWindow, Side, State, Ticket
from tickets.policy import HOSPITAL_STAFF, roles_on_contract
from tickets.services._common import _locked, _log, _now, _require, _transition
from tickets.services.filing import file_ticket

# Longest window one may propose: a change that needs longer is several changes.
LONGEST_WINDOW = dt.timedelta(days=7)
WINDOW_STATES = (State.AWAITING_APPROVAL, State.APPROVED)


def _side(user, ticket: Ticket) -> str:
    return (
        Side.HOSPITAL if roles_on_contract(user, ticket.contract) & HOSPITAL_STAFF else Side.VENDOR
    )


def check_window(starts_at, ends_at, *, now: dt.datetime) -> None:
    if starts_at is None or ends_at is None:
        raise TicketError(
            "window_required",
            _("Give the implementation window: when the change starts and when it ends."),
            field="window_starts_at",
        )
    if ends_at <= starts_at:
        raise TicketError(
            "invalid", _("The window must end after it starts."), field="window_ends_at"
        )
    if ends_at - starts_at > LONGEST_WINDOW:
        raise TicketError("invalid", _("A window is at most 7 days long."), field="window_ends_at")
    if ends_at <= now:
        raise TicketError(
            "invalid",
            _("The window has already passed: propose a time still to come."),
            field="window_ends_at",
        )


def current_window(ticket: Ticket) -> ChangeWindow | None:
    return ticket.change_windows.filter(superseded_at__isnull=True).first()


def _propose(ticket: Ticket, by, starts_at, ends_at, at: dt.datetime) -> ChangeWindow:
    """Store a new proposal, superseding the current one, and ask the other side."""
    ticket.change_windows.filter(superseded_at__isnull=True).update(superseded_at=at)
    side = _side(by, ticket)
    window = ChangeWindow.objects.create(
        ticket=ticket,
        starts_at=starts_at,
        ends_at=ends_at,
        proposed_by=by,
        proposed_side=side,
        proposed_at=at,
    )
    _log(ticket, "ticket.window_proposed", by, at, data=window_facts(window))
    notices.agreement_requested(ticket, by=by, ask_hospital=side == Side.VENDOR, what=window)
    return window


def _agree(window: ChangeWindow, by, at: dt.datetime) -> None:
    window.agreed_by, window.agreed_at = by, at
    window.agreed_channel = AgreementChannel.PORTAL
    window.save(update_fields=["agreed_by", "agreed_at", "agreed_channel"])
    _log(window.ticket, "ticket.window_agreed", by, at, data=window_facts(window))


def window_facts(window: ChangeWindow) -> dict:
    return {
        "window": window.pk,
        "starts_at": window.starts_at.isoformat(),
        "ends_at": window.ends_at.isoformat(),
        "proposed_side": window.proposed_side,
    }


def open_change(
    *,
    contract: Contract,
    system: CoveredSystem,
    service_class: ServiceClass,
    title: str,
    description: str,
    upgrade_plan: str,
    rollback_plan: str,
    window_starts_at: dt.datetime | None,
    window_ends_at: dt.datetime | None,
    by,
    contact_phone: str = "",
    now: dt.datetime | None = None,
) -> Ticket:
    """The vendor opens a change with its plans and a proposed window: the ticket goes
    straight to hospital IT for approval (one step, so no change waits without a plan)."""
    at = _now(now)
    if service_class.kind != TicketKind.CHANGE:
        raise TicketError(
            "invalid", _("Choose a change row of the contract."), field="service_class"
        )
    _check_plans(upgrade_plan, rollback_plan)
    check_window(window_starts_at, window_ends_at, now=at)
    with transaction.atomic():
        ticket = file_ticket(
            contract=contract,
            system=system,
            service_class=service_class,
            title=title,
            description=description,
            reporter=by,
            contact_phone=contact_phone or getattr(by, "phone", ""),
            now=at,
        ).ticket
        return submit_plan(
            ticket=ticket,
            by=by,
            upgrade_plan=upgrade_plan,
            rollback_plan=rollback_plan,
            window_starts_at=window_starts_at,
            window_ends_at=window_ends_at,
            now=at,
        )


def _check_plans(upgrade_plan: str, rollback_plan: str) -> None:
    if not upgrade_plan.strip() or not rollback_plan.strip():
        raise TicketError(
            "plans_required",
            _("A change needs both an upgrade plan and a rollback plan."),
            field="upgrade_plan" if not upgrade_plan.strip() else "rollback_plan",
        )


def submit_plan(
    *,
    ticket: Ticket,
    by,
    upgrade_plan: str,
    rollback_plan: str,
    window_starts_at: dt.datetime | None = None,
    window_ends_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Ticket:
    at = _now(now)
    _check_plans(upgrade_plan, rollback_plan)
    check_window(window_starts_at, window_ends_at, now=at)

    def before(t: Ticket) -> None:
        t.upgrade_plan, t.rollback_plan = upgrade_plan.strip(), rollback_plan.strip()

    with transaction.atomic():
        ticket = _transition(
            ticket, by=by, action="submit_plan", method="submit_plan", now=at, before=before
        )
        _propose(ticket, by, window_starts_at, window_ends_at, at)
    return ticket


def approve_plan(
    *,
    ticket: Ticket,
    by,
    note: str = "",
    window_starts_at: dt.datetime | None = None,
    window_ends_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Ticket:
    """Hospital IT approves the plans and the proposed window, or the plans with another
    window (`window_starts_at`/`window_ends_at`) for the vendor to accept."""
    at = _now(now)
    counter = window_starts_at is not None or window_ends_at is not None
    if counter:
        check_window(window_starts_at, window_ends_at, now=at)

    with transaction.atomic():
        ticket = _transition(
            ticket, by=by, action="approve_plan", method="approve_plan", note=note, now=at
        )
        if counter:
            _propose(ticket, by, window_starts_at, window_ends_at, at)
            return ticket
        window = current_window(ticket)
        if window is None:
            raise TicketError(
                "window_required",
                _("The change has no proposed window: give one with the approval."),
                field="window_starts_at",
            )
        if not window.is_agreed:
            _agree(window, by, at)
    return ticket


def reject_plan(*, ticket: Ticket, by, note: str, now: dt.datetime | None = None) -> Ticket:
    if not note.strip():
        raise TicketError("note_required", _("Say why the plan is rejected."), field="note")
    return _transition(
        ticket, by=by, action="reject_plan", method="reject_plan", note=note, now=now
    )


def propose_window(
    *,
    ticket: Ticket,
    by,
    window_starts_at: dt.datetime | None,
    window_ends_at: dt.datetime | None,
    note: str = "",
    now: dt.datetime | None = None,
) -> ChangeWindow:
    """Either side proposes another window while the change waits or is approved."""
    at = _now(now)
    check_window(window_starts_at, window_ends_at, now=at)
    with transaction.atomic():
        locked = _locked(ticket)
        _require(by, "propose_window", locked)
        _require_window_state(locked, "propose_window")
        window = _propose(locked, by, window_starts_at, window_ends_at, at)
        if note.strip():
            _log(locked, "ticket.commented", by, at, note=note.strip())
    return window


def agree_window(
    *, ticket: Ticket, by, note: str = "", now: dt.datetime | None = None
) -> ChangeWindow:
    """The side that did not propose the current window agrees to it."""
    at = _now(now)
    with transaction.atomic():
        locked = _locked(ticket)
        _require(by, "agree_window", locked)
        _require_window_state(locked, "agree_window")
        window = current_window(locked)
        if window is None or window.is_agreed:
            raise TicketError(
                "invalid_transition", _("No proposed window is waiting for agreement.")
            )
        if window.proposed_side == _side(by, locked):
            raise TicketError(
                "forbidden",
                _("The other party agrees to a window your side proposed."),
            )
        _agree(window, by, at)
        if note.strip():
            _log(locked, "ticket.commented", by, at, note=note.strip())
    return window


def _require_window_state(ticket: Ticket, action: str) -> None:
    if ticket.state not in WINDOW_STATES:
        raise TicketError(
            "invalid_transition",
            _("A ticket that is “%(state)s” cannot be %(action)s."),
            state=ticket.get_state_display(),
            action=_("given a change window"),
        )


def outside_agreed_window(ticket: Ticket, at: dt.datetime) -> bool:
    window = current_window(ticket)
    return window is None or not window.is_agreed or not window.contains(at)


def _finish_change(action: str):
    def service(
        *,
        ticket: Ticket,
        by,
        note: str,
        outside_window_reason: str = "",
        now: dt.datetime | None = None,
    ) -> Ticket:
        at = _now(now)
        if not note.strip():
            raise TicketError("note_required", _("Describe what was done."), field="note")
        # The state machine speaks first: a change not yet approved cannot finish at all.
        outside = can_proceed(getattr(ticket, action)) and outside_agreed_window(ticket, at)
        if outside and not outside_window_reason.strip():
            raise TicketError(
                "outside_window",
                _(
                    "It is %(now)s, outside the window agreed with the hospital: say why the "
                    "change is finished outside it."
                ),
                field="outside_window_reason",
                now=f"{timezone.localtime(at):%Y-%m-%d %H:%M}",
            )
        window = current_window(ticket)

        def after(t: Ticket, when: dt.datetime) -> None:
            clocks.finish(t, when)

        return _transition(
            ticket,
            by=by,
            action=action,
            method=action,
            note=note,
            now=at,
            after=after,
            data={
                "window": window.pk if window else None,
                "outside_window": outside,
                **({"outside_window_reason": outside_window_reason.strip()} if outside else {}),
            },
        )

    return service


complete_change = _finish_change("complete_change")
roll_back = _finish_change("roll_back")
