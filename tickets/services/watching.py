"""Watchers (关注/抄送) of a ticket: who hears of its public events besides its reporter
and engineer."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from tickets.errors import TicketError
from tickets.models import Ticket, Watch
from tickets.policy import may_add_watchers, readers


def _check(ticket: Ticket, by, person) -> None:
    if person.pk != by.pk and not may_add_watchers(by, ticket):
        raise TicketError(
            "forbidden", _("Only the vendor's staff and hospital IT add or remove others.")
        )
    if not readers(ticket).filter(pk=person.pk).exists() and not by.is_superuser:
        raise TicketError(
            "invalid",
            _("%(person)s may not see this ticket, so cannot watch it."),
            person=str(person),
        )


def watch(*, ticket: Ticket, by, person=None) -> Watch:
    """Put `person` (default: oneself) on the ticket's copy list; twice is once."""
    person = person or by
    _check(ticket, by, person)
    try:
        with transaction.atomic():
            return Watch.objects.create(ticket=ticket, person=person, added_by=by)
    except IntegrityError:
        return Watch.objects.get(ticket=ticket, person=person)


def unwatch(*, ticket: Ticket, by, person=None) -> None:
    person = person or by
    if person.pk != by.pk and not may_add_watchers(by, ticket):
        raise TicketError(
            "forbidden", _("Only the vendor's staff and hospital IT add or remove others.")
        )
    Watch.objects.filter(ticket=ticket, person=person).delete()
