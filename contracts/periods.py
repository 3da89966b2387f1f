"""A contract's own service years and quarters, and the periods people pick to read it by.

The contract's start date defines its service years (服务年度): C2's term starts on 1 March,
so its year runs March–February and its quarters March–May, June–August …; C4's starts on
1 July. The annual service report, the ≥ 10 on-site days and the 15 person-days are counted
by service year; calendar quarters and years stay available where people want them.

A picked period is written in URLs and forms as a short parameter:
- ``SY2026``: the service year that begins in 2026;
- ``SY2026-Q2``: the second quarter of that service year;
- ``2026-Q3``: a calendar quarter; ``2026``: a calendar year.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from django.utils.translation import gettext, gettext_lazy

from reports.periods import Period


class PeriodKind:
    SERVICE_YEAR = "service_year"
    SERVICE_QUARTER = "service_quarter"
    QUARTER = "quarter"
    YEAR = "year"


KIND_LABELS = {
    PeriodKind.SERVICE_YEAR: gettext_lazy("Service years"),
    PeriodKind.SERVICE_QUARTER: gettext_lazy("Service quarters"),
    PeriodKind.QUARTER: gettext_lazy("Calendar quarters"),
    PeriodKind.YEAR: gettext_lazy("Calendar years"),
}

_PARAM = re.compile(r"(SY)?([0-9]{4})(?:-Q([1-4]))?")


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _anniversary(contract, years: int) -> dt.date:
    """The start date `years` years after the term's first day (29 February → 28th)."""
    return add_months(contract.starts_on, 12 * years)


def _index_of(contract, day: dt.date) -> int:
    """Which service year (0 = the first) holds `day`; negative before the term."""
    years = day.year - contract.starts_on.year
    if _anniversary(contract, years) > day:
        years -= 1
    return years


@dataclass(frozen=True)
class ContractPeriod:
    """A period of one kind, as picked on a contract's pages."""

    kind: str
    period: Period
    index: int  # service years: 0 = the first; quarters: the quarter's number 1–4
    year: int  # the year the service year begins in, or the calendar year

    @property
    def param(self) -> str:
        if self.kind == PeriodKind.SERVICE_YEAR:
            return f"SY{self.year}"
        if self.kind == PeriodKind.SERVICE_QUARTER:
            return f"SY{self.year}-Q{self.index}"
        if self.kind == PeriodKind.QUARTER:
            return f"{self.year}-Q{self.index}"
        return str(self.year)

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.SERVICE_YEAR:
            return gettext("Service year %(first)s – %(last)s") % {
                "first": f"{self.period.start:%Y-%m-%d}",
                "last": f"{self.period.last_day:%Y-%m-%d}",
            }
        if self.kind == PeriodKind.SERVICE_QUARTER:
            return gettext("Service quarter %(quarter)s: %(first)s – %(last)s") % {
                "quarter": self.index,
                "first": f"{self.period.start:%Y-%m-%d}",
                "last": f"{self.period.last_day:%Y-%m-%d}",
            }
        return self.period.label

    @property
    def is_service(self) -> bool:
        return self.kind in (PeriodKind.SERVICE_YEAR, PeriodKind.SERVICE_QUARTER)

    @property
    def is_year(self) -> bool:
        return self.kind in (PeriodKind.SERVICE_YEAR, PeriodKind.YEAR)


def service_year(contract, day: dt.date) -> ContractPeriod:
    """The contract's service year holding `day` (counted on before or after the term, so a
    date outside it still has one)."""
    n = _index_of(contract, day)
    start, end = _anniversary(contract, n), _anniversary(contract, n + 1)
    return ContractPeriod(PeriodKind.SERVICE_YEAR, Period(start, end), n, start.year)


def service_quarter(contract, day: dt.date) -> ContractPeriod:
    year = service_year(contract, day)
    for q in range(1, 5):
        found = _service_quarter_of(contract, year, q)
        if found.period.contains(day):
            return found
    raise AssertionError("A service year is cut into four quarters.")  # pragma: no cover


def _service_quarter_of(contract, year: ContractPeriod, q: int) -> ContractPeriod:
    start = add_months(year.period.start, 3 * (q - 1))
    end = year.period.end if q == 4 else add_months(year.period.start, 3 * q)
    return ContractPeriod(PeriodKind.SERVICE_QUARTER, Period(start, end), q, year.year)


def calendar_quarter(day: dt.date) -> ContractPeriod:
    period = Period.current_quarter(day)
    return ContractPeriod(PeriodKind.QUARTER, period, period.quarter_number, day.year)


def calendar_year(day: dt.date) -> ContractPeriod:
    return ContractPeriod(PeriodKind.YEAR, Period.year(day.year), 1, day.year)


def period_at(contract, kind: str, day: dt.date) -> ContractPeriod:
    """The period of `kind` holding `day`."""
    if kind == PeriodKind.SERVICE_YEAR:
        return service_year(contract, day)
    if kind == PeriodKind.SERVICE_QUARTER:
        return service_quarter(contract, day)
    if kind == PeriodKind.QUARTER:
        return calendar_quarter(day)
    return calendar_year(day)


def previous(contract, picked: ContractPeriod) -> ContractPeriod:
    return period_at(contract, picked.kind, picked.period.start - dt.timedelta(days=1))


def following(contract, picked: ContractPeriod) -> ContractPeriod:
    return period_at(contract, picked.kind, picked.period.end)


def parse(contract, text: str) -> ContractPeriod:
    """A period written as its parameter (SY2026, SY2026-Q2, 2026-Q3, 2026). Raises
    ValueError for anything else."""
    match = _PARAM.fullmatch((text or "").strip().upper())
    if not match:
        raise ValueError(f"Not a period: {text!r}.")
    service, year, quarter = match.group(1), int(match.group(2)), match.group(3)
    if not 2000 <= year <= 2100:
        raise ValueError(f"Year out of range: {year}.")
    if service:
        first = _anniversary(contract, year - contract.starts_on.year)
        picked = service_year(contract, first)
        return _service_quarter_of(contract, picked, int(quarter)) if quarter else picked
    if quarter:
        return calendar_quarter(dt.date(year, 3 * int(quarter) - 2, 1))
    return calendar_year(dt.date(year, 1, 1))


def periods_of(contract, kind: str, today: dt.date) -> list[ContractPeriod]:
    """The periods of `kind` that overlap the contract's term, up to the one holding today
    (or the term's last day), latest first."""
    last = min(contract.ends_on, today)
    if last < contract.starts_on:
        return []
    found = []
    picked = period_at(contract, kind, contract.starts_on)
    while picked.period.start <= last:
        found.append(picked)
        picked = following(contract, picked)
    return list(reversed(found))


def picker_groups(contract, today: dt.date) -> list[tuple[str, list[ContractPeriod]]]:
    """The dashboard's period picker: service periods first (what the contract counts by),
    then calendar ones. A term starting on 1 January has service periods equal to the
    calendar's, so only the calendar groups are offered."""
    kinds = [PeriodKind.QUARTER, PeriodKind.YEAR]
    if (contract.starts_on.month, contract.starts_on.day) != (1, 1):
        kinds = [PeriodKind.SERVICE_QUARTER, PeriodKind.SERVICE_YEAR, *kinds]
    return [(str(KIND_LABELS[kind]), periods_of(contract, kind, today)) for kind in kinds]


def default_kind(contract) -> str:
    """Service quarters where the service year is not the calendar's, else calendar ones."""
    if (contract.starts_on.month, contract.starts_on.day) != (1, 1):
        return PeriodKind.SERVICE_QUARTER
    return PeriodKind.QUARTER
