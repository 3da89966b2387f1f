"""Working-time arithmetic of the service calendars: hand-computed rules, properties, and
exact agreement with the slow reference in tests/sla/reference.py."""

from __future__ import annotations

import datetime as dt
import logging
import math
import random
import warnings
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.demo.loader import load_calendars
from sla.calendar import (
    HolidayDataMissing,
    NoServiceHours,
    WorkingTime,
    invalidate,
    working_time,
)
from sla.holidays import seed_from_package
from sla.models import (
    CalendarDateOverride,
    CalendarPeriod,
    HolidayDate,
    HolidayYear,
    ServiceCalendar,
)
from tests.sla.reference import ReferenceCalendar

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
T = dt.time
FIRST_START = dt.datetime(2025, 12, 20, tzinfo=SHANGHAI)
LAST_START = dt.datetime(2027, 1, 11, tzinfo=SHANGHAI)  # exclusive
SPAN_SECONDS = int((LAST_START - FIRST_START).total_seconds())
OVERRIDDEN = "cn-work-overrides"
CODES = ["24x7", "cn-work-0830-1730", "cn-work-hospital", "daily-7x8", OVERRIDDEN]
PROPERTY_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def at(text: str) -> dt.datetime:
    """A Shanghai wall-clock instant: at("2026-09-30 17:20")."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _empty_cache():
    # The cache lives in the process; test databases reuse ids, so start and end clean.
    invalidate()
    yield
    invalidate()


@pytest.fixture
def calendars(db) -> dict[str, ServiceCalendar]:
    """The four demo calendars with the package's 2025 and 2026 holidays; 2027 unknown."""
    found = load_calendars()
    seed_from_package([2025, 2026])
    return found


@pytest.fixture
def known_2027(db) -> None:
    """A 2027 schedule entered by hand. Made up for the tests, not the State Council's."""
    HolidayYear.objects.create(year=2027, source="manual", note="test fixture")
    holidays = [dt.date(2027, 1, 1)] + [dt.date(2027, 2, day) for day in range(6, 13)]
    HolidayDate.objects.bulk_create(
        [HolidayDate(date=day, kind="holiday", name="test") for day in holidays]
        + [
            HolidayDate(date=dt.date(2027, 1, 9), kind="makeup_workday", name="test"),
            HolidayDate(date=dt.date(2027, 2, 20), kind="makeup_workday", name="test"),
        ]
    )


@pytest.fixture
def world(calendars, known_2027) -> dict[str, ServiceCalendar]:
    """All five calendars of the random and property tests, with 2025–2027 known."""
    calendar = ServiceCalendar.objects.create(
        code=OVERRIDDEN, name="工作日 08:30–17:30 with overrides", day_rule="cn_workdays"
    )
    CalendarPeriod.objects.create(calendar=calendar, starts_at=T(8, 30), ends_at=T(17, 30))
    for day, is_open, opens, closes in [
        (dt.date(2026, 3, 10), False, None, None),  # a Tuesday closed
        (dt.date(2026, 3, 15), True, T(9), T(12)),  # a Sunday opened for the morning
        (dt.date(2026, 6, 1), True, T(7), T(20)),  # a long Monday
        (dt.date(2026, 10, 2), True, None, None),  # National Day at the usual hours
        (dt.date(2026, 12, 31), True, T(8, 30), T(12)),  # New Year's Eve, mornings only
        (dt.date(2027, 1, 2), True, T(10), T(15)),  # a Saturday across the year boundary
    ]:
        CalendarDateOverride.objects.create(
            calendar=calendar, date=day, is_open=is_open, opens_at=opens, closes_at=closes
        )
    return {**calendars, OVERRIDDEN: calendar}


def wt(calendars: dict[str, ServiceCalendar], code: str) -> WorkingTime:
    return working_time(calendars[code])


# Chinese working days: weekends, holidays, make-up days.


def test_fault_at_1720_on_the_wednesday_before_national_day_is_due_at_1020_after_it(calendars):
    # 10 minutes are left on 30 September; 1–7 October are holidays; 110 more from 8 October.
    assert wt(calendars, "cn-work-0830-1730").add(at("2026-09-30 17:20"), 120) == at(
        "2026-10-08 10:20"
    )


def test_one_working_day_from_1720_before_national_day_ends_at_1720_after_it(calendars):
    assert wt(calendars, "cn-work-0830-1730").add(at("2026-09-30 17:20"), 540) == at(
        "2026-10-08 17:20"
    )


def test_a_fault_on_the_make_up_working_saturday_counts_that_day(calendars):
    clock = wt(calendars, "cn-work-0830-1730")
    assert clock.add(at("2026-10-10 10:00"), 60) == at("2026-10-10 11:00")
    assert clock.is_open(at("2026-10-10 10:00"))
    assert clock.add(at("2026-09-20 17:00"), 60) == at("2026-09-21 09:00")  # a make-up Sunday


def test_an_ordinary_saturday_and_a_holiday_weekday_are_not_counted(calendars):
    clock = wt(calendars, "cn-work-0830-1730")
    assert clock.seconds_between(at("2026-10-17 00:00"), at("2026-10-19 00:00")) == 0
    assert clock.seconds_between(at("2026-10-01 00:00"), at("2026-10-08 00:00")) == 0
    assert clock.seconds_between(at("2026-10-08 00:00"), at("2026-10-09 00:00")) == 540 * 60


def test_a_fault_at_0300_in_working_hours_starts_counting_at_0830(calendars):
    assert wt(calendars, "cn-work-0830-1730").add(at("2026-11-03 03:00"), 30) == at(
        "2026-11-03 09:00"
    )


def test_a_target_ending_at_closing_time_is_due_at_closing_not_next_morning(calendars):
    clock = wt(calendars, "cn-work-0830-1730")
    assert clock.add(at("2026-11-03 17:00"), 30) == at("2026-11-03 17:30")
    assert clock.add(at("2026-11-06 08:30"), 540) == at("2026-11-06 17:30")  # a Friday
    assert not clock.is_open(at("2026-11-03 17:30"))


def test_the_hospital_lunch_break_is_skipped(calendars):
    clock = wt(calendars, "cn-work-hospital")
    assert clock.add(at("2026-11-03 11:50"), 30) == at("2026-11-03 14:20")
    assert clock.add(at("2026-11-03 11:30"), 30) == at("2026-11-03 12:00")
    assert clock.minutes_between(at("2026-11-03 11:50"), at("2026-11-03 14:20")) == 30


def test_daily_7x8_counts_saturdays_and_national_day(calendars):
    clock = wt(calendars, "daily-7x8")
    assert clock.add(at("2026-10-01 11:50"), 30) == at("2026-10-01 14:20")
    assert clock.seconds_between(at("2026-10-03 00:00"), at("2026-10-04 00:00")) == 8 * 3600


def test_7x24_fault_at_0300_plus_30_minutes_is_0330(calendars):
    clock = wt(calendars, "24x7")
    assert clock.add(at("2026-10-01 03:00"), 30) == at("2026-10-01 03:30")
    assert clock.add(at("2026-12-31 23:50"), 20) == at("2027-01-01 00:10")
    assert clock.seconds_between(at("2026-12-31 00:00"), at("2027-01-02 00:00")) == 2 * 86400


# Instants, units and nonsense.


def test_zero_minutes_returns_the_start_unchanged(calendars):
    start = at("2026-10-01 03:00:07.250000")
    assert wt(calendars, "cn-work-0830-1730").add(start, 0) is start


def test_tickets_at_arbitrary_seconds_are_counted_to_the_second(calendars):
    clock = wt(calendars, "cn-work-0830-1730")
    assert clock.add(at("2026-11-03 17:29:17"), 1) == at("2026-11-04 08:30:17")
    assert clock.seconds_between(at("2026-11-03 17:29:17"), at("2026-11-04 08:30:17")) == 60
    assert clock.add_seconds(at("2026-11-03 08:29:59"), 2) == at("2026-11-03 08:30:02")


def test_sub_second_parts_are_dropped(calendars):
    clock = wt(calendars, "24x7")
    assert clock.add(at("2026-11-03 10:00:00.700000"), 30) == at("2026-11-03 10:30")
    assert clock.seconds_between(at("2026-11-03 10:00:00.9"), at("2026-11-03 10:00:01.1")) == 1


def test_any_time_zone_goes_in_and_shanghai_time_comes_out(calendars):
    start = at("2026-09-30 17:20").astimezone(dt.UTC)
    due = wt(calendars, "cn-work-0830-1730").add(start, 120)
    assert due == at("2026-10-08 10:20")
    assert due.utcoffset() == dt.timedelta(hours=8)
    assert str(due.tzinfo) == "Asia/Shanghai"


def test_negative_minutes_are_refused(calendars):
    with pytest.raises(ValueError, match="negative"):
        wt(calendars, "24x7").add(at("2026-10-01 03:00"), -1)


def test_naive_datetimes_are_refused(calendars):
    clock = wt(calendars, "24x7")
    with pytest.raises(ValueError, match="aware"):
        clock.add(dt.datetime(2026, 10, 1, 3), 30)
    with pytest.raises(ValueError, match="aware"):
        clock.seconds_between(at("2026-10-01 03:00"), dt.datetime(2026, 10, 2))


def test_time_running_backwards_counts_nothing(calendars):
    clock = wt(calendars, "24x7")
    assert clock.seconds_between(at("2026-10-02 00:00"), at("2026-10-01 00:00")) == 0


def test_a_calendar_without_any_hours_fails_clearly_instead_of_searching_forever(db):
    calendar = ServiceCalendar.objects.create(code="empty", name="empty", day_rule="every_day")
    with pytest.raises(NoServiceHours, match="no service hours"):
        working_time(calendar).add(at("2026-10-01 03:00"), 30)
    assert working_time(calendar).seconds_between(at("2026-01-01"), at("2027-01-01")) == 0


def test_a_span_of_centuries_is_refused_rather_than_computed(calendars):
    clock = wt(calendars, "24x7")
    with pytest.raises(ValueError, match="implausible"):
        clock.add(at("2026-10-01 03:00"), 10**9)
    with pytest.raises(ValueError, match="implausible"):
        clock.seconds_between(at("2026-10-01 03:00"), at("2200-01-01 00:00"))


def test_a_year_is_built_with_a_constant_number_of_queries_then_none(
    calendars, django_assert_max_num_queries, django_assert_num_queries
):
    with django_assert_max_num_queries(4):  # periods, overrides, holidays, known year
        wt(calendars, "cn-work-0830-1730").add(at("2026-03-02 09:00"), 30)
    with django_assert_num_queries(0):
        clock = wt(calendars, "cn-work-0830-1730")
        clock.add(at("2026-09-30 17:20"), 540 * 30)
        clock.seconds_between(at("2026-01-01"), at("2026-12-31"))


# Years without a holiday schedule.


def test_a_deadline_in_a_year_without_its_notice_skips_statutory_days_and_says_so(
    calendars, caplog
):
    caplog.set_level(logging.WARNING, logger="sla.calendar")
    clock = wt(calendars, "cn-work-0830-1730")
    # Thursday 16:00: 90 minutes today; 2027-01-01 is New Year's Day by law, so Monday on.
    with pytest.warns(HolidayDataMissing, match="2027"):
        due = clock.add(at("2026-12-31 16:00"), 3 * 540)
    assert due == at("2027-01-06 16:00")
    assert clock.unknown_years == {2027}
    assert clock.unknown_years_between(at("2026-12-31 16:00"), due) == {2027}
    assert clock.unknown_years_between(at("2026-12-01 16:00"), at("2026-12-31 17:30")) == set()
    records = [r for r in caplog.records if r.name == "sla.calendar"]
    assert [r.levelname for r in records] == ["WARNING"]
    assert "2027" in records[0].getMessage()
    assert "cn-work-0830-1730" in records[0].getMessage()


def test_a_missing_year_is_announced_once_per_calendar_and_year(calendars, caplog):
    caplog.set_level(logging.WARNING, logger="sla.calendar")
    with pytest.warns(HolidayDataMissing):
        wt(calendars, "cn-work-0830-1730").add(at("2026-12-31 16:00"), 3 * 540)
    with warnings.catch_warnings():
        warnings.simplefilter("error", HolidayDataMissing)
        again = wt(calendars, "cn-work-0830-1730")
        again.add(at("2026-12-31 16:00"), 3 * 540)
    assert again.unknown_years == {2027}  # still reported to each caller
    with pytest.warns(HolidayDataMissing):
        wt(calendars, "cn-work-hospital").add(at("2026-12-31 16:00"), 3 * 450)
    assert len([r for r in caplog.records if r.name == "sla.calendar"]) == 2


def test_with_2027_holidays_entered_new_years_day_is_skipped_and_nothing_is_provisional(
    calendars, known_2027
):
    clock = wt(calendars, "cn-work-0830-1730")
    with warnings.catch_warnings():
        warnings.simplefilter("error", HolidayDataMissing)
        due = clock.add(at("2026-12-31 16:00"), 3 * 540)
    assert due == at("2027-01-06 16:00")
    assert clock.unknown_years == set()
    assert clock.unknown_years_between(at("2026-12-31 16:00"), due) == set()


def test_dates_entered_before_the_year_is_marked_known_count_but_stay_provisional(calendars):
    HolidayDate.objects.create(date=dt.date(2027, 1, 1), kind="holiday", name="元旦")
    clock = wt(calendars, "cn-work-0830-1730")
    with pytest.warns(HolidayDataMissing):
        assert clock.add(at("2026-12-31 16:00"), 3 * 540) == at("2027-01-06 16:00")
    assert clock.unknown_years == {2027}


def test_7x24_and_every_day_calendars_need_no_holiday_data(calendars):
    for code in ("24x7", "daily-7x8"):
        clock = wt(calendars, code)
        with warnings.catch_warnings():
            warnings.simplefilter("error", HolidayDataMissing)
            clock.add(at("2026-12-31 16:00"), 30 * 1440)
        assert clock.unknown_years == set()


# Date overrides.


def test_a_closed_date_is_skipped(calendars):
    calendar = calendars["cn-work-0830-1730"]
    CalendarDateOverride.objects.create(calendar=calendar, date=dt.date(2026, 11, 4))
    assert working_time(calendar).add(at("2026-11-03 17:00"), 60) == at("2026-11-05 09:00")


def test_an_open_date_with_its_own_hours_uses_them(calendars):
    calendar = calendars["cn-work-0830-1730"]
    CalendarDateOverride.objects.create(
        calendar=calendar, date=dt.date(2026, 11, 4), is_open=True, opens_at=T(10), closes_at=T(12)
    )
    clock = working_time(calendar)
    assert clock.add(at("2026-11-03 17:00"), 60) == at("2026-11-04 10:30")
    assert clock.add(at("2026-11-04 11:30"), 60) == at("2026-11-05 09:00")


def test_an_open_date_without_hours_opens_a_holiday_at_the_usual_hours(calendars):
    calendar = calendars["cn-work-hospital"]
    CalendarDateOverride.objects.create(calendar=calendar, date=dt.date(2026, 10, 2), is_open=True)
    clock = working_time(calendar)
    assert clock.seconds_between(at("2026-10-01 00:00"), at("2026-10-08 00:00")) == 450 * 60
    assert clock.add(at("2026-10-02 11:50"), 30) == at("2026-10-02 14:20")


def test_a_closed_date_interrupts_a_7x24_calendar(calendars):
    calendar = calendars["24x7"]
    CalendarDateOverride.objects.create(calendar=calendar, date=dt.date(2026, 11, 4))
    assert working_time(calendar).add(at("2026-11-03 23:30"), 60) == at("2026-11-05 00:30")


# The cache.


def test_a_holiday_added_in_bulk_counts_once_the_cache_is_invalidated(calendars):
    start = at("2026-11-03 17:00")
    assert wt(calendars, "cn-work-0830-1730").add(start, 60) == at("2026-11-04 09:00")
    # bulk_create, as seed_from_package does, sends no signal: the cache still holds the year.
    HolidayDate.objects.bulk_create([HolidayDate(date=dt.date(2026, 11, 4), kind="holiday")])
    assert wt(calendars, "cn-work-0830-1730").add(start, 60) == at("2026-11-04 09:00")
    invalidate(calendars["cn-work-0830-1730"].pk)
    assert wt(calendars, "cn-work-0830-1730").add(start, 60) == at("2026-11-05 09:00")


def test_an_edit_saved_through_the_orm_drops_the_cache_by_itself(calendars):
    calendar = calendars["cn-work-0830-1730"]
    start = at("2026-11-03 17:00")
    assert working_time(calendar).add(start, 60) == at("2026-11-04 09:00")
    HolidayDate.objects.create(date=dt.date(2026, 11, 4), kind="holiday")
    assert working_time(calendar).add(start, 60) == at("2026-11-05 09:00")
    CalendarPeriod.objects.create(calendar=calendar, starts_at=T(18), ends_at=T(19))
    assert working_time(calendar).add(start, 60) == at("2026-11-03 18:30")


def test_a_working_time_made_before_an_edit_counts_with_the_edit(calendars):
    clock = wt(calendars, "cn-work-0830-1730")
    start = at("2026-11-03 17:00")
    assert clock.add(start, 60) == at("2026-11-04 09:00")
    HolidayDate.objects.create(date=dt.date(2026, 11, 4), kind="holiday")
    assert clock.add(start, 60) == at("2026-11-05 09:00")


# Properties.

seconds_in_range = st.integers(0, SPAN_SECONDS - 1)
codes = st.sampled_from(CODES)


def instant(seconds: int, microseconds: int = 0) -> dt.datetime:
    return FIRST_START + dt.timedelta(seconds=seconds, microseconds=microseconds)


def up_to_30_working_days(calendar: ServiceCalendar) -> st.SearchStrategy[int]:
    return st.integers(0, 30 * calendar.working_day_minutes())


@PROPERTY_SETTINGS
@given(code=codes, seconds=seconds_in_range, micro=st.integers(0, 999_999), data=st.data())
def test_adding_then_counting_gives_back_exactly_the_minutes_added(
    world, code, seconds, micro, data
):
    clock = working_time(world[code])
    start = instant(seconds, micro)
    minutes = data.draw(up_to_30_working_days(world[code]))
    due = clock.add(start, minutes)
    assert clock.seconds_between(start, due) == minutes * 60
    assert due >= start + dt.timedelta(minutes=minutes) - dt.timedelta(seconds=1)
    if minutes:
        assert clock.is_open(due - dt.timedelta(seconds=1))  # the last second counted was open


@PROPERTY_SETTINGS
@given(code=codes, seconds=seconds_in_range, data=st.data())
def test_adding_more_minutes_never_ends_earlier(world, code, seconds, data):
    clock = working_time(world[code])
    first = data.draw(up_to_30_working_days(world[code]))
    second = data.draw(up_to_30_working_days(world[code]))
    low, high = sorted((first, second))
    assert clock.add(instant(seconds), low) <= clock.add(instant(seconds), high)


@PROPERTY_SETTINGS
@given(code=codes, a=seconds_in_range, b=seconds_in_range, data=st.data())
def test_a_later_start_never_ends_earlier(world, code, a, b, data):
    clock = working_time(world[code])
    minutes = data.draw(up_to_30_working_days(world[code]))
    early, late = sorted((a, b))
    assert clock.add(instant(early), minutes) <= clock.add(instant(late), minutes)


@PROPERTY_SETTINGS
@given(code=codes, points=st.lists(seconds_in_range, min_size=3, max_size=3))
def test_working_time_between_is_additive(world, code, points):
    clock = working_time(world[code])
    a, b, c = (instant(p) for p in sorted(points))
    assert clock.seconds_between(a, b) + clock.seconds_between(b, c) == clock.seconds_between(a, c)
    assert clock.seconds_between(c, a) == 0


@PROPERTY_SETTINGS
@given(a=seconds_in_range, b=seconds_in_range, minutes=st.integers(0, 60 * 1440))
def test_7x24_equals_wall_time(world, a, b, minutes):
    clock = working_time(world["24x7"])
    assert clock.add(instant(a), minutes) == instant(a) + dt.timedelta(minutes=minutes)
    assert clock.seconds_between(instant(a), instant(b)) == max(0, b - a)
    assert clock.is_open(instant(a))


# Exact agreement with the reference.

BOUNDARY_MINUTES = [0, 479, 480, 509, 510, 511, 719, 720, 839, 840, 1049, 1050, 1079, 1080, 1439]


def _interesting_days(world) -> list[int]:
    """Day numbers (from FIRST_START) of holidays, make-up days, overrides and New Year."""
    days = set(HolidayDate.objects.values_list("date", flat=True))
    days |= set(CalendarDateOverride.objects.values_list("date", flat=True))
    days |= {dt.date(2026, 12, 31), dt.date(2027, 1, 1), dt.date(2026, 1, 1)}
    days |= {day + dt.timedelta(days=offset) for day in list(days) for offset in (-1, 1)}
    first = FIRST_START.date()
    numbers = [(day - first).days for day in days]
    return sorted(n for n in numbers if 0 <= n * 1440 < SPAN_SECONDS // 60)


def _target(rng: random.Random, day_minutes: int) -> int:
    """1 minute to 30 working days, spread evenly over the orders of magnitude."""
    most = 30 * day_minutes
    if rng.random() < 0.25:
        return rng.choice([n for n in (1, 2, 10, 29, 30, 60, 120, 240, day_minutes) if n <= most])
    return max(1, min(most, round(math.exp(rng.uniform(0, math.log(most))))))


@pytest.mark.slow
def test_agrees_exactly_with_the_slow_reference_on_100_000_random_cases(world):
    rng = random.Random(20261001)
    last = dt.date(2027, 4, 1)
    cases = {
        code: (working_time(world[code]), ReferenceCalendar(world[code], FIRST_START.date(), last))
        for code in CODES
    }
    day_minutes = {code: world[code].working_day_minutes() for code in CODES}
    interesting = _interesting_days(world)
    start_minutes = SPAN_SECONDS // 60
    mismatches = []
    for _ in range(100_000):
        code = rng.choice(CODES)
        clock, reference = cases[code]
        if rng.random() < 0.3:
            minute = rng.choice(interesting) * 1440 + rng.choice(
                [*BOUNDARY_MINUTES, rng.randrange(1440)]
            )
        else:
            minute = rng.randrange(start_minutes)
        start = reference.instant(minute)
        minutes = _target(rng, day_minutes[code])
        end = reference.instant(max(0, minute + rng.randint(-1440, 60 * 1440)))
        got = (clock.add(start, minutes), clock.seconds_between(start, end), clock.is_open(start))
        want = (
            reference.add(start, minutes),
            reference.minutes_between(start, end) * 60,
            reference.is_open(start),
        )
        if got != want:
            mismatches.append((code, start, minutes, end, got, want))
    assert not mismatches, f"{len(mismatches)} disagreements, the first: {mismatches[:5]}"


def test_the_reference_agrees_with_the_hand_computed_cases(calendars):
    def reference(code):
        return ReferenceCalendar(calendars[code], dt.date(2026, 9, 1), dt.date(2026, 12, 1))

    assert reference("cn-work-0830-1730").add(at("2026-09-30 17:20"), 120) == at("2026-10-08 10:20")
    assert reference("cn-work-0830-1730").add(at("2026-11-03 17:00"), 30) == at("2026-11-03 17:30")
    assert reference("cn-work-hospital").add(at("2026-11-03 11:50"), 30) == at("2026-11-03 14:20")
    assert reference("daily-7x8").add(at("2026-10-01 11:50"), 30) == at("2026-10-01 14:20")
    assert reference("24x7").add(at("2026-10-01 03:00"), 30) == at("2026-10-01 03:30")
