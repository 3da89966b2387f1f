"""Password rules (等保 2.0 level 3, 口令复杂度 and 定期更换).

Complexity: AUTH_PASSWORD_VALIDATORS runs ComplexityValidator beside Django's own validators.
Expiry: with PASSWORD_MAX_AGE_DAYS set, a password older than that must be replaced before
the person goes on; an administrator can also require a new one (User.must_change_password).
accounts/middleware.py sends such a person to the password-change page.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

REQUIRED_KINDS = 3


def character_kinds(password: str) -> set[str]:
    """Which of the four kinds a password uses: lower-case and upper-case letters, digits,
    and symbols. Anything that is not a cased letter or a digit (punctuation, a space, a
    Chinese character) counts as a symbol."""
    kinds = set()
    for char in password:
        category = unicodedata.category(char)
        if category == "Ll":
            kinds.add("lower")
        elif category == "Lu":
            kinds.add("upper")
        elif category == "Nd":
            kinds.add("digit")
        else:
            kinds.add("symbol")
    return kinds


class ComplexityValidator:
    """At least PASSWORD_MIN_LENGTH characters, of at least three of the four kinds."""

    def __init__(self, min_length: int | None = None) -> None:
        self._min_length = min_length

    @property
    def min_length(self) -> int:
        return self._min_length if self._min_length is not None else settings.PASSWORD_MIN_LENGTH

    def validate(self, password: str, user=None) -> None:
        if len(password) < self.min_length or len(character_kinds(password)) < REQUIRED_KINDS:
            raise ValidationError(
                _(
                    "This password is too simple. Use at least %(min_length)d characters "
                    "and at least three of: lower-case letters, upper-case letters, digits "
                    "and symbols."
                ),
                code="password_too_simple",
                params={"min_length": self.min_length},
            )

    def get_help_text(self) -> str:
        return _(
            "Your password must have at least %(min_length)d characters and use at least "
            "three of: lower-case letters, upper-case letters, digits and symbols."
        ) % {"min_length": self.min_length}


def password_expired(user, now: dt.datetime | None = None) -> bool:
    """Older than PASSWORD_MAX_AGE_DAYS (0: passwords never expire). A password set before
    OpsDesk recorded the date counts from the day the account was made."""
    max_age = settings.PASSWORD_MAX_AGE_DAYS
    if max_age <= 0 or not user.has_usable_password():
        return False
    changed = user.password_changed_at or user.date_joined
    return (now or timezone.now()) >= changed + dt.timedelta(days=max_age)


def needs_new_password(user) -> bool:
    return bool(user.must_change_password) or password_expired(user)
