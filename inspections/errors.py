"""The domain error of inspections.

A kind of TicketError on purpose: the API's error handler and the portal's message display
already map its machine code (forbidden, invalid_transition, conflict, invalid) to an
answer, in the reader's language.
"""

from tickets.errors import TicketConflict, TicketError


class InspectionError(TicketError):
    """Raised by inspection services; `code` for machines, `message` for people."""


class InspectionConflict(InspectionError, TicketConflict):
    """Someone else changed the inspection first; reload and try again."""
