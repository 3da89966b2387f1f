"""Maintenance contracts (维保合同): who serves whom, for which systems, on which terms."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from contracts.models.organizations import (
    Membership,
    Organization,
    OrganizationKind,
    related_or_none,
)
from contracts.models.systems import CoveredSystem
from opsdesk.validators import validate_phone


def party_to(user, contract_path: str = "") -> Q:
    """Rows whose contract (reached by `contract_path`, e.g. "contract__") has the user's
    organisation as hospital or vendor. The one definition of "what a user may see"."""
    # The user's memberships when this request has read them already
    # (contracts.selectors.memberships_of): their ids compile and plan faster than the
    # subquery that reads them again.
    known = getattr(user, "_memberships_read", None)
    if known is not None:
        own = sorted({organization for organization, _role in known})
    else:
        own = Membership.objects.filter(user=user).values("organization_id")
    return Q(**{f"{contract_path}hospital_id__in": own}) | Q(
        **{f"{contract_path}vendor_id__in": own}
    )


class ContractQuerySet(models.QuerySet):
    def visible_to(self, user) -> ContractQuerySet:
        """Contracts the user's organisation is party to, as hospital or as vendor."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(party_to(user))

    def in_force_on(self, day: dt.date) -> ContractQuerySet:
        return self.filter(starts_on__lte=day, ends_on__gte=day)


class Contract(models.Model):
    code = models.SlugField(
        _("code"), max_length=40, unique=True, help_text=_("Short identifier, e.g. yn-his.")
    )
    name = models.CharField(_("name"), max_length=200)
    hospital = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="hospital_contracts",
        limit_choices_to={"kind": OrganizationKind.HOSPITAL},
        verbose_name=_("hospital"),
    )
    vendor = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="vendor_contracts",
        limit_choices_to={"kind": OrganizationKind.VENDOR},
        verbose_name=_("vendor"),
    )
    starts_on = models.DateField(_("term starts"))
    ends_on = models.DateField(_("term ends"), help_text=_("Last day of service, inclusive."))
    remote_service = models.BooleanField(_("remote service"), default=True)
    onsite_service = models.BooleanField(_("on-site service"), default=True)
    calendar = models.ForeignKey(
        "sla.ServiceCalendar",
        on_delete=models.PROTECT,
        related_name="contracts",
        verbose_name=_("service calendar"),
        help_text=_("The contract's service hours; each clock of the SLA table names its own."),
    )
    allowed_downtime_hours = models.DecimalField(
        _("allowed downtime per year (hours)"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Availability target; leave empty when the contract sets none."),
    )
    sla_target_percent = models.DecimalField(
        _("SLA compliance target (%)"),
        max_digits=5,
        decimal_places=2,
        default=95,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_(
            "The share of clocks the contract promises to meet on time; reports draw "
            "compliance against it."
        ),
    )
    min_onsite_days = models.PositiveSmallIntegerField(
        _("on-site days per year (at least)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
    )
    person_day_quota = models.PositiveSmallIntegerField(
        _("person-days of adaptive work per year (at most)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
    )
    min_team_size = models.PositiveSmallIntegerField(
        _("named engineers (at least)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    recurrence_count = models.PositiveSmallIntegerField(
        _("recurrence: occurrences"),
        null=True,
        blank=True,
        validators=[MinValueValidator(2)],
        help_text=_("The same problem this many times within the window escalates it."),
    )
    recurrence_window_days = models.PositiveSmallIntegerField(
        _("recurrence: window (days)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    recurrence_raises_to_level = models.PositiveSmallIntegerField(
        _("recurrence: raise to level"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    warning_threshold_percent = models.PositiveSmallIntegerField(
        _("warn at (percent of a clock's target)"),
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text=_("People are warned when this share of a clock's time has passed."),
    )
    reopen_window_days = models.PositiveSmallIntegerField(
        _("reopen window (days)"),
        default=7,
        help_text=_("How long after resolution or closing the hospital may reopen a ticket."),
    )
    backdating_limit_hours = models.PositiveSmallIntegerField(
        _("reports entered late: limit (hours)"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(720)],
        help_text=_(
            "A report typed in for the hospital (a phone call, a mail) may start its clocks "
            "this many hours before it is entered, no earlier."
        ),
    )
    consent_dispute_hours = models.PositiveSmallIntegerField(
        _("consent recorded by the vendor: dispute window (hours)"),
        default=48,
        validators=[MinValueValidator(1), MaxValueValidator(720)],
        help_text=_(
            "A consent the vendor records as given by phone, on site or in the WeCom group may "
            "be disputed by the hospital for this many hours; a disputed hold or extension is "
            "undone."
        ),
    )
    # C3 defines response as "contacting the hospital and committing to a plan": where a
    # contract says so, acknowledging a ticket needs the plan, written down.
    response_needs_plan = models.BooleanField(
        _("a response is a committed plan"),
        default=False,
        help_text=_(
            "Acknowledging a ticket (which stops the respond clock) then needs a note saying "
            "the plan agreed with the hospital."
        ),
    )
    notes = models.TextField(_("notes"), blank=True)
    systems = models.ManyToManyField(
        CoveredSystem,
        through="ContractSystem",
        related_name="contracts",
        verbose_name=_("covered systems"),
        blank=True,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ContractQuerySet.as_manager()

    class Meta:
        verbose_name = _("maintenance contract")
        verbose_name_plural = _("maintenance contracts")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("starts_on")),
                name="contracts_contract_term_order",
                violation_error_message=_("The term must end after it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if self.starts_on and self.ends_on and self.ends_on <= self.starts_on:
            errors.setdefault("ends_on", []).append(_("The term must end after it starts."))
        if self.hospital_id and self.hospital.kind != OrganizationKind.HOSPITAL:
            errors.setdefault("hospital", []).append(_("Choose a hospital."))
        if self.vendor_id and self.vendor.kind != OrganizationKind.VENDOR:
            errors.setdefault("vendor", []).append(_("Choose a vendor."))
        recurrence = (self.recurrence_count, self.recurrence_window_days)
        if any(value is not None for value in recurrence) and None in recurrence:
            errors.setdefault("recurrence_window_days", []).append(
                _("A recurrence rule needs both the number of occurrences and the window.")
            )
        if self.recurrence_raises_to_level is not None and self.recurrence_count is None:
            errors.setdefault("recurrence_raises_to_level", []).append(
                _("Set the number of occurrences that triggers the raise.")
            )
        if self.pk and self.hospital_id:
            foreign = self.contract_systems.exclude(system__hospital_id=self.hospital_id)
            if foreign.exists():
                errors.setdefault("hospital", []).append(
                    _("Covered systems belong to another hospital: %(systems)s.")
                    % {"systems": ", ".join(str(row.system) for row in foreign)}
                )
        if errors:
            raise ValidationError(errors)

    @property
    def term_days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1

    def is_in_force(self, day: dt.date) -> bool:
        return self.starts_on <= day <= self.ends_on

    def covers(self, system: CoveredSystem) -> bool:
        """A contract covering a system covers its subsystems and modules too."""
        if getattr(system, "coverage_by_contract", None) == self.pk:
            return system.covered  # read with the system: CoveredSystem…with_coverage_by()
        covered = set(self.contract_systems.values_list("system_id", flat=True))
        return any(node.pk in covered for node in [*system.ancestors(), system])

    def covered_system_ids(self) -> set[int]:
        """The systems named in the contract and every subsystem and module under them."""
        children: dict[int | None, list[int]] = {}
        for pk, parent_id in CoveredSystem.objects.filter(hospital_id=self.hospital_id).values_list(
            "pk", "parent_id"
        ):
            children.setdefault(parent_id, []).append(pk)
        covered: set[int] = set()
        pending = list(self.contract_systems.values_list("system_id", flat=True))
        while pending:
            pk = pending.pop()
            if pk not in covered:
                covered.add(pk)
                pending.extend(children.get(pk, []))
        return covered

    def sla_row(self, *, code: str | None = None, level: int | None = None, kind=None):
        """The SLA row with this code, or else the row of this level (of faults unless `kind`
        says otherwise); None when the contract has no such row."""
        from contracts.models.terms import ServiceClass

        rows = ServiceClass.objects.filter(contract=self).sla_row(code=code, level=level, kind=kind)
        # One row at most (unique per contract): no ordering, which would join the contract.
        return rows.order_by().first()

    def fault_levels(self):
        from contracts.models.terms import TicketKind

        return self.service_classes.filter(kind=TicketKind.FAULT).order_by("level")

    def change_rows(self):
        """The rows a change is opened under (C4's 版本升级/变更)."""
        from contracts.models.terms import TicketKind

        return self.service_classes.filter(kind=TicketKind.CHANGE).order_by("position", "code")


class ContractSystem(models.Model):
    contract = models.ForeignKey(
        Contract,
        on_delete=models.CASCADE,
        related_name="contract_systems",
        verbose_name=_("contract"),
    )
    system = models.ForeignKey(
        CoveredSystem, on_delete=models.PROTECT, related_name="+", verbose_name=_("system")
    )

    class Meta:
        verbose_name = _("covered system")
        verbose_name_plural = _("covered systems")
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "system"],
                name="contracts_contract_system_once",
                violation_error_message=_("This system is already covered by the contract."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.system)

    def clean(self) -> None:
        contract = related_or_none(self, "contract")
        if (
            contract is not None
            and self.system_id
            and self.system.hospital_id != contract.hospital_id
        ):
            raise ValidationError(
                {
                    "system": _("%(system)s belongs to %(owner)s, not to the contract's hospital.")
                    % {"system": self.system, "owner": self.system.hospital}
                }
            )


class ContactSide(models.TextChoices):
    HOSPITAL = "hospital", _("Hospital")
    VENDOR = "vendor", _("Vendor")


class ContractContact(models.Model):
    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("contract")
    )
    side = models.CharField(_("side"), max_length=10, choices=ContactSide.choices)
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("responsibility"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    email = models.EmailField(_("e-mail"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contract_contacts",
        verbose_name=_("OpsDesk account"),
    )
    is_primary = models.BooleanField(_("primary contact"), default=False)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["contract", "side", "-is_primary", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_side_display()})"

    @property
    def organization_id(self) -> int | None:
        contract = related_or_none(self, "contract")
        if contract is None:
            return None
        return contract.hospital_id if self.side == ContactSide.HOSPITAL else contract.vendor_id

    def clean(self) -> None:
        if not (self.phone or self.email or self.user_id):
            raise ValidationError(
                _("Give a phone number, an e-mail address or an OpsDesk account.")
            )
        if self.user_id and self.organization_id:
            member = Membership.objects.filter(
                user_id=self.user_id, organization_id=self.organization_id
            ).exists()
            if not member:
                raise ValidationError(
                    {
                        "user": _("This account does not belong to the %(side)s's organisation.")
                        % {"side": self.get_side_display()}
                    }
                )
