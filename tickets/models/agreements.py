"""Times the vendor and the hospital agree on a ticket: a change's implementation window
(C4: "经院方信息中心认可并确定具体实施时间后实施") and an on-site appointment (C3 levels 3–4:
"on site within the time agreed with the hospital").

Each row is one proposal with its provenance: who proposed it and when, who agreed and when,
and, for an agreement given by phone, the hospital person named, the channel and the time.
A newer proposal supersedes the older ones; nothing is edited in place.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tickets.models.tickets import Ticket


class Side(models.TextChoices):
    VENDOR = "vendor", _("Vendor")
    HOSPITAL = "hospital", _("Hospital")


class AgreementChannel(models.TextChoices):
    """How the hospital agreed, where it did not click "confirm" itself."""

    PORTAL = "portal", _("Portal or API")
    PHONE = "phone", _("Phone")
    WECOM = "wecom", _("WeCom")
    EMAIL = "email", _("E-mail")
    ON_SITE = "on_site", _("In person")


# How a confirmation the vendor records came in (the portal confirms by itself).
RECORDED_AGREEMENT_CHANNELS = [
    choice for choice in AgreementChannel.choices if choice[0] != AgreementChannel.PORTAL
]


class AgreedTime(models.Model):
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    proposed_side = models.CharField(_("proposed by (side)"), max_length=10, choices=Side.choices)
    proposed_at = models.DateTimeField(_("proposed at"))
    # Who agreed: the person who confirmed in the portal or API, or the vendor's person who
    # recorded an agreement the hospital gave by phone (then agreed_name names the hospital's
    # person and agreed_channel says how).
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agreed by"),
    )
    agreed_name = models.CharField(_("agreed by (name)"), max_length=100, blank=True)
    agreed_channel = models.CharField(
        _("agreed through"), max_length=10, choices=AgreementChannel.choices, blank=True
    )
    agreed_at = models.DateTimeField(_("agreed at"), null=True, blank=True)
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_agreed(self) -> bool:
        return self.agreed_at is not None

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None


class ChangeWindow(AgreedTime):
    """When a change may be carried out, agreed by hospital IT with the plan."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="change_windows", verbose_name=_("ticket")
    )
    starts_at = models.DateTimeField(_("window starts"))
    ends_at = models.DateTimeField(_("window ends"))

    class Meta:
        verbose_name = _("change window")
        verbose_name_plural = _("change windows")
        ordering = ["ticket", "proposed_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="tickets_window_ends_after"
            ),
            models.UniqueConstraint(
                fields=["ticket"],
                condition=Q(superseded_at__isnull=True),
                name="tickets_one_current_window",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M}"

    def contains(self, moment) -> bool:
        return self.starts_at <= moment <= self.ends_at


class Appointment(AgreedTime):
    """When the engineer will be on site, agreed with the hospital (C3 levels 3–4)."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="appointments", verbose_name=_("ticket")
    )
    at = models.DateTimeField(_("on site at"))

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["ticket", "proposed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=Q(superseded_at__isnull=True),
                name="tickets_one_current_appointment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.at:%Y-%m-%d %H:%M}"
