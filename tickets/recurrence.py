"""Recurring problems: the same problem again within the contract's window raises its level
(C4: 同样问题出现三次以上的，其故障级别上升到1级故障)."""

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
from tickets.models import Ticket
from tickets.policy import may
from tickets.services._common import _log


def occurrences(ticket: Ticket) -> int:
    """How often this problem occurred within the contract's window, this ticket included."""
    contract = ticket.contract
    root_id = ticket.recurrence_of_id or ticket.pk
    since = ticket.created_at - dt.timedelta(days=contract.recurrence_window_days or 0)
    return Ticket.objects.filter(
        Q(pk=root_id) | Q(recurrence_of_id=root_id),
        created_at__range=(since, ticket.created_at),
    ).count()


def mark_recurrence(*, ticket: Ticket, by, of: Ticket, now: dt.datetime | None = None) -> Ticket:
    """Record that `ticket` is the same problem as `of`; apply the contract's rule."""
    at = now or timezone.now()
    if not may(by, "mark_recurrence", ticket):
        raise TicketError("forbidden", _("You may not mark recurrences on this ticket."))
    if of.contract_id != ticket.contract_id or of.pk == ticket.pk:
        raise TicketError("invalid", _("Choose another ticket of the same contract."))
    root = of.recurrence_of or of
    if root.pk == ticket.pk or root.created_at > ticket.created_at:
        raise TicketError("invalid", _("A recurrence must point to an earlier ticket."))
    with transaction.atomic():
        ticket.recurrence_of = root
        ticket.save(update_fields=["recurrence_of", "updated_at"])
        _log(ticket, "ticket.marked_recurrence", by, at, data={"of": root.number})
        raised = _apply_rule(ticket, by, at)
    return raised or ticket


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
