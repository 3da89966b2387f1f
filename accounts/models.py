from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opsdesk.validators import validate_phone


def person_name(full_name: str | None, username: str | None) -> str | None:
    """How a person is named on every page: their full name, else their login (a list
    reading the two columns without the User gets the same words as str(user))."""
    return full_name or username


def full_name_of(full_name: str, first_name: str, last_name: str, username: str) -> str:
    """How a person signs in the API's JSON (User.get_full_name()): their full name, else
    their first and last names, else their login; from the columns alone, for a list that
    reads them without the User."""
    return full_name or f"{first_name} {last_name}".strip() or username


def person_name_column() -> Coalesce:
    """person_name() as a column of the user table, for a query that reads the name alone."""
    return Coalesce(NullIf("full_name", Value("")), "username")


class User(AbstractUser):
    """A person who signs in: hospital staff or vendor staff.

    Chinese names are one field, so `full_name` replaces first/last name on screen.
    What a user may see follows from their memberships (contracts.Membership).
    """

    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    language = models.CharField(
        _("preferred language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("Language of the e-mails and messages this person receives."),
    )
    is_integration = models.BooleanField(
        _("integration account"),
        default=False,
        help_text=_("A hospital or vendor system, not a person: it acts only through API tokens."),
    )
    password_changed_at = models.DateTimeField(
        _("password changed"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Empty for accounts whose password was set before this was recorded."),
    )
    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_("The next page this person opens asks for a new password first."),
    )

    wecom_userid = models.CharField(
        _("WeCom user ID"),
        max_length=64,
        blank=True,
        help_text=_("The person's UserID in their organisation's WeCom (企业微信)."),
    )
    # Not unique: each hospital has its own WeCom corporation, and a UserID is unique only
    # within one; a callback looks its sender up among the app's organisation's people.

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return person_name(self.full_name, self.username)

    def get_full_name(self) -> str:
        return full_name_of(self.full_name, self.first_name, self.last_name, self.username)

    def save(self, *args, **kwargs) -> None:
        # set_password() leaves the raw password in `_password` until the row is saved; a hash
        # upgrade at sign-in clears it first, so only a real change dates the password.
        # create_user() hashes without set_password(): a new row with a password counts too.
        created_with_password = (
            self._state.adding and self.password_changed_at is None and self.has_usable_password()
        )
        if self._password is not None or created_with_password:
            self.password_changed_at = timezone.now()
            update_fields = kwargs.get("update_fields")
            if update_fields is not None and "password" in update_fields:
                kwargs["update_fields"] = {*update_fields, "password_changed_at"}
        super().save(*args, **kwargs)


class LoginFailure(models.Model):
    """One failed sign-in, kept for the lockout window (accounts/lockout.py).

    In the database rather than the cache so that every gunicorn worker counts the same
    failures without Redis. A successful sign-in deletes the username's rows; rows older than
    two windows, which no lock reads, are purged as new failures arrive: the table stays small.
    """

    username = models.CharField(_("username"), max_length=150)
    address = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("failed sign-in")
        verbose_name_plural = _("failed sign-ins")
        indexes = [
            # lockout.lock_for: the latest failures of one username within the window.
            models.Index(fields=["username", "at"], name="login_failure_username_recent"),
            # lockout.lock_for: the latest failures from one client address within the window.
            models.Index(fields=["address", "at"], name="login_failure_address_recent"),
            # lockout.record_failure: purge rows older than two windows.
            models.Index(fields=["at"], name="login_failure_purge"),
        ]

    def __str__(self) -> str:
        return f"{self.username} {self.address or ''} {self.at:%Y-%m-%d %H:%M:%S}"
