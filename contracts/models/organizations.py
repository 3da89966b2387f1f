"""Hospitals, vendors, and the people who act for them.

Everything a user may see follows from their memberships: a user sees what their
organisation is party to, and nothing else.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import gettext_lazy as _


class OrganizationKind(models.TextChoices):
    HOSPITAL = "hospital", _("Hospital")
    VENDOR = "vendor", _("Vendor")


class Role(models.TextChoices):
    REPORTER = "reporter", _("Hospital reporter")
    HOSPITAL_IT = "hospital_it", _("Hospital IT")
    ENGINEER = "engineer", _("Engineer")
    DISPATCHER = "dispatcher", _("Dispatcher")
    VENDOR_MANAGER = "vendor_manager", _("Vendor manager")
    ADMINISTRATOR = "administrator", _("Administrator")


HOSPITAL_ROLES = frozenset({Role.REPORTER, Role.HOSPITAL_IT, Role.ADMINISTRATOR})
VENDOR_ROLES = frozenset({Role.ENGINEER, Role.DISPATCHER, Role.VENDOR_MANAGER, Role.ADMINISTRATOR})

validate_org_code = RegexValidator(
    r"^[A-Z][A-Z0-9]{1,9}$",
    _(
        "Use 2–10 capital letters or digits, starting with a letter (e.g. YN); it starts every "
        "ticket number."
    ),
)


def related_or_none(obj: models.Model, name: str):
    """The related object if one is set, saved or not; None otherwise.

    Inline rows are validated before their new parent is saved, so checks must look at the
    parent object rather than its (still empty) id.
    """
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


class OrganizationQuerySet(models.QuerySet):
    def visible_to(self, user) -> OrganizationQuerySet:
        """The user's own organisations and those they hold a contract with."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        own = Membership.objects.filter(user=user).values("organization_id")
        return self.filter(
            Q(pk__in=own)
            | Q(hospital_contracts__vendor_id__in=own)
            | Q(vendor_contracts__hospital_id__in=own)
        ).distinct()


class Organization(models.Model):
    kind = models.CharField(_("kind"), max_length=10, choices=OrganizationKind.choices)
    code = models.CharField(
        _("short code"), max_length=10, unique=True, validators=[validate_org_code]
    )
    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return self.short_name or self.name

    @staticmethod
    def name_column() -> Coalesce:
        """str() of an organisation as a column, for a query that reads the name alone."""
        return Coalesce(NullIf("short_name", Value("")), "name")

    @property
    def is_hospital(self) -> bool:
        return self.kind == OrganizationKind.HOSPITAL


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    title = models.CharField(_("job title"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organization", "role", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization", "role"],
                name="contracts_membership_unique_role",
                violation_error_message=_(
                    "This person already has this role in this organisation."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organization} · {self.get_role_display()}"

    def clean(self) -> None:
        # The organisation may be unsaved yet (added together in the admin): use the object.
        organization = related_or_none(self, "organization")
        if organization is None or not self.role:
            return
        allowed = HOSPITAL_ROLES if organization.is_hospital else VENDOR_ROLES
        if self.role not in allowed:
            raise ValidationError(
                {
                    "role": _("A %(kind)s has no “%(role)s” role.")
                    % {
                        "kind": self.organization.get_kind_display(),
                        "role": self.get_role_display(),
                    }
                }
            )
