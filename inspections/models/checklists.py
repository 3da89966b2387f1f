"""Checklist templates (巡检表): sections of items, versioned.

A version that an inspection has used is frozen: editing a template means making its next
version, so a finished inspection always shows the checklist it was performed against.
Each inspection also copies its items (inspections.models.InspectionResult), so even a
deleted template cannot change what was recorded.

Templates are one catalogue that every organisation reads (the API's /checklists/, the
admin): their texts must not name a hospital, a vendor or a contract (validate_neutral_text),
or one tenant's name and contract codes would be shown to every other.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from inspections.thresholds import Comparator, ItemKind, describe_rule


def tenant_names_in(text: str) -> list[str]:
    """The organisation names and contract codes that `text` mentions."""
    from contracts.models import Contract, Organization

    if not text:
        return []
    lowered = text.lower()
    names = [
        name
        for pair in Organization.objects.values_list("name", "short_name")
        for name in pair
        if name and name.lower() in lowered
    ]
    codes = [code for code in Contract.objects.values_list("code", flat=True) if code in lowered]
    return names + codes


def validate_neutral_text(value: str) -> None:
    named = tenant_names_in(value)
    if named:
        raise ValidationError(
            _(
                "Checklist templates are shared by every organisation: leave out %(names)s "
                "(write contract-specific instructions in the contract's inspection rule)."
            ),
            code="names_a_tenant",
            params={"names": "、".join(named)},
        )


class ChecklistTemplate(models.Model):
    code = models.SlugField(
        _("code"), max_length=40, help_text=_("Shared by every version, e.g. einvoice-system.")
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    is_current = models.BooleanField(
        _("current version"),
        default=True,
        help_text=_("New inspections use the current version of a template."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "version"],
                name="inspections_template_version_once",
                violation_error_message=_("This version of the template exists already."),
            ),
            # "The current version" must be one row, whatever the admin does.
            models.UniqueConstraint(
                fields=["code"],
                condition=models.Q(is_current=True),
                name="inspections_template_one_current",
                violation_error_message=_("Only one version of a template can be current."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    def clean(self) -> None:
        _refuse_tenant_names(self, ["code", "name", "description"])

    @property
    def is_frozen(self) -> bool:
        """Used by an inspection: its items may no longer change."""
        return self.pk is not None and self.inspections.exists()

    def items_in_order(self) -> list[ChecklistItem]:
        return list(
            ChecklistItem.objects.filter(section__template=self)
            .select_related("section")
            .order_by("section__position", "section_id", "position", "id")
        )


class ChecklistSection(models.Model):
    template = models.ForeignKey(
        ChecklistTemplate,
        on_delete=models.CASCADE,
        related_name="sections",
        verbose_name=_("template"),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=200)

    class Meta:
        verbose_name = _("checklist section")
        verbose_name_plural = _("checklist sections")
        ordering = ["template", "position", "id"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        _refuse_tenant_names(self, ["title"])


class ChecklistItem(models.Model):
    section = models.ForeignKey(
        ChecklistSection,
        on_delete=models.CASCADE,
        related_name="items",
        verbose_name=_("section"),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(_("item"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=ItemKind.choices)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    comparator = models.CharField(_("rule"), max_length=10, choices=Comparator.choices, blank=True)
    limit = models.DecimalField(_("limit"), max_digits=12, decimal_places=3, null=True, blank=True)
    upper_limit = models.DecimalField(
        _("upper limit"),
        max_digits=12,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("Only for “between”."),
    )
    guidance = models.TextField(_("how to check"), blank=True)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["section", "position", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def rule_display(self) -> str:
        return describe_rule(self.comparator, self.limit, self.upper_limit, self.unit)

    def clean(self) -> None:
        _refuse_tenant_names(self, ["name", "unit", "guidance"])
        validate_rule(self.kind, self.comparator, self.limit, self.upper_limit)


def _refuse_tenant_names(obj: models.Model, fields: list[str]) -> None:
    errors = {}
    for field in fields:
        try:
            validate_neutral_text(getattr(obj, field))
        except ValidationError as exc:
            errors[field] = exc.error_list
    if errors:
        raise ValidationError(errors)


def validate_rule(
    kind: str, comparator: str, limit: Decimal | None, upper_limit: Decimal | None
) -> None:
    """A measured value may carry a threshold; pass/fail and text items carry none."""
    errors: dict[str, str] = {}
    if kind != ItemKind.MEASUREMENT:
        if comparator or limit is not None or upper_limit is not None:
            errors["comparator"] = _("Only a measured value has a threshold.")
    elif comparator:
        if limit is None:
            errors["limit"] = _("Give the limit the value is judged against.")
        if comparator == Comparator.BETWEEN:
            if upper_limit is None:
                errors["upper_limit"] = _("“Between” needs an upper limit.")
            elif limit is not None and upper_limit <= limit:
                errors["upper_limit"] = _("The upper limit must be above the limit.")
        elif upper_limit is not None:
            errors["upper_limit"] = _("Only “between” has an upper limit.")
    elif limit is not None or upper_limit is not None:
        errors["comparator"] = _("Choose how the value is compared with the limit.")
    if errors:
        raise ValidationError(errors)
