"""Service reports (季度运行总结 / 年度服务报告) and the PDFs made of them.

A report is one contract's quarter or year. The vendor manager writes its improvement
section while it is a draft and then marks it final. Every request to make the PDF is a
numbered version: a remake keeps the earlier files, a failure keeps its reason and can be
retried, and a render a dead worker left behind is picked up again.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from contracts.models.contracts import party_to
from reports.periods import Period


class ReportKind(models.TextChoices):
    QUARTERLY = "quarterly", _("Quarterly operation summary")
    ANNUAL = "annual", _("Annual service report")


class ServiceReportQuerySet(models.QuerySet):
    def visible_to(self, user) -> ServiceReportQuerySet:
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(party_to(user, "contract__"))


class ServiceReport(models.Model):
    contract = models.ForeignKey(
        "contracts.Contract",
        on_delete=models.PROTECT,
        related_name="service_reports",
        verbose_name=_("contract"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ReportKind.choices)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until (excluded)"))
    improvements = models.TextField(
        _("improvement measures"),
        blank=True,
        help_text=_("Written by the vendor manager before the report is final."),
    )
    final_at = models.DateTimeField(_("final since"), null=True, blank=True)
    final_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("made final by"),
    )
    accepted_at = models.DateTimeField(_("accepted by the hospital at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted by"),
    )
    acceptance_opinion = models.TextField(
        _("hospital's opinion"),
        blank=True,
        help_text=_("What the hospital writes when it accepts (签收) the final report."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ServiceReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("service report")
        verbose_name_plural = _("service reports")
        ordering = ["contract", "-period_start", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "kind", "period_start"], name="reports_one_per_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract.code} {self.get_kind_display()} {self.period.label}"

    @property
    def period(self) -> Period:
        return Period(self.period_start, self.period_end)

    @property
    def is_final(self) -> bool:
        return self.final_at is not None

    @property
    def is_accepted(self) -> bool:
        return self.accepted_at is not None

    def latest_file(self) -> ReportFile | None:
        return self.files.order_by("-version").first()


class RenderState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being made")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


def report_upload_to(report_file: ReportFile, filename: str) -> str:
    return f"service-reports/{report_file.report.contract.code}/{filename}"


class ReportFile(models.Model):
    """One requested version of a report's PDF: its progress, then its file."""

    report = models.ForeignKey(
        ServiceReport, on_delete=models.CASCADE, related_name="files", verbose_name=_("report")
    )
    version = models.PositiveIntegerField(_("version"))
    include_bound_book = models.BooleanField(
        _("with the bound book"),
        default=False,
        help_text=_("Annual reports: every ticket's record and every inspection report."),
    )
    is_final = models.BooleanField(_("final"), default=False)
    state = models.CharField(
        _("state"), max_length=10, choices=RenderState.choices, default=RenderState.QUEUED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
        help_text=_("Empty when OpsDesk made it on schedule."),
    )
    notify_contacts = models.BooleanField(_("tell the contract's contacts"), default=False)
    requested_at = models.DateTimeField(_("requested at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("reason of failure"), blank=True)
    file = models.FileField(_("file"), upload_to=report_upload_to, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), null=True, blank=True)
    pages = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    parts_left = models.PositiveSmallIntegerField(
        _("parts left"),
        null=True,
        blank=True,
        help_text=_("Parts still being made; the part that brings it to 0 has them joined."),
    )
    figures = models.JSONField(
        _("figures"),
        default=dict,
        blank=True,
        help_text=_("The figures this version printed, as at the end of its period."),
    )

    class Meta:
        verbose_name = _("report file")
        verbose_name_plural = _("report files")
        ordering = ["report", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["report", "version"], name="reports_file_version_once"),
        ]
        indexes = [
            # The stuck-render sweep: renders queued or running for too long.
            models.Index(
                fields=["requested_at"],
                condition=models.Q(state__in=["queued", "running"]),
                name="reports_file_unfinished",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report} v{self.version}"

    @property
    def filename(self) -> str:
        report = self.report
        kind = "年度服务报告" if report.kind == ReportKind.ANNUAL else "季度运行总结"
        period = report.period
        if report.kind == ReportKind.ANNUAL and period.is_year:
            name = f"{period.start:%Y}"
        elif report.kind == ReportKind.QUARTERLY and period.is_quarter:
            name = f"{period.start:%Y}Q{period.quarter_number}"
        else:  # a service year or quarter (contracts.periods): its first and last days
            name = f"{period.start:%Y%m%d}-{period.last_day:%Y%m%d}"
        return f"{kind}-{report.contract.code}-{name}-v{self.version}.pdf"

    @property
    def is_unfinished(self) -> bool:
        return self.state in (RenderState.QUEUED, RenderState.RUNNING)

    def seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


def stuck_before(now: dt.datetime) -> dt.datetime:
    """A render not finished this long after it started is taken as lost with its worker."""
    return now - dt.timedelta(minutes=settings.REPORT_RENDER_TIMEOUT_MINUTES)


class ReportPart(models.Model):
    """One part of a report file rendered on its own (the report's pages, or a chunk of the
    bound book), so several workers make one annual report. Its PDF waits in `path` until the
    last part to finish has the parts joined; then the parts are deleted."""

    class Section(models.TextChoices):
        MAIN = "main", _("Report")
        BREACHES = "breaches", _("Breached clocks")  # the appendix's pages (item_ids: pages)
        TICKETS = "tickets", _("Ticket records")
        INSPECTIONS = "inspections", _("Inspection reports")

    report_file = models.ForeignKey(
        ReportFile, on_delete=models.CASCADE, related_name="parts", verbose_name=_("report file")
    )
    position = models.PositiveSmallIntegerField(_("position"))
    section = models.CharField(_("section"), max_length=12, choices=Section.choices)
    item_ids = models.JSONField(_("records"), default=list, blank=True)
    first_in_section = models.BooleanField(default=False)
    state = models.CharField(
        _("state"), max_length=10, choices=RenderState.choices, default=RenderState.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("reason of failure"), blank=True)
    pages = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    path = models.CharField(_("file"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("report part")
        verbose_name_plural = _("report parts")
        ordering = ["report_file", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["report_file", "position"], name="reports_part_position_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report_file} part {self.position}"
