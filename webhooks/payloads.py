"""What webhooks say about a ticket and a clock.

A subscriber reads the same JSON as `GET /api/v1/tickets/{id}/`: the API app registers its
representations here when Django starts (api/apps.py), so that the domain, which publishes
the events, never imports the API layer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tickets.models import Ticket, TicketClock

_representations: dict[str, Callable[[object], dict]] = {}


def register(kind: str, represent: Callable[[object], dict]) -> None:
    """Say how a "ticket" or a "clock" reads in a payload."""
    _representations[kind] = represent


def _represent(kind: str, obj) -> dict:
    try:
        represent = _representations[kind]
    except KeyError:
        raise LookupError(
            f"No webhook representation of a {kind} is registered: is the api app installed?"
        ) from None
    return represent(obj)


def ticket_payload(ticket: Ticket) -> dict:
    return _represent("ticket", ticket)


def clock_payload(clock: TicketClock) -> dict:
    return _represent("clock", clock)
