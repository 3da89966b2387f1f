"""The hospital's consent to a hold, an extension or a restart, as a request it decides.

A fact that decides an SLA dispute comes from the party it binds: the vendor asks, a person of
the hospital grants or refuses (on the ticket page, from the link in the notice, or by the
API), and the clocks pause or extend from that moment. Where the hospital agreed by phone the
vendor records who agreed, how and when; the hospital is told at once and may dispute it
within the contract's window, which undoes the pause or the extension.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from contracts.models import Clock as ClockName
from tickets.models.clocks import Extension, Pause, PauseReason
from tickets.models.tickets import Ticket


class ConsentKind(models.TextChoices):
    HOLD = "hold", _("Hold (clocks pause)")
    EXTENSION = "extension", _("More time on a clock")
    # C4: "restart/redeploy only after telling the hospital and getting its consent".
    RESTART = "restart", _("Restart or redeploy")


class ConsentState(models.TextChoices):
    PENDING = "pending", _("Awaiting the hospital")
    GRANTED = "granted", _("Agreed")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    DISPUTED = "disputed", _("Disputed by the hospital")


class ConsentChannel(models.TextChoices):
    """How the hospital gave (or refused) its consent."""

    PORTAL = "portal", _("Ticket page")
    API = "api", _("API")
    LINK = "link", _("Link in an e-mail or WeCom message")
    # Recorded by the vendor: the hospital said so outside OpsDesk, and may dispute it.
    PHONE = "phone", _("By phone (recorded by the vendor)")
    ON_SITE = "on_site", _("On site (recorded by the vendor)")
    WECOM_GROUP = "wecom_group", _("In the WeCom group (recorded by the vendor)")


# The channels by which the vendor states what the hospital said: these may be disputed.
RECORDED_CHANNELS = (ConsentChannel.PHONE, ConsentChannel.ON_SITE, ConsentChannel.WECOM_GROUP)

REFUSAL_LIMIT = 1000


class ConsentRequest(models.Model):
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="consents", verbose_name=_("ticket")
    )
    kind = models.CharField(_("asked for"), max_length=10, choices=ConsentKind.choices)
    # The asked terms: why (a hold reason), which clock and how many working minutes.
    reason = models.CharField(
        _("hold reason"), max_length=20, choices=PauseReason.choices, blank=True
    )
    clock = models.CharField(_("clock"), max_length=10, choices=ClockName.choices, blank=True)
    minutes = models.PositiveIntegerField(_("working minutes"), null=True, blank=True)
    note = models.TextField(_("why"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("asked by"),
    )
    requested_at = models.DateTimeField(_("asked at"))
    state = models.CharField(
        _("state"), max_length=10, choices=ConsentState.choices, default=ConsentState.PENDING
    )
    # Who at the hospital decided: an account, or (recorded by the vendor) a person without
    # one, by the name and phone they gave.
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_by_name = models.CharField(_("agreed by (name)"), max_length=100, blank=True)
    decided_by_phone = models.CharField(_("agreed by (phone)"), max_length=20, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    channel = models.CharField(_("how"), max_length=12, choices=ConsentChannel.choices, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by (vendor)"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    refusal_reason = models.TextField(_("why refused"), blank=True)
    disputed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("disputed by"),
    )
    disputed_at = models.DateTimeField(_("disputed at"), null=True, blank=True)
    dispute_reason = models.TextField(_("why disputed"), blank=True)
    # What the consent brought about; emptied when a dispute undoes it.
    pause = models.OneToOneField(
        Pause, on_delete=models.SET_NULL, null=True, blank=True, related_name="consent"
    )
    extension = models.OneToOneField(
        Extension, on_delete=models.SET_NULL, null=True, blank=True, related_name="consent"
    )

    class Meta:
        verbose_name = _("consent request")
        verbose_name_plural = _("consent requests")
        ordering = ["ticket", "requested_at", "id"]
        constraints = [
            # One open question of each kind at a time: the hospital answers what it is asked.
            models.UniqueConstraint(
                fields=["ticket", "kind"],
                condition=Q(state="pending"),
                name="tickets_one_pending_consent_per_kind",
            ),
        ]
        indexes = [
            # consents_awaiting(): the pending requests of a hospital's tickets.
            models.Index(
                fields=["ticket"], name="tickets_consent_pending", condition=Q(state="pending")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.state}"

    @property
    def agreed_by(self) -> str:
        """Who at the hospital decided, as the page, the PDF and the API name them."""
        if self.decided_by_id:
            return str(self.decided_by)
        return self.decided_by_name

    @property
    def is_pending(self) -> bool:
        return self.state == ConsentState.PENDING

    @property
    def is_recorded(self) -> bool:
        """Stated by the vendor (phone, on site, WeCom group), not given in OpsDesk."""
        return self.channel in RECORDED_CHANNELS

    def dispute_until(self, hours: int) -> dt.datetime | None:
        """Until when the hospital may dispute a consent the vendor recorded."""
        if self.state != ConsentState.GRANTED or not self.is_recorded or self.recorded_at is None:
            return None
        return self.recorded_at + dt.timedelta(hours=hours)

    def disputable_at(self, at: dt.datetime) -> bool:
        """Whether the hospital may still dispute it at `at` (the page offers, the service
        decides: both ask this)."""
        until = self.dispute_until(self.ticket.contract.consent_dispute_hours)
        return until is not None and at <= until

    @property
    def terms(self) -> str:
        """The asked terms in a reader's words (the page, the notices, the PDF)."""
        return terms_text(self.kind, self.reason, self.clock, self.minutes)


def terms_text(kind: str, reason: str, clock: str, minutes: int | None) -> str:
    """What the hospital is asked to agree to, in the active language; the timeline reads it
    from the facts an event stored."""
    from django.utils.translation import gettext

    if kind == ConsentKind.HOLD:
        label = PauseReason(reason).label if reason in PauseReason.values else "—"
        return gettext("Put the ticket on hold (%(reason)s): the clocks pause.") % {"reason": label}
    if kind == ConsentKind.EXTENSION:
        return gettext("%(minutes)s more working minutes on the %(clock)s clock.") % {
            "minutes": minutes,
            "clock": ClockName(clock).label if clock in ClockName.values else "—",
        }
    return gettext("Restart or redeploy the system.")
