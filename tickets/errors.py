"""The one domain error of the tickets app: a machine code and a translatable message."""

from __future__ import annotations


class TicketError(Exception):
    """Raised by ticket services; views and the API map it to a message or a 4xx answer.

    `code` is stable for machines (e.g. "forbidden", "invalid_transition"); `message` is
    lazily translated, so it comes out in the language active where it is shown. `field`
    names the input at fault ("reported_at"), where there is one, so that a form shows the
    message beside that field and the API names it in `fields`.
    """

    def __init__(self, code: str, message, *, field: str = "", **params) -> None:
        super().__init__(code)
        self.code = code
        self.message = message
        self.field = field
        self.params = params

    def __str__(self) -> str:
        return str(self.message) % self.params if self.params else str(self.message)


class TicketConflict(TicketError):
    """Someone else changed the ticket first; reload and try again."""
