"""The common path of every ticket change: guard the role, lock the row, move the state,
write the timeline, queue notifications."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransition, can_proceed

from audit.record import record
from tickets import notices
from tickets.errors import TicketConflict, TicketError
from tickets.models import (
    Event,
    Ticket,
)
from tickets.policy import is_colleagues_ticket, may, roles_on_contract

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
    "propose_window": _("propose a change window for"),
    "agree_window": _("agree the change window of"),
    "propose_appointment": _("propose an on-site time for"),
    "confirm_appointment": _("confirm the on-site time of"),
    "record_appointment": _("record the hospital's confirmation of the on-site time of"),
    "edit": _("edit"),
    "comment": _("comment on"),
    "internal_note": _("write an internal note on"),
    "log_work": _("log work on"),
    "change_level": _("change the level of"),
    "extend": _("extend a clock of"),
    "breach_reason": _("give the reason for a missed deadline of"),
    "record_outage": _("record an outage on"),
    "request_consent": _("ask the hospital's consent on"),
    "record_consent": _("record the hospital's consent on"),
    "withdraw_consent": _("withdraw a consent request on"),
    "decide_consent": _("answer a consent request on"),
    "dispute_consent": _("dispute a consent on"),
    "restart": _("ask the hospital's consent to restart, on"),
    "link_recurrence": _("link an earlier occurrence to"),
    "unlink_recurrence": _("unlink the earlier occurrence from"),
    "correct_outage": _("correct an outage of"),
    "close_outage": _("close an outage of"),
    "withdraw_outage": _("withdraw an outage of"),
}


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _require(user, action: str, ticket: Ticket) -> None:
    if not may(user, action, ticket):
        if not user.is_superuser and is_colleagues_ticket(
            user, action, ticket, roles_on_contract(user, ticket.contract)
        ):
            raise TicketError(
                "forbidden",
                _(
                    "This ticket is assigned to %(assignee)s: only they, a dispatcher or the "
                    "vendor's manager may %(action)s it."
                ),
                assignee=ticket.assignee.get_full_name() or ticket.assignee.get_username(),
                action=ACTION_LABELS.get(action, action),
            )
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
    internal: bool = False,
) -> Event:
    event = Event.objects.create(
        ticket=ticket,
        action=f"tickets.{action}",
        actor=by,
        at=at,
        note=note,
        from_state=from_state,
        to_state=ticket.state if from_state else "",
        data=data or {},
        internal=internal,
    )
    # The audit trail, in this same transaction: a change rolled back leaves no entry.
    record(
        event.action,
        actor=by,
        obj=ticket,
        contract=ticket.contract_id,
        data={
            "event": event.pk,
            "from_state": event.from_state,
            "to_state": event.to_state,
            "state": ticket.state,
            # An internal line's details (a file's name) stay out of the trail, which the
            # hospital's administrator reads too.
            **({"internal": True} if internal else {}),
            **({"details": event.data} if event.data and not internal else {}),
        },
    )
    return event


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
            # The person acted on what they saw: the state and who the ticket was with.
            if locked.state != ticket.state or locked.assignee_id != ticket.assignee_id:
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
            if locked.state != from_state:
                # (A response with C3's plan after dispatch keeps the state: nothing to tell.)
                notices.state_changed(locked, by=by, from_state=from_state)
    except ConcurrentTransition as exc:
        raise TicketConflict(
            "conflict",
            _("Someone else changed this ticket a moment ago. Reload it and try again."),
        ) from exc
    ticket.refresh_from_db()
    return ticket
