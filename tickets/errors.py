"""The one domain error of the tickets app: a machine code and a translatable message."""

from __future__ import annotations

from http import HTTPStatus

# A ticket rule said no: which answer that is, on a page and in the API alike. Unlisted codes
# are bad input (400).
ERROR_STATUS = {
    "forbidden": HTTPStatus.FORBIDDEN,
    "conflict": HTTPStatus.CONFLICT,
    "invalid_transition": HTTPStatus.CONFLICT,
    # An inspection completed with items still unchecked: well-formed, but not yet allowed.
    "incomplete": HTTPStatus.CONFLICT,
    "reopen_window_passed": HTTPStatus.CONFLICT,
    "not_extendable": HTTPStatus.CONFLICT,
    "extension_too_long": HTTPStatus.CONFLICT,
    "file_missing": HTTPStatus.NOT_FOUND,
    # The hospital's consent: asked twice, answered already, past its window or deadline.
    "consent_pending": HTTPStatus.CONFLICT,
    "consent_decided": HTTPStatus.CONFLICT,
    "not_disputable": HTTPStatus.CONFLICT,
    "dispute_window_passed": HTTPStatus.CONFLICT,
    "deadline_passed": HTTPStatus.CONFLICT,
}


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

    @property
    def status(self) -> int:
        """The HTTP status that answers this refusal (400 unless the code says otherwise)."""
        return int(ERROR_STATUS.get(self.code, HTTPStatus.BAD_REQUEST))

    def __str__(self) -> str:
        return str(self.message) % self.params if self.params else str(self.message)


class TicketConflict(TicketError):
    """Someone else changed the ticket first; reload and try again."""

    @property
    def status(self) -> int:
        return int(HTTPStatus.CONFLICT)
