"""What webhooks say about a ticket: the same JSON the API answers with."""

from __future__ import annotations

from api.serializers.tickets import ClockSerializer, TicketSerializer


def ticket_payload(ticket) -> dict:
    return dict(TicketSerializer(ticket).data)


def clock_payload(clock) -> dict:
    return dict(ClockSerializer(clock).data)
