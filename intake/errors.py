"""The domain error of intake.

A kind of TicketError on purpose, as inspections' is: the API's error handler and the
portal's message display already map its machine code (forbidden, invalid, conflict) to an
answer in the reader's language."""

from tickets.errors import TicketConflict, TicketError


class IntakeError(TicketError):
    """Raised by intake services; `code` for machines, `message` for people."""


class IntakeConflict(IntakeError, TicketConflict):
    """Someone else handled the triage entry first."""
