"""Reporting periods: a quarter or a year of the calendar, counted in Shanghai time.

A period is a half-open range of days [start, end): the quarter 2026 Q3 is
2026-07-01 (included) to 2026-10-01 (excluded). Every figure of a report counts what
happened between the period's two bounds, midnight to midnight in Asia/Shanghai.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils.translation import gettext

SHANGHAI = ZoneInfo("Asia/Shanghai")

_QUARTER_PARAM = re.compile(r"([0-9]{4})-Q([1-4])")


@dataclass(frozen=True, order=True)
class Period:
    """The days from `start` (included) to `end` (excluded)."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError("A period must end after it starts.")

    # --- making periods -----------------------------------------------------------------

    @classmethod
    def quarter(cls, year: int, q: int) -> Period:
        if q not in (1, 2, 3, 4):
            raise ValueError("A quarter is 1, 2, 3 or 4.")
        start = dt.date(year, 3 * q - 2, 1)
        end = dt.date(year + 1, 1, 1) if q == 4 else dt.date(year, 3 * q + 1, 1)
        return cls(start, end)

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year + 1, 1, 1))

    @classmethod
    def current_quarter(cls, today: dt.date) -> Period:
        return cls.quarter(today.year, (today.month - 1) // 3 + 1)

    @classmethod
    def parse_quarter(cls, text: str) -> Period:
        """A quarter written as in URLs: "2026-Q3". Raises ValueError for anything else."""
        match = _QUARTER_PARAM.fullmatch((text or "").strip().upper())
        if not match:
            raise ValueError(f"Not a quarter: {text!r} (expected e.g. 2026-Q3).")
        year = int(match.group(1))
        if not 2000 <= year <= 2100:
            raise ValueError(f"Year out of range: {year}.")
        return cls.quarter(year, int(match.group(2)))

    # --- what a period is ---------------------------------------------------------------

    @property
    def is_quarter(self) -> bool:
        return (
            self.start.day == 1
            and self.start.month in (1, 4, 7, 10)
            and self == Period.quarter(self.start.year, self.quarter_number)
        )

    @property
    def is_year(self) -> bool:
        return self == Period.year(self.start.year)

    @property
    def quarter_number(self) -> int:
        """The quarter the period starts in (1–4)."""
        return (self.start.month - 1) // 3 + 1

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    @property
    def param(self) -> str:
        """How a quarter is written in URLs (?quarter=2026-Q3)."""
        return f"{self.start.year}-Q{self.quarter_number}"

    @property
    def label(self) -> str:
        """ "2026 Q3", "2026", or "2026-07-01 – 2026-08-14", in the active language."""
        if self.is_quarter:
            return gettext("%(year)s Q%(quarter)s") % {
                "year": self.start.year,
                "quarter": self.quarter_number,
            }
        if self.is_year:
            return str(self.start.year)
        return f"{self.start:%Y-%m-%d} – {self.last_day:%Y-%m-%d}"

    def __str__(self) -> str:
        return self.label

    def previous(self) -> Period:
        """The period of the same kind just before (a quarter, a year, or as many days)."""
        if self.is_quarter:
            year, q = self.start.year, self.quarter_number
            return Period.quarter(year - 1, 4) if q == 1 else Period.quarter(year, q - 1)
        if self.is_year:
            return Period.year(self.start.year - 1)
        return Period(self.start - dt.timedelta(days=self.days), self.start)

    def next(self) -> Period:
        if self.is_quarter:
            year, q = self.start.year, self.quarter_number
            return Period.quarter(year + 1, 1) if q == 4 else Period.quarter(year, q + 1)
        if self.is_year:
            return Period.year(self.start.year + 1)
        return Period(self.end, self.end + dt.timedelta(days=self.days))

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """Midnight of `start` and of `end` in Asia/Shanghai, as aware datetimes."""
        return (
            dt.datetime.combine(self.start, dt.time.min, tzinfo=SHANGHAI),
            dt.datetime.combine(self.end, dt.time.min, tzinfo=SHANGHAI),
        )

    def months(self) -> list[dt.date]:
        """The first day of every month the period touches, in order."""
        first = self.start.replace(day=1)
        months = []
        while first < self.end:
            months.append(first)
            first = _add_month(first)
        return months

    def contains(self, day: dt.date) -> bool:
        return self.start <= day < self.end

    def overlap(self, first_day: dt.date, last_day: dt.date) -> Period | None:
        """The part of the period within [first_day, last_day] (both included), if any."""
        start = max(self.start, first_day)
        end = min(self.end, last_day + dt.timedelta(days=1))
        return Period(start, end) if end > start else None


def _add_month(day: dt.date) -> dt.date:
    return dt.date(day.year + 1, 1, 1) if day.month == 12 else dt.date(day.year, day.month + 1, 1)


def quarters_of(contract, today) -> list[Period]:
    """The quarters of the contract's term up to the current one, latest first."""
    last = Period.current_quarter(min(contract.ends_on, today))
    quarter = Period.current_quarter(contract.starts_on)
    found = []
    while quarter.start <= last.start:
        found.append(quarter)
        quarter = quarter.next()
    return list(reversed(found))
