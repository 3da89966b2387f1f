"""One action on many tickets (the dispatch board's "assign selected", "acknowledge
selected"): each ticket goes through its own service, in its own savepoint, so a ticket
that may not be changed is reported and the others still are."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from tickets.errors import TicketError
from tickets.models import Ticket
from tickets.services.work import acknowledge, assign

MAX_TICKETS = 100


@dataclass(frozen=True)
class Outcome:
    number: str
    done: bool
    # Why not, in the person's language, when not done.
    reason: str = ""


def _each(tickets: list[Ticket], change: Callable[[Ticket], object]) -> list[Outcome]:
    if len(tickets) > MAX_TICKETS:
        raise TicketError(
            "too_many", _("Choose at most %(limit)s tickets at a time."), limit=MAX_TICKETS
        )
    outcomes = []
    for ticket in tickets:
        try:
            with transaction.atomic():
                change(ticket)
        except TicketError as exc:
            outcomes.append(Outcome(ticket.number, False, str(exc)))
        else:
            outcomes.append(Outcome(ticket.number, True))
    return outcomes


def assign_many(*, tickets: list[Ticket], by, engineer, note: str = "") -> list[Outcome]:
    return _each(tickets, lambda t: assign(ticket=t, by=by, engineer=engineer, note=note))


def acknowledge_many(*, tickets: list[Ticket], by, note: str = "") -> list[Outcome]:
    return _each(tickets, lambda t: acknowledge(ticket=t, by=by, note=note))
