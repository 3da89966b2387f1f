"""Inspections (巡检): planned from the contract's rules, performed on site or remotely,
signed off by the hospital, and printed as a PDF report the hospital files."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from contracts.models.contracts import party_to
from inspections.models.checklists import ChecklistItem, ChecklistTemplate
from inspections.models.plans import InspectionRule, Purpose
from inspections.thresholds import Verdict, describe_rule, judge


class InspectionState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed, awaiting sign-off")
    SIGNED = "signed", _("Signed off")
    CANCELLED = "cancelled", _("Cancelled")


DONE_STATES = (InspectionState.COMPLETED, InspectionState.SIGNED)
OPEN_STATES = (InspectionState.PLANNED, InspectionState.IN_PROGRESS)


class InspectionMode(models.TextChoices):
    ON_SITE = "on_site", pgettext_lazy("inspection performed", "On site")
    REMOTE = "remote", pgettext_lazy("inspection performed", "Remote")


def overdue_q(today: dt.date) -> models.Q:
    """An inspection is overdue when it is still planned or in progress after its due date:
    the one definition the list, the plan status, the reports and the notices use."""
    return models.Q(state__in=OPEN_STATES, due_on__lt=today)


def not_yet_due_q(today: dt.date) -> models.Q:
    return models.Q(state__in=OPEN_STATES, due_on__gte=today)


class InspectionQuerySet(models.QuerySet):
    def visible_to(self, user) -> InspectionQuerySet:
        """Inspections of contracts the user's organisation is party to."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(party_to(user, "contract__"))

    def overdue(self, today: dt.date) -> InspectionQuerySet:
        return self.filter(overdue_q(today))


class Inspection(ConcurrentTransitionMixin, models.Model):
    contract = models.ForeignKey(
        "contracts.Contract",
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("contract"),
    )
    rule = models.ForeignKey(
        InspectionRule,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inspections",
        verbose_name=_("planned by rule"),
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    template = models.ForeignKey(
        ChecklistTemplate,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("checklist"),
    )
    system = models.ForeignKey(
        "contracts.CoveredSystem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inspections",
        verbose_name=_("system"),
        help_text=_("Leave empty for every system the contract covers."),
    )
    title = models.CharField(_("title"), max_length=200)
    window_starts_on = models.DateField(_("may be done from"))
    due_on = models.DateField(_("due by"))
    planned_on_site = models.BooleanField(_("planned on site"), default=True)
    instructions = models.TextField(_("instructions"), blank=True)
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inspections",
        verbose_name=_("engineer"),
    )
    state = FSMField(
        _("state"),
        max_length=20,
        choices=InspectionState.choices,
        default=InspectionState.PLANNED,
        protected=True,
    )
    mode = models.CharField(
        _("performed"), max_length=10, choices=InspectionMode.choices, blank=True
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    findings = models.TextField(_("findings"), blank=True)
    suggestions = models.TextField(_("suggestions"), blank=True)
    signer_name = models.CharField(_("signed off by"), max_length=100, blank=True)
    signed_at = models.DateTimeField(_("signed off at"), null=True, blank=True)
    sign_off_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sign-off recorded by"),
    )
    # Every change the PDF shows bumps the revision; the renderer makes a report per revision.
    revision = models.PositiveIntegerField(_("revision"), default=0)
    # Claimed by a conditional UPDATE, so two workers never send the same reminder.
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    overdue_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = InspectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["due_on", "id"]
        constraints = [
            # Scheduling is idempotent: one inspection per rule and period.
            models.UniqueConstraint(
                fields=["rule", "window_starts_on"], name="inspections_one_per_rule_period"
            ),
            models.CheckConstraint(
                condition=models.Q(due_on__gte=models.F("window_starts_on")),
                name="inspections_window_order",
            ),
        ]
        indexes = [
            # The contract's plan (done / overdue / planned) and the reminder sweep by due date.
            models.Index(fields=["contract", "due_on"], name="inspections_contract_due"),
            models.Index(
                fields=["due_on"],
                condition=models.Q(state__in=["planned", "in_progress"]),
                name="inspections_open_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.due_on:%Y-%m-%d})"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("inspection-detail", kwargs={"pk": self.pk})

    # --- derived facts ------------------------------------------------------------------

    @property
    def is_done(self) -> bool:
        return self.state in DONE_STATES

    def is_overdue(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.state in OPEN_STATES and self.due_on < today  # overdue_q() in Python

    @property
    def duration_minutes(self) -> int | None:
        if not (self.started_at and self.finished_at):
            return None
        return max(0, round((self.finished_at - self.started_at).total_seconds() / 60))

    def onsite_dates(self) -> list[dt.date]:
        """The Shanghai dates an on-site inspection occupied, first to last: each counts as an
        on-site day towards the contract's quota (C2: quarterly inspections count)."""
        if self.mode != InspectionMode.ON_SITE or not (self.started_at and self.finished_at):
            return []
        first = timezone.localtime(self.started_at).date()
        last = timezone.localtime(self.finished_at).date()
        return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]

    # --- the state machine: what may happen ---------------------------------------------

    @transition(field=state, source=InspectionState.PLANNED, target=InspectionState.IN_PROGRESS)
    def start(self) -> None:
        pass

    @transition(field=state, source=InspectionState.IN_PROGRESS, target=InspectionState.COMPLETED)
    def complete(self) -> None:
        pass

    @transition(field=state, source=InspectionState.COMPLETED, target=InspectionState.IN_PROGRESS)
    def reopen(self) -> None:
        pass

    @transition(field=state, source=InspectionState.COMPLETED, target=InspectionState.SIGNED)
    def sign_off(self) -> None:
        pass

    @transition(
        field=state,
        source=[InspectionState.PLANNED, InspectionState.IN_PROGRESS],
        target=InspectionState.CANCELLED,
    )
    def cancel(self) -> None:
        pass


class InspectionResult(models.Model):
    """One checklist item of one inspection: a copy of the item as it was, and the answer."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="results", verbose_name=_("inspection")
    )
    item = models.ForeignKey(
        ChecklistItem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("checklist item"),
    )
    position = models.PositiveSmallIntegerField(_("position"))
    section = models.CharField(_("section"), max_length=200)
    name = models.CharField(_("item"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    comparator = models.CharField(_("rule"), max_length=10, blank=True)
    limit = models.DecimalField(_("limit"), max_digits=12, decimal_places=3, null=True)
    upper_limit = models.DecimalField(_("upper limit"), max_digits=12, decimal_places=3, null=True)
    guidance = models.TextField(_("how to check"), blank=True)
    # The answer.
    passed = models.BooleanField(_("passed"), null=True)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=3, null=True)
    text = models.TextField(_("result"), blank=True)
    not_applicable = models.BooleanField(_("not applicable"), default=False)
    note = models.TextField(_("note"), blank=True)
    verdict = models.CharField(
        _("verdict"), max_length=10, choices=Verdict.choices, default=Verdict.PENDING
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inspection_findings",
        verbose_name=_("ticket opened"),
    )
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("inspection result")
        verbose_name_plural = _("inspection results")
        ordering = ["inspection", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "position"], name="inspections_result_position_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.get_verdict_display()}"

    @property
    def rule_display(self) -> str:
        return describe_rule(self.comparator, self.limit, self.upper_limit, self.unit)

    @property
    def value_display(self) -> str:
        if self.value is None:
            return ""
        text = format(Decimal(self.value).normalize(), "f")
        return f"{text} {self.unit}".strip()

    @property
    def failed(self) -> bool:
        return self.verdict == Verdict.FAIL

    def rejudge(self) -> str:
        self.verdict = judge(
            kind=self.kind,
            comparator=self.comparator,
            limit=self.limit,
            upper_limit=self.upper_limit,
            passed=self.passed,
            value=self.value,
            text=self.text,
            not_applicable=self.not_applicable,
        )
        return self.verdict


def report_upload_to(report: InspectionReport, filename: str) -> str:
    return f"inspection-reports/{report.inspection.contract.code}/{filename}"


class InspectionReport(models.Model):
    """The PDF of one revision of an inspection; earlier revisions are kept."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="reports", verbose_name=_("inspection")
    )
    revision = models.PositiveIntegerField(_("revision"))
    file = models.FileField(_("file"), upload_to=report_upload_to)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("size (bytes)"))
    pages = models.PositiveSmallIntegerField(_("pages"))
    created_at = models.DateTimeField(_("made at"), auto_now_add=True)

    class Meta:
        verbose_name = _("inspection report")
        verbose_name_plural = _("inspection reports")
        ordering = ["inspection", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "revision"], name="inspections_report_once_per_revision"
            ),
        ]

    def __str__(self) -> str:
        return self.filename

    @property
    def filename(self) -> str:
        inspection = self.inspection
        return (
            f"巡检报告-{inspection.contract.code}-{inspection.due_on:%Y%m%d}-r{self.revision}.pdf"
        )


class InspectionEvent(models.Model):
    """One line of an inspection's history; append-only (inspections.inspection.started …)."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="events", verbose_name=_("inspection")
    )
    action = models.CharField(_("action"), max_length=60)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"))
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("inspection history")
        verbose_name_plural = _("inspection history")
        ordering = ["inspection", "at", "id"]

    def __str__(self) -> str:
        return f"{self.inspection_id} {self.action} {self.at:%Y-%m-%d %H:%M}"
