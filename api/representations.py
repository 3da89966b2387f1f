"""The API's JSON for a ticket and a clock, lent to webhook payloads (webhooks/payloads.py)."""

from __future__ import annotations

from api.serializers.tickets import ClockSerializer, TicketSerializer
from tickets import selectors
from tickets.models import Ticket, TicketClock


def ticket(ticket: Ticket) -> dict:
    # Read afresh with its relations: three queries, not one per related row, and the state
    # as committed so far in this transaction.
    fresh = selectors.with_list_relations(Ticket.objects.all()).get(pk=ticket.pk)
    return dict(TicketSerializer(fresh).data)


def clock(clock: TicketClock) -> dict:
    return dict(ClockSerializer(clock).data)
