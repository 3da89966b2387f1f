"""Service calendars: hours, overrides and what "one working day" means."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from sla.models import CalendarDateOverride, CalendarPeriod
from sla.periods import validate_periods
from tests.factories import CalendarFactory, WorkdayCalendarFactory

pytestmark = pytest.mark.django_db
T = dt.time


def test_one_working_day_of_a_split_day_is_its_service_minutes():
    calendar = WorkdayCalendarFactory(code="hosp", periods=[(T(8), T(12)), (T(14), T(17, 30))])
    assert calendar.working_day_minutes() == 450


def test_one_day_of_a_7x24_calendar_is_24_hours():
    assert CalendarFactory().working_day_minutes() == 1440


def test_a_period_must_end_after_it_starts():
    with pytest.raises(ValidationError):
        CalendarPeriod(calendar=CalendarFactory(), starts_at=T(17), ends_at=T(8)).full_clean()


def test_periods_of_a_day_may_not_overlap():
    with pytest.raises(ValidationError) as caught:
        validate_periods([(T(8), T(12)), (T(11), T(17))])
    assert caught.value.code == "period_overlap"
    validate_periods([(T(8), T(12)), (T(12), T(17))])


def test_a_closed_override_has_no_hours():
    override = CalendarDateOverride(
        calendar=CalendarFactory(), date=dt.date(2026, 5, 6), is_open=False, opens_at=T(8)
    )
    with pytest.raises(ValidationError):
        override.full_clean()


def test_an_open_override_gives_both_times_or_neither():
    calendar = WorkdayCalendarFactory()
    with pytest.raises(ValidationError):
        CalendarDateOverride(
            calendar=calendar, date=dt.date(2026, 5, 6), is_open=True, opens_at=T(8)
        ).full_clean()
    CalendarDateOverride(calendar=calendar, date=dt.date(2026, 5, 6), is_open=True).full_clean()


def test_admin_refuses_service_hours_on_a_7x24_calendar(demo):
    from tests.conftest import login

    client = login("admin")
    from sla.models import ServiceCalendar

    calendar = ServiceCalendar.objects.get(code="24x7")
    response = client.post(
        f"/admin/sla/servicecalendar/{calendar.pk}/change/",
        {
            "code": "24x7",
            "name": calendar.name,
            "day_rule": "always",
            "description": "",
            "periods-TOTAL_FORMS": "1",
            "periods-INITIAL_FORMS": "0",
            "periods-0-starts_at": "08:00",
            "periods-0-ends_at": "17:00",
            "overrides-TOTAL_FORMS": "0",
            "overrides-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200  # the form again, with the error
    assert calendar.periods.count() == 0
