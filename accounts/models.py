from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from opsdesk.validators import validate_phone


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

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or super().get_full_name() or self.username
