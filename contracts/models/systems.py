"""The information systems a hospital runs, as a tree: system → subsystem → module."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q, Value
from django.utils.translation import gettext_lazy as _

from contracts.models.organizations import Membership, Organization, OrganizationKind

MAX_DEPTH = 3

validate_system_code = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$",
    _("Use letters, digits, dots, dashes or underscores (e.g. HIS or HIS.OUTPATIENT)."),
)


class SystemTier(models.IntegerChoices):
    SYSTEM = 1, _("System")
    SUBSYSTEM = 2, _("Subsystem")
    MODULE = 3, _("Module")


class CoveredSystemQuerySet(models.QuerySet):
    def visible_to(self, user) -> CoveredSystemQuerySet:
        """A hospital's own systems; for a vendor, the systems of hospitals it serves."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        own = Membership.objects.filter(user=user).values("organization_id")
        return self.filter(
            Q(hospital_id__in=own) | Q(hospital__hospital_contracts__vendor_id__in=own)
        ).distinct()

    def with_coverage_by(self, contract) -> CoveredSystemQuerySet:
        """Each system with whether `contract` covers it, read in the same query: then
        Contract.covers() answers without one of its own. A contract covering a system
        covers its parts too, so the system, its parent or its grandparent is named
        (systems nest MAX_DEPTH deep)."""
        from contracts.models.contracts import ContractSystem

        named = ContractSystem.objects.filter(contract_id=contract.pk).filter(
            Q(system_id=OuterRef("pk"))
            | Q(system_id=OuterRef("parent_id"))
            | Q(system_id=OuterRef("parent__parent_id"))
        )
        return self.annotate(coverage_by_contract=Value(contract.pk), covered=Exists(named))


class CoveredSystem(models.Model):
    hospital = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="systems",
        limit_choices_to={"kind": OrganizationKind.HOSPITAL},
        verbose_name=_("hospital"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("part of"),
    )
    code = models.CharField(_("code"), max_length=40, validators=[validate_system_code])
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    tier = models.PositiveSmallIntegerField(
        _("tier"), choices=SystemTier.choices, default=SystemTier.SYSTEM, editable=False
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = CoveredSystemQuerySet.as_manager()

    class Meta:
        verbose_name = _("information system")
        verbose_name_plural = _("information systems")
        ordering = ["hospital", "tier", "position", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["hospital", "code"],
                name="contracts_system_code_per_hospital",
                violation_error_message=_("This hospital already has a system with this code."),
            ),
        ]

    def __str__(self) -> str:
        return self.path()

    def save(self, *args, **kwargs) -> None:
        # The tier is derived, never typed: keep it right however the row was built.
        self.tier = len(self.ancestors()) + 1 if self.parent_id else SystemTier.SYSTEM
        super().save(*args, **kwargs)

    def ancestors(self) -> list[CoveredSystem]:
        """Root first. Stops at a cycle (which clean() refuses) instead of looping forever."""
        chain: list[CoveredSystem] = []
        seen = {self.pk} if self.pk else set()
        node = self.parent
        while node is not None and node.pk not in seen and len(chain) <= MAX_DEPTH:
            seen.add(node.pk)
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    def _has_cycle(self) -> bool:
        node, steps = self.parent, 0
        while node is not None and steps <= MAX_DEPTH:
            if self.pk and node.pk == self.pk:
                return True
            node, steps = node.parent, steps + 1
        return False

    def path(self) -> str:
        return " / ".join([node.name for node in self.ancestors()] + [self.name])

    def clean(self) -> None:
        if self.parent is None:
            self.tier = SystemTier.SYSTEM
            return
        if self.hospital_id and self.parent.hospital_id != self.hospital_id:
            raise ValidationError({"parent": _("A part must belong to the same hospital.")})
        if self._has_cycle():
            raise ValidationError({"parent": _("A system cannot be part of itself.")})
        chain = self.ancestors()
        if len(chain) >= MAX_DEPTH:
            raise ValidationError(
                {"parent": _("Systems nest three deep at most: system, subsystem, module.")}
            )
        self.tier = len(chain) + 1
