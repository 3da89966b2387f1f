"""The statutory holidays by law, computed for any year from lunar dates and the Qingming
solar term, agree with every State Council schedule chinesecalendar holds (2004–2026)."""

from __future__ import annotations

import datetime as dt

import pytest

from sla.holidays import package_schedule
from sla.statutory import statutory_days

D = dt.date
# chinesecalendar 1.11.0 leaves out Saturday 2012-06-23, the middle day of the notice's
# "端午节：6月22日至24日放假公休，共3天": a gap in the package's data, not a moved day.
PACKAGE_GAPS = {D(2012, 6, 23)}


@pytest.mark.parametrize("year", range(2004, 2027))
def test_every_statutory_day_is_a_holiday_in_the_state_councils_schedule(year):
    holidays, workdays = package_schedule()
    for day, name in statutory_days(year).items():
        assert day not in workdays, f"{day} {name} is a make-up working day"
        assert day in holidays or day in PACKAGE_GAPS, f"{day} {name} is not a holiday"


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_statutory_days_carry_the_schedules_names(year):
    holidays, _workdays = package_schedule()
    assert {day: holidays[day] for day in statutory_days(year)} == statutory_days(year)


def test_2027_by_law_before_any_notice():
    days = statutory_days(2027)
    assert days == {
        D(2027, 1, 1): "New Year's Day",
        D(2027, 2, 5): "Spring Festival",  # the eve (lunar 12/30), then lunar 1/1–1/3
        D(2027, 2, 6): "Spring Festival",
        D(2027, 2, 7): "Spring Festival",
        D(2027, 2, 8): "Spring Festival",
        D(2027, 4, 5): "Tomb-sweeping Day",  # the Qingming solar term
        D(2027, 5, 1): "Labour Day",
        D(2027, 5, 2): "Labour Day",
        D(2027, 6, 9): "Dragon Boat Festival",  # lunar 5/5
        D(2027, 9, 15): "Mid-autumn Festival",  # lunar 8/15
        D(2027, 10, 1): "National Day",
        D(2027, 10, 2): "National Day",
        D(2027, 10, 3): "National Day",
    }


def test_the_2025_amendment_added_the_eve_and_the_second_of_may():
    assert D(2024, 2, 9) not in statutory_days(2024)  # 2024's eve was worked
    assert D(2024, 5, 2) not in statutory_days(2024)
    assert D(2025, 1, 28) in statutory_days(2025)  # 2025's eve
    assert len(statutory_days(2024)) == 11 and len(statutory_days(2025)) == 13


def test_mid_autumn_on_national_day_is_one_day_named_national_day():
    days = statutory_days(2020)  # lunar 8/15 fell on 2020-10-01
    assert days[D(2020, 10, 1)] == "National Day"
    assert len(days) == 10  # 11 statutory days, two on the same date


def test_no_statutory_days_before_2000():
    assert statutory_days(1999) == {}
