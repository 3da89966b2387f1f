"""Turning a contract's inspection rules into planned inspections for its whole term.

Quarterly, half-yearly and yearly rules cut the term into periods from its first day (a term
starting 2026-03-01 has quarters March–May, June–August …); each period holds one
inspection, due on its last day. A "before holidays" rule plans one inspection before the
first day of each named holiday in the term, due the day before, from the holiday table (so
make-up days and the State Council's dates are the ones OpsDesk already counts with).

Planning is idempotent: a rule and a window start name one inspection, so the daily beat
task may run it any number of times. A holiday year not yet published is reported, not
guessed; its inspections appear once an administrator records the year.

A periodic rule may be brought forward before named holidays (C1: four inspections a year,
"重大节假日提前巡检"): the period's own inspection — not an extra one — is then due
`bring_forward_days` before a named holiday that begins within the period, or less than
that many days after its end. Its window start stays the period's first day, so the plan
keeps its identity and publishing a holiday year only moves the due date.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext

from contracts.models import Contract
from inspections.models import (
    CADENCE_MONTHS,
    Cadence,
    Inspection,
    InspectionRule,
    InspectionState,
)
from sla.models import HolidayDate, HolidayKind, HolidayYear
from sla.statutory import holiday_label


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or the month's last day when it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def term_periods(
    starts_on: dt.date, ends_on: dt.date, months: int
) -> list[tuple[dt.date, dt.date]]:
    """The term cut into periods of `months` from its first day: (first day, last day), the
    last period ending with the term."""
    periods = []
    n = 0
    while True:
        first = add_months(starts_on, months * n)
        if first > ends_on:
            return periods
        last = min(add_months(starts_on, months * (n + 1)) - dt.timedelta(days=1), ends_on)
        periods.append((first, last))
        n += 1


def holiday_starts(names: list[str], first: dt.date, last: dt.date) -> list[tuple[dt.date, str]]:
    """The first day of each run of days off that includes one of the named holidays, within
    [first, last]. A run is consecutive days off (a weekend may sit inside it); the 2025
    National Day break, with Mid-autumn Festival on its sixth day, is one run."""
    wanted = {name.casefold() for name in names}
    rows = HolidayDate.objects.filter(
        kind=HolidayKind.HOLIDAY, date__gte=first - dt.timedelta(days=10), date__lte=last
    ).order_by("date")
    runs: list[list[HolidayDate]] = []
    for row in rows:
        if runs and (row.date - runs[-1][-1].date).days <= 3:
            runs[-1].append(row)
        else:
            runs.append([row])
    starts = []
    for run in runs:
        named = [row.name for row in run if row.name.casefold() in wanted]
        if named and first <= run[0].date <= last:
            starts.append((run[0].date, named[0]))
    return starts


@dataclass(frozen=True)
class Occurrence:
    rule: InspectionRule
    window_starts_on: dt.date
    due_on: dt.date
    title: str


def _title(
    rule: InspectionRule,
    first: dt.date,
    last: dt.date,
    holiday: tuple[dt.date, str] | None = None,
) -> str:
    # Stored once, in the portal's first language; the PDF and pages show it as it is.
    with translation.override(settings.LANGUAGE_CODE):
        purpose = rule.get_purpose_display()
        if holiday:
            return gettext("%(purpose)s before %(holiday)s %(year)d") % {
                "purpose": purpose,
                "holiday": holiday_label(holiday[1]),
                "year": holiday[0].year,
            }
        return gettext("%(purpose)s %(first)s – %(last)s") % {
            "purpose": purpose,
            "first": first.isoformat(),
            "last": last.isoformat(),
        }


def brought_forward(
    rule: InspectionRule, first: dt.date, last: dt.date, holidays: list[tuple[dt.date, str]]
) -> tuple[dt.date, tuple[dt.date, str] | None]:
    """The due day of the period [first, last] of a periodic rule, and the holiday it was
    brought forward for. A holiday that begins on the period's first day is not this
    period's: the previous one, due the day before, already comes before it."""
    days = rule.bring_forward_days
    if days:
        for holiday in holidays:
            begins = holiday[0]
            if first < begins <= last + dt.timedelta(days=days):
                return max(first, begins - dt.timedelta(days=days)), holiday
    return last, None


def occurrences(rule: InspectionRule) -> list[Occurrence]:
    """The inspections one rule asks for over its contract's term."""
    contract = rule.contract
    if rule.cadence in CADENCE_MONTHS:
        holidays = (
            holiday_starts(
                rule.holiday_names(),
                contract.starts_on,
                contract.ends_on + dt.timedelta(days=rule.bring_forward_days),
            )
            if rule.bring_forward_days
            else []
        )
        found = []
        for first, last in term_periods(
            contract.starts_on, contract.ends_on, CADENCE_MONTHS[rule.cadence]
        ):
            due, holiday = brought_forward(rule, first, last, holidays)
            found.append(Occurrence(rule, first, due, _title(rule, first, due, holiday=holiday)))
        return found
    if rule.cadence == Cadence.BEFORE_HOLIDAYS:
        found = []
        # A holiday on the term's first day leaves no time before it: it is not planned.
        for first_day, name in holiday_starts(
            rule.holiday_names(), contract.starts_on + dt.timedelta(days=1), contract.ends_on
        ):
            due = first_day - dt.timedelta(days=1)
            window = max(contract.starts_on, due - dt.timedelta(days=rule.lead_days - 1))
            found.append(
                Occurrence(rule, window, due, _title(rule, window, due, holiday=(first_day, name)))
            )
        return found
    raise ValueError(f"Unknown cadence {rule.cadence!r}.")


def unpublished_holiday_years(contract: Contract) -> list[int]:
    """Years of the term whose holiday schedule OpsDesk does not hold yet, when a rule of the
    contract plans before holidays: their inspections cannot be planned until it is."""
    if not contract.inspection_rules.filter(
        Q(cadence=Cadence.BEFORE_HOLIDAYS) | Q(bring_forward_days__gt=0), is_active=True
    ).exists():
        return []
    years = set(range(contract.starts_on.year, contract.ends_on.year + 1))
    known = set(HolidayYear.objects.filter(year__in=years).values_list("year", flat=True))
    return sorted(years - known)


@dataclass
class PlanResult:
    created: list[Inspection] = field(default_factory=list)
    moved: int = 0
    removed: int = 0
    unpublished_years: list[int] = field(default_factory=list)


@transaction.atomic
def plan_contract(contract: Contract) -> PlanResult:
    """Create every inspection the contract's active rules ask for and that does not exist
    yet; move the window of untouched ones whose period changed; drop untouched ones that no
    rule asks for any more (a rule's cadence or the term changed). Started or finished
    inspections are never touched: one already started covers its period as it was."""
    result = PlanResult(unpublished_years=unpublished_holiday_years(contract))
    rules = list(
        contract.inspection_rules.filter(is_active=True).select_related("contract", "template")
    )
    wanted = {}
    for rule in rules:
        for occurrence in occurrences(rule):
            wanted[(rule.pk, occurrence.window_starts_on)] = occurrence
    existing = {
        (row.rule_id, row.window_starts_on): row
        for row in Inspection.objects.filter(contract=contract, rule__isnull=False)
    }
    stale = [row.pk for key, row in existing.items() if key not in wanted and _untouched(row)]
    if stale:
        result.removed, _ = Inspection.objects.filter(pk__in=stale).delete()
    for key, occurrence in sorted(wanted.items(), key=lambda item: item[1].due_on):
        if key in existing:
            row = existing[key]
            if row.due_on != occurrence.due_on and _untouched(row):
                row.due_on, row.title = occurrence.due_on, occurrence.title
                row.save(update_fields=["due_on", "title", "updated_at"])
                result.moved += 1
            continue
        rule = occurrence.rule
        result.created.append(
            Inspection.objects.create(
                contract=contract,
                rule=rule,
                purpose=rule.purpose,
                template=current_version(rule.template),
                title=occurrence.title,
                window_starts_on=occurrence.window_starts_on,
                due_on=occurrence.due_on,
                planned_on_site=rule.on_site,
                instructions=rule.instructions,
            )
        )
    return result


def _untouched(inspection: Inspection) -> bool:
    return inspection.state == InspectionState.PLANNED and inspection.started_at is None


def current_version(template):
    """The current version of the template's family (the rule may name an older one)."""
    from inspections.models import ChecklistTemplate

    return ChecklistTemplate.objects.filter(code=template.code, is_current=True).first() or template
