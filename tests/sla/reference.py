"""A slow, obviously-correct model of service calendars, to check sla.calendar against.

It shares no code and no algorithm with sla.calendar: it reads the rules straight from the
database, paints every open minute of a date range into a bytearray (one byte a minute,
1 = open) and answers by counting and stepping through that strip minute by minute.
It works in whole minutes only and relies on China having had no DST since 1991, so
minute i of the strip is simply `origin + i minutes`.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sla.models import HolidayDate, HolidayYear, ServiceCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
MINUTES_A_DAY = 24 * 60
OPEN = 1


def _minute_of_day(at: dt.time) -> int:
    assert at.second == 0 and at.microsecond == 0, "the reference works in whole minutes"
    return at.hour * 60 + at.minute


class ReferenceCalendar:
    def __init__(self, calendar: ServiceCalendar, first: dt.date, last: dt.date) -> None:
        """Open minutes of the local dates first..last (exclusive)."""
        self.origin = dt.datetime.combine(first, dt.time(0), tzinfo=SHANGHAI)
        self.days = (last - first).days
        self.strip = bytearray(self.days * MINUTES_A_DAY)
        periods = [
            (_minute_of_day(p.starts_at), _minute_of_day(p.ends_at)) for p in calendar.periods.all()
        ]
        overrides = {o.date: o for o in calendar.overrides.all()}
        holidays = {h.date: h.kind for h in HolidayDate.objects.all()}
        self.known_years = {y.year for y in HolidayYear.objects.all()}
        for index in range(self.days):
            day = first + dt.timedelta(days=index)
            for opens, closes in self._open_minutes(
                calendar.day_rule, periods, overrides.get(day), holidays.get(day), day
            ):
                offset = index * MINUTES_A_DAY
                self.strip[offset + opens : offset + closes] = bytes([OPEN]) * (closes - opens)

    @staticmethod
    def _open_minutes(rule, periods, override, holiday_kind, day) -> list[tuple[int, int]]:
        """The open (first minute, end minute) spans of one date, the rules spelt out."""
        usual = [(0, MINUTES_A_DAY)] if rule == "always" else periods
        if override is not None:
            if override.is_open is False:
                return []
            if override.opens_at is None:
                return usual
            return [(_minute_of_day(override.opens_at), _minute_of_day(override.closes_at))]
        if rule != "cn_workdays":
            return usual
        if holiday_kind == "holiday":
            return []
        if holiday_kind == "makeup_workday":
            return usual
        is_saturday_or_sunday = day.isoweekday() in (6, 7)
        if is_saturday_or_sunday:
            return []
        return usual

    # Conversions between instants and positions on the strip.

    def position(self, at: dt.datetime) -> int:
        minutes, rest = divmod(at - self.origin, dt.timedelta(minutes=1))
        assert not rest, f"{at} is not a whole minute"
        assert 0 <= minutes < len(self.strip), f"{at} is outside the reference range"
        return minutes

    def instant(self, position: int) -> dt.datetime:
        return self.origin + dt.timedelta(minutes=position)

    # The answers.

    def is_open(self, at: dt.datetime) -> bool:
        return self.strip[self.position(at)] == OPEN

    def minutes_between(self, a: dt.datetime, b: dt.datetime) -> int:
        start, end = self.position(a), self.position(b)
        if end <= start:
            return 0
        return self.strip.count(OPEN, start, end)

    def add(self, start: dt.datetime, minutes: int) -> dt.datetime:
        """Step minute by minute until `minutes` open minutes have passed.

        Whole days that cannot hold the rest are skipped by counting their open minutes,
        which only saves time: the last day is always walked one minute at a time.
        """
        if minutes == 0:
            return start
        position = self.position(start)
        left = minutes
        while True:
            day_end = (position // MINUTES_A_DAY + 1) * MINUTES_A_DAY
            assert day_end <= len(self.strip), "the answer lies beyond the reference range"
            open_today = self.strip.count(OPEN, position, day_end)
            if open_today >= left:
                break
            left -= open_today
            position = day_end
        while True:
            if self.strip[position] == OPEN:
                left -= 1
            position += 1
            if left == 0:
                return self.instant(position)
