"""Sign-in and password-change forms with the lockout and password rules."""

from __future__ import annotations

import datetime as dt

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from accounts.backends import LOCK_ATTRIBUTE

LOCKED_MESSAGE = _(
    "Too many failed sign-in attempts. Signing in is locked until %(until)s; please try again then."
)


def _shown_until(until: dt.datetime) -> str:
    # Rounded up to the minute: someone who comes back at the minute shown gets in.
    if until.second or until.microsecond:
        until = until.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    return formats.date_format(timezone.localtime(until), "DATETIME_FORMAT")


class LockoutMessageMixin:
    """While locked, the form says so and until when, the same for every username (existing
    or not, right password or not), instead of "wrong username or password"."""

    def get_invalid_login_error(self) -> ValidationError:
        lock = getattr(self.request, LOCK_ATTRIBUTE, None)
        if lock is None:
            return super().get_invalid_login_error()
        return ValidationError(
            LOCKED_MESSAGE, code="locked", params={"until": _shown_until(lock.until)}
        )


class LoginForm(LockoutMessageMixin, auth_forms.AuthenticationForm):
    pass


class AdminLoginForm(LockoutMessageMixin, AdminAuthenticationForm):
    pass


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form, refusing the current password as the new one and clearing an
    administrator's demand for a new password once it is changed."""

    def clean(self):
        cleaned = super().clean()
        old, new = cleaned.get("old_password"), cleaned.get("new_password1")
        if old and new and old == new and not self.has_error("new_password2"):
            self.add_error(
                "new_password2",
                ValidationError(
                    _("The new password must differ from the current one."),
                    code="password_unchanged",
                ),
            )
        return cleaned

    def save(self, commit: bool = True):
        self.user.must_change_password = False
        return super().save(commit=commit)
