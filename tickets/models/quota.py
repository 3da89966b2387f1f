"""The person-day quota's warnings (C5: adaptive maintenance at most 15 person-days a year)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from contracts.models import Contract


class QuotaWarning(models.Model):
    """The moment a contract's adaptive work crossed a share of its yearly quota. One row per
    quota year and threshold: the row is the claim that the warning was sent, so two worklogs
    saved at once warn once (tickets.quota.warn_if_crossed)."""

    contract = models.ForeignKey(
        Contract,
        on_delete=models.CASCADE,
        related_name="quota_warnings",
        verbose_name=_("contract"),
    )
    year_starts_on = models.DateField(_("quota year starts"))
    percent = models.PositiveSmallIntegerField(_("threshold (percent)"))
    person_days = models.DecimalField(_("person-days used"), max_digits=7, decimal_places=2)
    crossed_at = models.DateTimeField(_("crossed at"))

    class Meta:
        verbose_name = _("person-day quota warning")
        verbose_name_plural = _("person-day quota warnings")
        ordering = ["contract", "year_starts_on", "percent"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "year_starts_on", "percent"], name="tickets_quota_warned_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.year_starts_on} {self.percent}%"
