"""What webhooks say about a ticket: the same JSON the API answers with."""

from __future__ import annotations

from api.serializers.tickets import ClockSerializer, TicketSerializer
from tickets import selectors
from tickets.models import Ticket, TicketClock


def ticket_payload(ticket: Ticket) -> dict:
    # Read afresh with its relations: three queries, not one per related row, and the state
    # as committed so far in this transaction.
    fresh = selectors.with_list_relations(Ticket.objects.all()).get(pk=ticket.pk)
    return dict(TicketSerializer(fresh).data)


def clock_payload(clock: TicketClock) -> dict:
    return dict(ClockSerializer(clock).data)
