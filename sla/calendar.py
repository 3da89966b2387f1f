"""Working-time arithmetic: when N working minutes after an instant end, and how much
working time lies between two instants, in one service calendar.

Each calendar year is turned once into sorted open intervals in epoch seconds with the
working seconds before each interval, so `add` and `seconds_between` are a bisect, however
long the span. Years are cached per process and chained when a span crosses New Year.
Sub-second parts of inputs are dropped: clocks count whole seconds.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import operator
import sys
import time
import warnings
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models.signals import post_delete, post_save

from sla.models import (
    CalendarDateOverride,
    CalendarPeriod,
    DayRule,
    HolidayDate,
    HolidayKind,
    HolidayYear,
    ServiceCalendar,
)
from sla.statutory import statutory_days

logger = logging.getLogger(__name__)

ZONE = ZoneInfo(settings.TIME_ZONE)
# A calendar with no open time in this many consecutive years is a configuration error.
SEARCH_HORIZON_YEARS = 10
# Nothing is ever due this far ahead; refusing keeps a typo from building centuries.
MAX_YEARS_AHEAD = 100
# Other processes (web workers, Celery) learn of edits only by rebuilding; this bounds how
# long they may count with an old schedule. This process is told at once (signals below).
CACHE_SECONDS = 300

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_ONE_DAY = dt.timedelta(days=1)
Hours = list[tuple[dt.time, dt.time | None]]  # (opens, closes); None = the next midnight
WHOLE_DAY: Hours = [(dt.time(0), None)]


class HolidayDataMissing(UserWarning):
    """A Chinese-working-day clock counted through a year whose holidays OpsDesk lacks."""


class NoServiceHours(ValueError):
    """The calendar has no open time within the search horizon, so nothing can fall due."""


@dataclass(frozen=True, slots=True)
class _Year:
    """One calendar year's open intervals [starts[i], ends[i]) in epoch seconds."""

    year: int
    begin: int  # local 1 January 00:00
    end: int  # local 1 January 00:00 of the next year
    starts: list[int]
    ends: list[int]
    before: list[int]  # working seconds before interval i; before[-1] is the year's total
    total: int
    unknown: bool  # counted as ordinary weeks for want of the year's holiday schedule
    # Each open day's opening (its first hours start) and closing (its last hours end): the
    # "next opening" a deadline may be capped by, and the day's span, lunch break included.
    opens: list[int]
    closes: list[int]
    stamp: object  # the calendar's updated_at when built
    built_at: float

    def worked_before(self, t: int) -> int:
        """Working seconds in [begin, t), for begin <= t <= end."""
        i = bisect_right(self.starts, t) - 1
        if i < 0:
            return 0
        return self.before[i] + min(t, self.ends[i]) - self.starts[i]

    def instant_after(self, worked: int) -> int:
        """The instant at which `worked` (0 < worked <= total) seconds have run in the year.

        bisect_left finds the first interval whose end reaches the target, so a target that
        lands exactly on a closing time returns that closing time, not the next opening.
        """
        i = bisect_left(self.before, worked, 1) - 1
        return self.starts[i] + worked - self.before[i]

    def is_open(self, t: int) -> bool:
        i = bisect_right(self.starts, t) - 1
        return i >= 0 and t < self.ends[i]

    def within_opening_day(self, t: int) -> bool:
        """Between an open day's opening and its closing (a lunch break counts as open)."""
        i = bisect_right(self.opens, t) - 1
        return i >= 0 and t < self.closes[i]

    def opening_after(self, t: int) -> int | None:
        """The first opening strictly after `t` in this year, if any."""
        i = bisect_right(self.opens, t)
        return self.opens[i] if i < len(self.opens) else None


# The cache: (calendar id, year) -> _Year. `_generation` moves on every invalidation so a
# WorkingTime holding on to a year from before notices.
_cache: dict[tuple[int, int], _Year] = {}
_announced: set[tuple[int, int]] = set()
_generation = 0


def invalidate(calendar_id: int | None = None) -> None:
    """Drop cached years of one calendar, or of all (after a holiday-table edit)."""
    global _generation
    _generation += 1
    # list() first: in a threaded server another request may add a year meanwhile.
    for key in [key for key in list(_cache) if calendar_id in (None, key[0])]:
        _cache.pop(key, None)
    _announced.difference_update([k for k in list(_announced) if calendar_id in (None, k[0])])


def _epoch(at: dt.datetime) -> int:
    try:
        delta = at - _EPOCH  # naive minus aware raises TypeError
    except TypeError:
        raise ValueError(f"Working time needs an aware datetime, got {at!r}.") from None
    return delta.days * 86400 + delta.seconds  # floors: the microseconds are dropped


def _local(t: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(t, ZONE)


def _local_epoch(day: dt.date, at: dt.time | None) -> int:
    if at is None:  # closing at midnight means the start of the next day
        day, at = day + _ONE_DAY, dt.time(0)
    return _epoch(dt.datetime.combine(day, at, tzinfo=ZONE))


# Local New Year instants 1900–2200, to tell an instant's year by bisect, not by a datetime.
_FIRST_YEAR = 1900
_NEW_YEARS = [_local_epoch(dt.date(year, 1, 1), dt.time(0)) for year in range(_FIRST_YEAR, 2201)]


def _year_of(t: int) -> int:
    i = bisect_right(_NEW_YEARS, t) - 1
    if 0 <= i < len(_NEW_YEARS) - 1:
        return _FIRST_YEAR + i
    return _local(t).year


def _hours_of_day(
    day: dt.date, rule: str, usual: Hours, override: CalendarDateOverride | None, kind: str | None
) -> Hours:
    """The calendar's hours on one date: an override wins, then the day rule."""
    if override is not None:
        if not override.is_open:
            return []
        if override.opens_at is not None and override.closes_at is not None:
            return [(override.opens_at, override.closes_at)]
        return usual
    if rule == DayRule.CN_WORKDAYS:
        workday = day.weekday() < 5 if kind is None else kind == HolidayKind.MAKEUP_WORKDAY
        return usual if workday else []
    return usual


def _merge(spans: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """Sorted, disjoint intervals; touching ones are joined so 7×24 is one span a year."""
    starts: list[int] = []
    ends: list[int] = []
    for start, end in sorted(spans):
        if end <= start:
            continue
        if ends and start <= ends[-1]:
            ends[-1] = max(ends[-1], end)
        else:
            starts.append(start)
            ends.append(end)
    return starts, ends


def _build_year(calendar: ServiceCalendar, year: int) -> _Year:
    """Four queries at most, whatever the calendar: periods, overrides, holidays, year."""
    first, last = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    rule = calendar.day_rule
    usual: Hours = WHOLE_DAY
    if rule != DayRule.ALWAYS:
        periods = CalendarPeriod.objects.filter(calendar_id=calendar.pk).order_by("starts_at")
        usual = list(periods.values_list("starts_at", "ends_at"))
    overrides = {
        row.date: row
        for row in CalendarDateOverride.objects.filter(
            calendar_id=calendar.pk, date__gte=first, date__lt=last
        )
    }
    kinds: dict[dt.date, str] = {}
    unknown = False
    if rule == DayRule.CN_WORKDAYS:
        rows = HolidayDate.objects.filter(date__gte=first, date__lt=last)
        unknown = not HolidayYear.objects.filter(year=year).exists()
        if unknown:
            # Before the State Council's notice the regulation's statutory days are known to
            # be off; dates entered for the year win. Make-up days are not known: provisional.
            kinds = dict.fromkeys(statutory_days(year), HolidayKind.HOLIDAY)
        kinds.update(rows.values_list("date", "kind"))
    spans = []
    day_opens: list[int] = []
    day_closes: list[int] = []
    day = first
    while day < last:
        hours = _hours_of_day(day, rule, usual, overrides.get(day), kinds.get(day))
        for opens, closes in hours:
            spans.append((_local_epoch(day, opens), _local_epoch(day, closes)))
        if hours:
            day_opens.append(_local_epoch(day, min(opens for opens, _ in hours)))
            day_closes.append(max(_local_epoch(day, closes) for _, closes in hours))
        day += _ONE_DAY
    starts, ends = _merge(spans)
    before = [0]
    for start, end in zip(starts, ends, strict=True):
        before.append(before[-1] + end - start)
    if unknown:
        _announce_missing(calendar, year)
    return _Year(
        year=year,
        begin=_local_epoch(first, dt.time(0)),
        end=_local_epoch(last, dt.time(0)),
        starts=starts,
        ends=ends,
        before=before,
        total=before[-1],
        unknown=unknown,
        opens=day_opens,
        closes=day_closes,
        stamp=getattr(calendar, "updated_at", None),
        built_at=time.monotonic(),
    )


def _announce_missing(calendar: ServiceCalendar, year: int) -> None:
    """Loud, once per (calendar, year) until the next invalidation."""
    if (calendar.pk, year) in _announced:
        return
    _announced.add((calendar.pk, year))
    message = (
        f"No holiday schedule for {year} (not in HolidayYear): calendar {calendar.code} counts "
        f"{year} as Monday–Friday weeks less its statutory holidays, without the State "
        f"Council's moved days and make-up working days; deadlines in it are provisional."
    )
    logger.warning(message)
    warnings.warn(message, HolidayDataMissing, stacklevel=_first_frame_outside())


def _first_frame_outside() -> int:
    """The stacklevel of the nearest caller outside this module, for the warning's origin."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename == __file__:
        frame, level = frame.f_back, level + 1
    return level


class WorkingTime:
    """Working-time arithmetic in one calendar. Cheap to make; the years are cached.

    `unknown_years` collects the years without a holiday schedule that any computation of
    this instance counted through, so the caller can mark its result provisional.
    """

    def __init__(self, calendar: ServiceCalendar) -> None:
        self.calendar = calendar
        self._pk = calendar.pk
        self._stamp = getattr(calendar, "updated_at", None)  # a newer save means new hours
        self.unknown_years: set[int] = set()
        # The years this instance used, valid while the module's generation stays put: an
        # instance serves one request or batch, so it does not re-check the cache's age.
        self._years: dict[int, _Year] = {}
        self._last: _Year | None = None
        self._generation = _generation

    @classmethod
    def for_calendar(cls, calendar: ServiceCalendar) -> WorkingTime:
        return cls(calendar)

    def __repr__(self) -> str:
        return f"<WorkingTime {self.calendar.code}>"

    # The arithmetic.

    def add(self, start: dt.datetime, minutes: int) -> dt.datetime:
        """The instant at which `minutes` working minutes after `start` have run."""
        minutes = operator.index(minutes)
        if minutes < 0:
            raise ValueError(f"Working time to add must not be negative, got {minutes} min.")
        return start if minutes == 0 else _local(self._add(start, minutes * 60))

    def add_seconds(self, start: dt.datetime, seconds: int) -> dt.datetime:
        seconds = operator.index(seconds)
        if seconds < 0:
            raise ValueError(f"Working time to add must not be negative, got {seconds} s.")
        return start if seconds == 0 else _local(self._add(start, seconds))

    def _add(self, start: dt.datetime, seconds: int) -> int:
        t = _epoch(start)
        year = self._year_at(t)
        target = year.worked_before(t) + seconds
        closed_years = 0
        while target > year.total:  # the rest falls in later years
            target -= year.total
            closed_years = closed_years + 1 if year.total == 0 else 0
            if closed_years >= SEARCH_HORIZON_YEARS:
                raise NoServiceHours(
                    f"Calendar {self.calendar.code} has no service hours in "
                    f"{SEARCH_HORIZON_YEARS} years up to {year.year}; check its hours and "
                    "date overrides."
                )
            self._refuse_far_future(start, year.year + 1)
            year = self._year(year.year + 1)
        return year.instant_after(target)

    def seconds_between(self, a: dt.datetime, b: dt.datetime) -> int:
        """Working seconds in [a, b); 0 when b is not after a."""
        ta, tb = _epoch(a), _epoch(b)
        if tb <= ta:
            return 0
        year = self._year_at(ta)
        seconds = -year.worked_before(ta)
        while tb >= year.end:
            seconds += year.total
            self._refuse_far_future(a, year.year + 1)
            year = self._year(year.year + 1)
        return seconds + year.worked_before(tb)

    def minutes_between(self, a: dt.datetime, b: dt.datetime) -> float:
        return self.seconds_between(a, b) / 60

    def is_open(self, at: dt.datetime) -> bool:
        t = _epoch(at)
        return self._year_at(t).is_open(t)

    def next_opening(self, at: dt.datetime) -> dt.datetime | None:
        """When the calendar next opens after `at`, if `at` falls outside its open days'
        hours (at night, on a weekend or a holiday); None while it is open. The opening of a
        day is the start of its first service hours, so a make-up working day (调休) opens
        and a holiday does not; a lunch break is not "closed"."""
        t = _epoch(at)
        year = self._year_at(t)
        if year.within_opening_day(t):
            return None
        for _ in range(SEARCH_HORIZON_YEARS):
            opening = year.opening_after(t)
            if opening is not None:
                return _local(opening)
            year = self._year(year.year + 1)
        raise NoServiceHours(
            f"Calendar {self.calendar.code} does not open in {SEARCH_HORIZON_YEARS} years after "
            f"{at:%Y-%m-%d}; check its hours and date overrides."
        )

    def unknown_years_between(self, a: dt.datetime, b: dt.datetime) -> set[int]:
        """Years in [a, b) counted without a holiday schedule (the year of a if b <= a)."""
        ta = _epoch(a)
        tb = max(ta, _epoch(b) - 1)
        year = self._year_at(ta)
        found = {year.year} if year.unknown else set()
        while tb >= year.end:
            self._refuse_far_future(a, year.year + 1)
            year = self._year(year.year + 1)
            if year.unknown:
                found.add(year.year)
        return found

    # The cached years.

    def _year_at(self, t: int) -> _Year:
        last = self._last
        if last is not None and last.begin <= t < last.end and self._generation == _generation:
            return last
        return self._year(_year_of(t))

    def _year(self, year: int) -> _Year:
        if self._generation != _generation:
            self._years.clear()
            self._generation = _generation
        table = self._years.get(year)
        if table is None:
            table = self._years[year] = self._shared_year(year)
            if table.unknown:
                self.unknown_years.add(year)
        self._last = table
        return table

    def _shared_year(self, year: int) -> _Year:
        key = (self._pk, year)
        table = _cache.get(key)
        if (
            table is None
            or table.stamp != self._stamp
            or time.monotonic() - table.built_at > CACHE_SECONDS
        ):
            table = _cache[key] = _build_year(self.calendar, year)
        return table

    def _refuse_far_future(self, start: dt.datetime, year: int) -> None:
        if year - start.year > MAX_YEARS_AHEAD:
            raise ValueError(
                f"Working time from {start:%Y-%m-%d} reaches more than {MAX_YEARS_AHEAD} years "
                f"ahead in calendar {self.calendar.code}; the span is implausible."
            )


def working_time(calendar: ServiceCalendar) -> WorkingTime:
    return WorkingTime(calendar)


def overrun_minutes(
    calendar: ServiceCalendar | WorkingTime, due_at: dt.datetime, until: dt.datetime
) -> int:
    """How long a clock overran its deadline, in the working minutes of its own calendar:
    the service time from `due_at` to `until` (when it was met, or now while it runs), any
    part of a minute counted as a minute; 0 when `until` is not after `due_at`. A clock due
    at 17:30 in a working-hours calendar and met at 22:32 overran by 0 minutes."""
    hours = calendar if isinstance(calendar, WorkingTime) else working_time(calendar)
    return math.ceil(hours.seconds_between(due_at, until) / 60)


# Edits saved in this process (the admin, the holiday seeding's row updates) drop the cache
# at once; bulk_create and queryset.update send no signals and need invalidate().
def _calendar_edited(sender, instance, **kwargs) -> None:
    invalidate(instance.pk if sender is ServiceCalendar else instance.calendar_id)


def _holidays_edited(sender, instance, **kwargs) -> None:
    invalidate()


for _signal in (post_save, post_delete):
    for _model in (ServiceCalendar, CalendarPeriod, CalendarDateOverride):
        _signal.connect(_calendar_edited, sender=_model, dispatch_uid="sla.calendar")
    for _model in (HolidayDate, HolidayYear):
        _signal.connect(_holidays_edited, sender=_model, dispatch_uid="sla.calendar")
