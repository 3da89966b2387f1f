"""The domain error of service reports: a kind of TicketError on purpose, so the API's error
handler and the portal's messages map its codes (forbidden, invalid, conflict) already."""

from tickets.errors import TicketError


class ReportError(TicketError):
    """Raised by report services; `code` for machines, `message` for people."""
