"""Which dates are working days, for counting days (not minutes): C2's "at least 10 on-site
working days a year" counts a date only if it is one.

A contract whose own calendar follows Chinese working days counts that calendar's open days
(its date overrides included); any other contract (a 7×24 or every-day calendar) counts
Chinese working days: Monday–Friday, minus public holidays, plus make-up working days (调休),
from the holiday table. A year without a published schedule counts its statutory holidays
as off and no make-up days, as the clocks do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sla.models import (
    CalendarDateOverride,
    DayRule,
    HolidayDate,
    HolidayKind,
    HolidayYear,
)
from sla.statutory import statutory_days

_ONE_DAY = dt.timedelta(days=1)


def chinese_working_days(start: dt.date, end: dt.date) -> frozenset[dt.date]:
    """The Chinese working days in [start, end). Two queries."""
    kinds: dict[dt.date, str] = {}
    years = range(start.year, end.year + 1)
    known = set(HolidayYear.objects.filter(year__in=years).values_list("year", flat=True))
    for year in years:
        if year not in known:
            kinds.update(dict.fromkeys(statutory_days(year), HolidayKind.HOLIDAY))
    kinds.update(
        HolidayDate.objects.filter(date__gte=start, date__lt=end).values_list("date", "kind")
    )
    found = set()
    day = start
    while day < end:
        kind = kinds.get(day)
        if kind == HolidayKind.MAKEUP_WORKDAY or (day.weekday() < 5 and kind is None):
            found.add(day)
        day += _ONE_DAY
    return frozenset(found)


def working_days(calendar_id: int | None, start: dt.date, end: dt.date) -> frozenset[dt.date]:
    """The working days in [start, end) by the calendar when it follows Chinese working days
    (its date overrides win: a date it closes is not one, a date it opens is), else Chinese
    working days. Three queries, whatever the span, read afresh each time."""
    return working_days_of([calendar_id], start, end)[calendar_id]


def working_days_of(
    calendar_ids: Iterable[int | None], start: dt.date, end: dt.date
) -> dict[int | None, frozenset[dt.date]]:
    """working_days() of each calendar, in [start, end): three queries however many
    calendars (the overview of a vendor's contracts asks for all of theirs at once)."""
    wanted = set(calendar_ids)
    days = chinese_working_days(start, end)
    # Overrides count only for a calendar of Chinese working days: the join says which.
    overrides: dict[int, dict[dt.date, bool]] = {}
    for calendar_id, date, is_open in CalendarDateOverride.objects.filter(
        calendar_id__in=[pk for pk in wanted if pk is not None],
        calendar__day_rule=DayRule.CN_WORKDAYS,
        date__gte=start,
        date__lt=end,
    ).values_list("calendar_id", "date", "is_open"):
        overrides.setdefault(calendar_id, {})[date] = is_open
    return {pk: _overridden(days, overrides.get(pk, {})) for pk in wanted}


def _overridden(days: frozenset[dt.date], overrides: dict[dt.date, bool]) -> frozenset[dt.date]:
    opened = {day for day, is_open in overrides.items() if is_open}
    return frozenset((days - overrides.keys()) | opened)
