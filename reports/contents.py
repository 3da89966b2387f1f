"""Everything a service report shows, gathered once: the dashboard's figures (one set of
functions), what only the reports add, the charts, and for an annual report's bound book
every ticket's record and every inspection of the year.

Reads only; a fixed number of queries however many tickets (the bound book reads its
tickets with their timelines, clocks and worklogs in a handful of prefetches).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils import timezone

from inspections.figures import InspectionFigure, inspection_figure
from inspections.models import DONE_STATES, Inspection, InspectionResult
from knowledge.models import Article
from knowledge.selectors import articles_added
from reports import charts
from reports.figures import (
    QuarterSummary,
    RecurringProblem,
    TrendPoint,
    compliance_trend,
    quarter_summary,
    recurring_problems,
)
from reports.models import ReportKind, ServiceReport
from tickets.models import Event, Ticket, TicketClock, Worklog


@dataclass(frozen=True)
class BoundBook:
    """The year's records bound into one book (C5): each ticket, each inspection report."""

    tickets: list[Ticket]
    inspections: list[Inspection]


@dataclass(frozen=True)
class ReportContents:
    report: ServiceReport
    now: dt.datetime
    summary: QuarterSummary
    trend: tuple[TrendPoint, ...]
    inspections: InspectionFigure
    recurring: tuple[RecurringProblem, ...]
    articles: list[Article]
    systems: list[str]
    charts: dict[str, str]
    bound_book: BoundBook | None

    @property
    def contract(self):
        return self.report.contract

    @property
    def period(self):
        return self.report.period

    @property
    def is_annual(self) -> bool:
        return self.report.kind == ReportKind.ANNUAL


def bound_book(report: ServiceReport) -> BoundBook:
    """The tickets reported in the period, in number order, with their timeline, clocks and
    worklogs; the inspections due in the period that were done, with their results."""
    start, end = report.period.bounds()
    tickets = list(
        Ticket.objects.filter(contract=report.contract, created_at__gte=start, created_at__lt=end)
        .select_related(
            "system__parent__parent", "service_class", "reporter", "assignee", "entered_by"
        )
        .prefetch_related(
            Prefetch("events", queryset=Event.objects.select_related("actor").order_by("at", "id")),
            Prefetch("clocks", queryset=TicketClock.objects.filter(is_active=True)),
            Prefetch("worklogs", queryset=Worklog.objects.select_related("engineer")),
        )
        .order_by("number")
    )
    inspections = list(
        Inspection.objects.filter(
            contract=report.contract,
            due_on__gte=report.period_start,
            due_on__lt=report.period_end,
            state__in=DONE_STATES,
        )
        .select_related("engineer", "template", "system")
        .prefetch_related(
            Prefetch(
                "results",
                queryset=InspectionResult.objects.select_related("ticket").order_by("position"),
            )
        )
        .order_by("due_on", "id")
    )
    return BoundBook(tickets=tickets, inspections=inspections)


def report_contents(
    report: ServiceReport, *, include_bound_book: bool = False, now: dt.datetime | None = None
) -> ReportContents:
    now = now or timezone.now()
    contract, period = report.contract, report.period
    summary = quarter_summary(contract, period, now)
    trend = compliance_trend(contract, period, now)
    start, end = period.bounds()
    return ReportContents(
        report=report,
        now=now,
        summary=summary,
        trend=trend,
        inspections=inspection_figure(
            contract, period.start, period.end, timezone.localtime(now).date()
        ),
        recurring=recurring_problems(contract, period),
        articles=articles_added(contract, start, end),
        systems=[
            row.system.path()
            for row in contract.contract_systems.select_related("system__parent__parent")
        ],
        charts={
            "months": charts.monthly_tickets_chart(summary.by_month),
            "compliance": charts.compliance_chart(summary.compliance),
            "trend": charts.compliance_trend_chart(trend),
            "downtime": charts.downtime_chart(summary.downtime),
        },
        bound_book=bound_book(report) if include_bound_book else None,
    )
