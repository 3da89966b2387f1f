"""The clocks of a ticket: respond, arrive, resolve.

A clock row keeps the facts (target, calendar, when it started and was met) and the
schedule derived from them (due_at, warn_at), which tickets.clocks recomputes whenever a
fact changes: a hold, an extension, a level change, a calendar edit.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from contracts.models import Clock as ClockName
from contracts.models import ClockStart
from tickets.models.contract_copy import ContractCopy
from tickets.models.tickets import Ticket


class TicketClock(ContractCopy):
    # Looked up by the unique (ticket, name) index, which leads with it.
    ticket = models.ForeignKey(
        Ticket,
        on_delete=models.CASCADE,
        related_name="clocks",
        verbose_name=_("ticket"),
        db_index=False,
    )
    name = models.CharField(_("clock"), max_length=10, choices=ClockName.choices)
    target_minutes = models.PositiveIntegerField(_("target (working minutes)"))
    extension_minutes = models.PositiveIntegerField(_("extended by (working minutes)"), default=0)
    calendar = models.ForeignKey(
        "sla.ServiceCalendar",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("counts in"),
    )
    starts_from = models.CharField(
        max_length=10, choices=ClockStart.choices, default=ClockStart.REPORT
    )
    # Copied from the SLA row's clock target: the deadline is no later than this calendar's
    # next opening after the clock started, when it started while the calendar was closed.
    due_by_opening_of = models.ForeignKey(
        "sla.ServiceCalendar",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("due no later than the next opening of"),
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    warn_at = models.DateTimeField(_("warn at"), null=True, blank=True)
    # A deadline agreed with the hospital instead of counted from a target: C3 levels 3–4
    # are "on site within the time agreed with the hospital" (an Appointment it confirmed).
    # Holds and calendar edits do not move it; a new appointment does.
    agreed_due_at = models.DateTimeField(_("due at the agreed time"), null=True, blank=True)
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    warned_at = models.DateTimeField(_("warned at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached at"), null=True, blank=True)
    # Why the vendor missed the deadline, in the engineer's words (the reports' breach
    # column); empty until someone of the vendor explains it.
    breach_reason = models.CharField(_("breach reason"), max_length=500, blank=True, db_default="")
    is_paused = models.BooleanField(_("paused"), default=False)
    is_active = models.BooleanField(
        _("applies"), default=True, help_text=_("Off when a level change removed this clock.")
    )
    provisional = models.BooleanField(
        _("provisional"),
        default=False,
        help_text=_("Counted through a year whose holiday schedule OpsDesk does not hold yet."),
    )

    class Meta:
        verbose_name = _("clock")
        verbose_name_plural = _("clocks")
        ordering = ["ticket", "id"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "name"], name="tickets_clock_once"),
        ]
        indexes = [
            # The breach sweep: running clocks whose deadline has passed and not yet recorded.
            models.Index(
                fields=["due_at"],
                name="clock_sweep_due",
                condition=Q(met_at__isnull=True, breached_at__isnull=True, is_active=True),
            ),
            # The warning sweep: running clocks past their warning threshold, not yet warned.
            models.Index(
                fields=["warn_at"],
                name="clock_sweep_warn",
                condition=Q(met_at__isnull=True, warned_at__isnull=True, is_active=True),
            ),
            # Queue: the next deadline of each open ticket.
            models.Index(
                fields=["ticket", "due_at"],
                name="clock_running_due",
                condition=Q(met_at__isnull=True, is_active=True),
            ),
            # A contract's clocks running late now (the dashboard's open breaches, earliest
            # first, and their count per contract on the portfolio): read from the running
            # clocks alone, not by walking every clock the contract ever had in due order
            # (78 000 skipped rows, 60-100 ms at 1M tickets).
            models.Index(
                fields=["contract", "due_at"],
                name="clock_contract_running_due",
                condition=Q(met_at__isnull=True, is_active=True),
            ),
            # A contract's period figures (reports.figures): clocks due, or met, in a period.
            models.Index(fields=["contract", "due_at"], name="clock_contract_due"),
            models.Index(fields=["contract", "met_at"], name="clock_contract_met"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket.number} {self.get_name_display()}"

    @property
    def total_minutes(self) -> int:
        return self.target_minutes + self.extension_minutes

    @property
    def is_running(self) -> bool:
        return self.is_active and self.started_at is not None and self.met_at is None

    @property
    def counts_down(self) -> bool:
        """Has a deadline still ahead of being met; the trigger of migration
        tickets/0003 applies the same rule in SQL to keep Ticket.next_due_at."""
        return self.is_active and self.met_at is None and self.due_at is not None

    @property
    def breached(self) -> bool:
        return breach_recorded(self.breached_at)

    def missed_by(self, now) -> bool:
        """Whether the clock missed its deadline by `now`: a recorded breach, met late, or
        still running past it (the reports' rule, reports.figures._breached)."""
        if self.breached_at is not None:
            return True
        if self.due_at is None:
            return False
        return self.met_at > self.due_at if self.met_at else self.due_at <= now


def breach_recorded(breached_at: dt.datetime | None) -> bool:
    """TicketClock.breached from the column alone: a breach of the clock is on record
    (breached_at, with its reason)."""
    return breached_at is not None


def next_deadline(clocks) -> tuple:
    """(due_at, warn_at) of the clock that falls due first among those that count down
    (ties by id), or (None, None): what Ticket.next_due_at/next_warn_at hold. The triggers
    of tickets/next_deadline_sql.py apply this same rule in SQL."""
    running = sorted((c for c in clocks if c.counts_down), key=lambda c: (c.due_at, c.pk))
    return (running[0].due_at, running[0].warn_at) if running else (None, None)


class PauseReason(models.TextChoices):
    WAITING_FOR_HOSPITAL = "hospital", _("Waiting for the hospital")
    WAITING_FOR_PARTS = "parts", _("Waiting for spare parts")
    WAITING_FOR_THIRD_PARTY = "third_party", _("Waiting for a third-party vendor")
    PLANNED_DOWNTIME = "planned_downtime", _("Planned downtime")
    AWAITING_CONFIRMATION = "confirmation", _("Resolved, awaiting the hospital's confirmation")


class Pause(models.Model):
    """A span in which a ticket's clocks stood still, with the hospital's recorded consent."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="pauses", verbose_name=_("ticket")
    )
    reason = models.CharField(_("reason"), max_length=20, choices=PauseReason.choices)
    note = models.TextField(_("note"), blank=True)
    started_at = models.DateTimeField(_("from"))
    ended_at = models.DateTimeField(_("until"), null=True, blank=True)
    consent_by = models.CharField(_("consent given by"), max_length=100, blank=True)
    consent_at = models.DateTimeField(_("consent given at"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("pause")
        verbose_name_plural = _("pauses")
        ordering = ["ticket", "started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"], condition=Q(ended_at__isnull=True), name="tickets_one_open_pause"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket.number} {self.get_reason_display()}"


class Extension(models.Model):
    """More time on one clock, agreed by the hospital (C1: 经用户同意后可适当延长)."""

    clock = models.ForeignKey(
        TicketClock, on_delete=models.CASCADE, related_name="extensions", verbose_name=_("clock")
    )
    minutes = models.PositiveIntegerField(_("working minutes"))
    reason = models.TextField(_("reason"))
    consent_by = models.CharField(_("consent given by"), max_length=100)
    consent_at = models.DateTimeField(_("consent given at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")
        ordering = ["clock", "recorded_at"]

    def __str__(self) -> str:
        return f"{self.clock} +{self.minutes}"
