"""Everything a service report shows, gathered once: the dashboard's figures (one set of
functions), what only the reports add, the charts, and for an annual report's bound book
every ticket's record and every inspection of the year.

Reads only; a fixed number of queries however many tickets (the bound book reads its
tickets with their timelines, clocks and worklogs in a handful of prefetches).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from inspections.figures import InspectionFigure, inspection_figure
from inspections.models import DONE_STATES, Inspection, InspectionResult
from knowledge.models import Article
from knowledge.selectors import articles_added
from reports import charts
from reports.figures import (
    Backlog,
    CountRow,
    EngineerLoad,
    FlowMonth,
    Incident,
    QuarterLine,
    QuarterSummary,
    RecurringProblem,
    ReworkFigure,
    SystemLevelTable,
    TrendPoint,
    YearComparison,
    as_at,
    backlog,
    causes,
    compliance_trend,
    created_and_resolved,
    engineer_load,
    level1_incidents,
    quarter_by_quarter,
    quarter_summary,
    recurring_problems,
    rework,
    snapshot,
    system_by_level,
    year_on_year,
)
from reports.models import ReportKind, ServiceReport
from tickets.models import ConsentRequest, ConsentState, Event, Ticket, TicketClock, Worklog


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
    system_levels: SystemLevelTable
    causes: tuple[CountRow, ...]
    backlog: Backlog
    flow: tuple[FlowMonth, ...]
    quarters: tuple[QuarterLine, ...]  # annual reports only
    incidents: tuple[Incident, ...]
    rework: ReworkFigure
    engineers: tuple[EngineerLoad, ...]
    year_on_year: YearComparison | None  # annual reports only

    @property
    def report_date(self) -> dt.date:
        """The date the report speaks for: the period's last day once it is over (however
        much later it is rendered), else the day its figures are counted at."""
        return min(self.report.period.last_day, timezone.localtime(self.now).date())

    @property
    def as_at_label(self) -> str:
        """When the figures are counted at, as a reader says it: "2026-09-30 24:00" for
        the end of a period (not the next day's 00:00)."""
        local = timezone.localtime(self.now)
        if local.time() == dt.time.min:
            return f"{local.date() - dt.timedelta(days=1):%Y-%m-%d} 24:00"
        return f"{local:%Y-%m-%d %H:%M}"

    def snapshot(self) -> dict:
        return snapshot(
            self.summary,
            self.trend,
            system_levels=self.system_levels,
            causes=self.causes,
            backlog=self.backlog,
            flow=self.flow,
            quarters=self.quarters,
            incidents=self.incidents,
            rework=self.rework,
            engineers=self.engineers,
            year_on_year=self.year_on_year,
        )

    @property
    def contract(self):
        return self.report.contract

    @property
    def period(self):
        return self.report.period

    @property
    def is_annual(self) -> bool:
        return self.report.kind == ReportKind.ANNUAL


def book_tickets(report: ServiceReport) -> QuerySet[Ticket]:
    """The tickets reported in the period, in number order, with their timeline, clocks and
    worklogs."""
    start, end = report.period.bounds()
    return (
        Ticket.objects.filter(contract=report.contract, created_at__gte=start, created_at__lt=end)
        .select_related(
            "system__parent__parent", "service_class", "reporter", "assignee", "entered_by"
        )
        .prefetch_related(
            # The hospital signs this book: the vendor's internal notes stay out of it.
            Prefetch(
                "events",
                queryset=Event.objects.public().select_related("actor").order_by("at", "id"),
            ),
            Prefetch("clocks", queryset=TicketClock.objects.filter(is_active=True)),
            Prefetch("worklogs", queryset=Worklog.objects.select_related("engineer")),
            # Who at the hospital agreed to each hold and extension, how and when.
            Prefetch(
                "consents",
                queryset=ConsentRequest.objects.exclude(
                    state__in=(ConsentState.PENDING, ConsentState.WITHDRAWN)
                )
                .select_related("decided_by", "recorded_by", "disputed_by")
                .order_by("requested_at", "id"),
            ),
        )
        .order_by("number")
    )


def book_inspections(report: ServiceReport) -> QuerySet[Inspection]:
    """The inspections due in the period that were done, with their results."""
    return (
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


def bound_book(report: ServiceReport) -> BoundBook:
    """The year's tickets and inspections, as the bound book prints them."""
    return BoundBook(tickets=list(book_tickets(report)), inspections=list(book_inspections(report)))


def report_contents(
    report: ServiceReport, *, include_bound_book: bool = False, now: dt.datetime | None = None
) -> ReportContents:
    contract, period = report.contract, report.period
    now = as_at(period, now or timezone.now())
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
            "compliance": charts.compliance_chart(
                summary.compliance, target=contract.sla_target_percent
            ),
            "trend": charts.compliance_trend_chart(trend, target=contract.sla_target_percent),
            "downtime": charts.downtime_chart(summary.downtime),
        },
        bound_book=bound_book(report) if include_bound_book else None,
        system_levels=system_by_level(contract, period),
        causes=causes(contract, period, now),
        backlog=backlog(contract, period, now),
        flow=created_and_resolved(contract, period, now),
        quarters=(
            quarter_by_quarter(contract, period, now) if report.kind == ReportKind.ANNUAL else ()
        ),
        incidents=level1_incidents(contract, period, now),
        rework=rework(contract, period, now),
        engineers=engineer_load(contract, period, now),
        year_on_year=(
            year_on_year(contract, period, now) if report.kind == ReportKind.ANNUAL else None
        ),
    )
