"""How often a contract's inspections fall due: one rule per kind of visit.

The five contracts differ only in data: C3–C5 one quarterly rule; C1 quarterly, before each
major holiday and a half-yearly on-site revisit; C2 quarterly on site plus a yearly
follow-up visit (回访). inspections.schedule turns the rules into planned inspections.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Cadence(models.TextChoices):
    QUARTERLY = "quarterly", _("Every quarter of the term")
    HALF_YEARLY = "half_yearly", _("Every half year of the term")
    YEARLY = "yearly", _("Every year of the term")
    BEFORE_HOLIDAYS = "before_holidays", _("Before each of the named public holidays")


# Months in one period of a cadence; the term is cut into such periods from its first day.
CADENCE_MONTHS = {Cadence.QUARTERLY: 3, Cadence.HALF_YEARLY: 6, Cadence.YEARLY: 12}


class Purpose(models.TextChoices):
    ROUTINE = "routine", _("Routine inspection")
    PRE_HOLIDAY = "pre_holiday", _("Pre-holiday inspection")
    VISIT = "visit", _("Follow-up visit")
    AD_HOC = "ad_hoc", _("Ad-hoc inspection")


# The names the holiday table uses (chinesecalendar's) for the long holidays.
DEFAULT_MAJOR_HOLIDAYS = "Spring Festival, Labour Day, National Day"
# C1's "重大节假日": the two week-long breaks.
MAJOR_HOLIDAYS_TO_BRING_FORWARD = "Spring Festival, National Day"


class InspectionRule(models.Model):
    contract = models.ForeignKey(
        "contracts.Contract",
        on_delete=models.CASCADE,
        related_name="inspection_rules",
        verbose_name=_("contract"),
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    cadence = models.CharField(_("how often"), max_length=20, choices=Cadence.choices)
    template = models.ForeignKey(
        "inspections.ChecklistTemplate",
        on_delete=models.PROTECT,
        related_name="rules",
        verbose_name=_("checklist"),
        help_text=_("Each inspection uses the current version of this template when planned."),
    )
    on_site = models.BooleanField(
        _("on site"), default=True, help_text=_("Planned as an on-site visit.")
    )
    holidays = models.CharField(
        _("holidays"),
        max_length=200,
        blank=True,
        default="",
        help_text=_(
            "For “before holidays”: the holidays' names as in the holiday table, separated by "
            "commas, e.g. Spring Festival, Labour Day, National Day."
        ),
    )
    lead_days = models.PositiveSmallIntegerField(
        _("window before the holiday (days)"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("For “before holidays”: how many days before the holiday it may be done."),
    )
    # C1: "1年4次巡检服务（每季度进行定期巡检，重大节假日提前巡检）" — four a year, the one
    # near a major holiday brought forward to before it, not an extra one.
    bring_forward_days = models.PositiveSmallIntegerField(
        _("bring forward before holidays (days)"),
        default=0,
        validators=[MaxValueValidator(60)],
        help_text=_(
            "For a quarterly, half-yearly or yearly rule: when one of the named holidays "
            "begins within its period, or less than this many days after it ends, that "
            "period's inspection is due this many days before the holiday instead of at the "
            "period's end. 0: never brought forward."
        ),
    )
    remind_days = models.PositiveSmallIntegerField(
        _("remind (days before due)"),
        default=7,
        validators=[MaxValueValidator(90)],
    )
    instructions = models.TextField(
        _("instructions"),
        blank=True,
        help_text=_("Shown on every inspection of this rule, e.g. “with a meeting”."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("inspection rule")
        verbose_name_plural = _("inspection rules")
        ordering = ["contract", "purpose", "cadence", "id"]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} · {self.get_cadence_display()}"

    def holiday_names(self) -> list[str]:
        return [
            name.strip() for name in self.holidays.replace("，", ",").split(",") if name.strip()
        ]

    def clean(self) -> None:
        if self.cadence == Cadence.BEFORE_HOLIDAYS and not self.holiday_names():
            raise ValidationError(
                {
                    "holidays": _("Name at least one holiday, e.g. %(example)s.")
                    % {"example": DEFAULT_MAJOR_HOLIDAYS}
                }
            )
        if self.bring_forward_days and self.cadence == Cadence.BEFORE_HOLIDAYS:
            raise ValidationError(
                {
                    "bring_forward_days": _(
                        "A “before holidays” rule is already due before each holiday; bring "
                        "forward a quarterly, half-yearly or yearly rule instead."
                    )
                }
            )
        if self.bring_forward_days and not self.holiday_names():
            raise ValidationError(
                {
                    "holidays": _(
                        "Name the holidays to bring the inspection forward for, e.g. %(example)s."
                    )
                    % {"example": MAJOR_HOLIDAYS_TO_BRING_FORWARD}
                }
            )
        if (
            self.cadence != Cadence.BEFORE_HOLIDAYS
            and not self.bring_forward_days
            and self.holidays.strip()
        ):
            raise ValidationError(
                {
                    "holidays": _(
                        "Only “before holidays”, or a rule brought forward before holidays, "
                        "names holidays."
                    )
                }
            )
