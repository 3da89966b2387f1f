"""Recurring problems: the same problem again within the contract's window raises its level
(C4: 同样问题出现三次以上的，其故障级别上升到1级故障).

A problem is its first ticket and the tickets linked to it (`recurrence_of` points at the
first occurrence, however the link was made). Vendor staff and hospital IT link a ticket to
an earlier occurrence on the ticket page or through the API (tickets.actions); OpsDesk only
suggests candidates (tickets.recurrence_candidates).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from contracts.models import TicketKind
from tickets import services
from tickets.errors import TicketError
from tickets.models import NOTE_LIMIT, Event, Ticket
from tickets.services._common import _locked, _log, _require


def occurrences(ticket: Ticket) -> int:
    """How often this problem occurred within the contract's window, this ticket included."""
    contract = ticket.contract
    root_id = ticket.recurrence_of_id or ticket.pk
    since = ticket.created_at - dt.timedelta(days=contract.recurrence_window_days or 0)
    return Ticket.objects.filter(
        Q(pk=root_id) | Q(recurrence_of_id=root_id),
        created_at__range=(since, ticket.created_at),
    ).count()


def problem_tickets(ticket: Ticket):
    """Every occurrence of the ticket's problem, this one included, in the order reported."""
    root_id = ticket.recurrence_of_id or ticket.pk
    return (
        Ticket.objects.filter(Q(pk=root_id) | Q(recurrence_of_id=root_id))
        .select_related("service_class", "system")
        .order_by("created_at", "pk")
    )


def mark_recurrence(*, ticket: Ticket, by, of: Ticket, now: dt.datetime | None = None) -> Ticket:
    """Record that `ticket` is the same problem as the earlier `of`; apply the contract's
    rule at once (a raise recomputes the clocks from the report time and tells both sides).

    A ticket that later tickets were linked to brings them along: they now point at the
    first occurrence too, and the rule is applied to each of them."""
    at = now or timezone.now()
    _require(by, "link_recurrence", ticket)
    if of.contract_id != ticket.contract_id or of.pk == ticket.pk:
        raise TicketError("invalid", _("Choose another ticket of the same contract."), field="of")
    if of.created_at >= ticket.created_at:
        raise TicketError("invalid", _("A recurrence must point to an earlier ticket."), field="of")
    with transaction.atomic():
        locked = _locked(ticket)
        root = Ticket.objects.select_related("recurrence_of").get(pk=of.pk)
        root = root.recurrence_of or root
        if locked.recurrence_of_id == root.pk:
            raise TicketError(
                "invalid",
                _("This ticket is already linked to %(number)s."),
                field="of",
                number=root.number,
            )
        if locked.recurrence_of_id is not None:
            raise TicketError(
                "invalid",
                _(
                    "This ticket is already linked to %(number)s: unlink it first if it is "
                    "another problem."
                ),
                field="of",
                number=locked.recurrence_of.number,
            )
        locked.recurrence_of = root
        locked.save(update_fields=["recurrence_of", "updated_at"])
        followers = list(locked.recurrences.all())
        Ticket.objects.filter(recurrence_of=locked).update(recurrence_of=root)
        count = occurrences(locked)
        _log(
            locked,
            "ticket.marked_recurrence",
            by,
            at,
            data={"of": root.number, "linked_to": of.number, "occurrences": count},
        )
        raised = _apply_rule(locked, by, at)
        for later in followers:
            later.refresh_from_db()
            _apply_rule(later, by, at)
    ticket.refresh_from_db()
    return raised or ticket


def unlink_recurrence(*, ticket: Ticket, by, reason: str, now: dt.datetime | None = None) -> Ticket:
    """Undo a link that was wrong, saying why. The level is not lowered by itself: a raise
    was recorded with its reason, and whether the fault is still level 1 is a judgement the
    vendor and the hospital make with change-level. The timeline says so."""
    at = now or timezone.now()
    _require(by, "unlink_recurrence", ticket)
    reason = reason.strip()
    if not reason:
        raise TicketError(
            "note_required", _("Say why this is not the same problem."), field="reason"
        )
    if len(reason) > NOTE_LIMIT:
        raise TicketError(
            "invalid", _("Keep the reason within %(limit)s characters."), limit=NOTE_LIMIT
        )
    with transaction.atomic():
        locked = _locked(ticket)
        if locked.recurrence_of_id is None:
            raise TicketError(
                "invalid_transition", _("This ticket is not linked to an earlier occurrence.")
            )
        root = locked.recurrence_of
        raised = Event.objects.filter(
            ticket=locked,
            action="tickets.ticket.level_changed",
            data__automatic=True,
        ).exists()
        locked.recurrence_of = None
        locked.save(update_fields=["recurrence_of", "updated_at"])
        _log(
            locked,
            "ticket.recurrence_unlinked",
            by,
            at,
            note=reason,
            data={
                "of": root.number,
                "raised_by_rule": raised,
                "level": locked.service_class.name,
            },
        )
    ticket.refresh_from_db()
    return ticket


def _apply_rule(ticket: Ticket, by, at: dt.datetime) -> Ticket | None:
    contract = ticket.contract
    if not (contract.recurrence_count and contract.recurrence_raises_to_level):
        return None
    if ticket.kind != TicketKind.FAULT or not ticket.is_open:
        return None
    if ticket.level is None or ticket.level <= contract.recurrence_raises_to_level:
        return None
    count = occurrences(ticket)
    if count < contract.recurrence_count:
        return None
    target = contract.service_classes.filter(
        kind=TicketKind.FAULT, level=contract.recurrence_raises_to_level
    ).first()
    if target is None:
        return None
    note = gettext("Occurrence %(count)s of the same problem within %(days)s days.") % {
        "count": count,
        "days": contract.recurrence_window_days,
    }
    return services.change_level(
        ticket=ticket, by=by, service_class=target, note=note, now=at, automatic=True
    )
