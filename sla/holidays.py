"""Chinese public holidays and make-up working days: seeding and coverage.

The `chinesecalendar` package carries the State Council's schedules up to its release
year and raises for later years; OpsDesk copies them into HolidayDate so administrators
can add a new year as soon as it is published, without waiting for a package release.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from sla.models import (
    DayRule,
    HolidayDate,
    HolidayKind,
    HolidaySource,
    HolidayYear,
    ServiceCalendar,
)

logger = logging.getLogger(__name__)

# How far ahead deadlines are computed in practice: the longest demo target is 14 days,
# and open tickets can be held for weeks, so the next year matters from autumn on.
COVERAGE_LOOKAHEAD = dt.timedelta(days=60)


def package_schedule() -> tuple[dict[dt.date, str], dict[dt.date, str]]:
    """Holidays and make-up working days as the installed chinesecalendar knows them."""
    from chinese_calendar import constants

    return dict(constants.holidays), dict(constants.workdays)


def package_years() -> list[int]:
    holidays, _workdays = package_schedule()
    return sorted({day.year for day in holidays})


@transaction.atomic
def seed_from_package(years: Iterable[int] | None = None) -> list[int]:
    """Copy the package's schedule into the database; dates an administrator entered win.

    Returns the years now marked as known. Running it again changes nothing.
    """
    holidays, workdays = package_schedule()
    wanted = set(years) if years is not None else {day.year for day in holidays}
    manual = set(
        HolidayDate.objects.filter(
            source__in=[HolidaySource.MANUAL, HolidaySource.NOTICE]
        ).values_list("date", flat=True)
    )
    existing = {row.date: row for row in HolidayDate.objects.filter(date__year__in=wanted)}
    to_create = []
    for kind, dates in ((HolidayKind.HOLIDAY, holidays), (HolidayKind.MAKEUP_WORKDAY, workdays)):
        for day, name in dates.items():
            if day.year not in wanted or day in manual:
                continue
            row = existing.get(day)
            if row is None:
                to_create.append(
                    HolidayDate(date=day, kind=kind, name=name, source=HolidaySource.PACKAGE)
                )
            elif (row.kind, row.name) != (kind, name):
                row.kind, row.name = kind, name
                row.save(update_fields=["kind", "name"])
    HolidayDate.objects.bulk_create(to_create)
    known = set(HolidayYear.objects.values_list("year", flat=True))
    HolidayYear.objects.bulk_create(
        [HolidayYear(year=year, source=HolidaySource.PACKAGE) for year in sorted(wanted - known)]
    )
    return sorted(wanted)


def known_years() -> set[int]:
    return set(HolidayYear.objects.values_list("year", flat=True))


@dataclass(frozen=True)
class CoverageWarning:
    year: int
    calendars: tuple[str, ...]

    @property
    def message(self) -> str:
        return _(
            "The State Council's holiday schedule for %(year)s is not in OpsDesk yet. Clocks of "
            "the calendars %(calendars)s skip that year's statutory holidays by law, but neither "
            "the days the notice moves nor its make-up working days, so their deadlines in "
            "%(year)s are provisional. Once the notice is published, import it under Public "
            "holidays and make-up days → Import the State Council's notice."
        ) % {"year": self.year, "calendars": ", ".join(self.calendars)}


def coverage_warnings(today: dt.date) -> list[CoverageWarning]:
    """Years that calendars following Chinese holidays will count in soon but OpsDesk lacks."""
    calendars = tuple(
        ServiceCalendar.objects.filter(day_rule=DayRule.CN_WORKDAYS)
        .order_by("code")
        .values_list("code", flat=True)
    )
    if not calendars:
        return []
    needed = range(today.year, (today + COVERAGE_LOOKAHEAD).year + 1)
    known = known_years()
    return [CoverageWarning(year=year, calendars=calendars) for year in needed if year not in known]


def log_coverage_warnings(today: dt.date) -> list[CoverageWarning]:
    warnings = coverage_warnings(today)
    for warning in warnings:
        logger.warning(warning.message)
    return warnings
