"""Validators shared by every app, and the one definition of characters no input may carry."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Mainland mobile numbers (^1[3-9]\d{9}$), or a landline with area code and optional extension
# such as 0668-2345678 or 020-87654321-8001, which hospital IT departments still give.
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")


def validate_phone(value: str) -> None:
    number = value.replace(" ", "")
    if _MOBILE.match(number) or _LANDLINE.match(number):
        return
    raise ValidationError(
        _(
            "Enter a mobile number of 11 digits starting with 13–19, "
            "or a landline such as 0668-2345678."
        ),
        code="invalid_phone",
    )


# C0 controls except tab, line feed and carriage return; DEL; C1 controls. PostgreSQL text
# cannot hold NUL at all (a query with one fails), and none of the others is ever typed.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
CONTROL_CHARACTERS_MESSAGE = _(
    "Remove the control characters (such as NUL) from the text: they cannot be stored."
)


def has_control_characters(value: str) -> bool:
    """The guard of every path, query, form field (opsdesk.middleware) and JSON string
    (api.parsers) of every request."""
    return _CONTROL_CHARACTERS.search(value) is not None
