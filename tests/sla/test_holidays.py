"""Chinese public holidays and make-up days: seeded from the package, editable, and a
missing year is announced, never silently treated as an ordinary year."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from sla.holidays import coverage_warnings, package_years, seed_from_package
from sla.models import HolidayDate, HolidayYear
from sla.notices import notify_missing_holiday_years
from tests.conftest import login
from tests.factories import UserFactory, WorkdayCalendarFactory

pytestmark = pytest.mark.django_db


def test_seeding_copies_the_2026_schedule_with_its_make_up_days():
    seed_from_package([2026])
    national_day = HolidayDate.objects.get(date=dt.date(2026, 10, 1))
    assert national_day.kind == "holiday"
    makeup = HolidayDate.objects.get(
        date=dt.date(2026, 10, 10)
    )  # a Saturday worked for National Day
    assert (makeup.kind, makeup.date.weekday()) == ("makeup_workday", 5)
    assert HolidayYear.objects.filter(year=2026).exists()


def test_seeding_again_changes_nothing():
    seed_from_package([2025, 2026])
    before = list(HolidayDate.objects.values_list("date", "kind", "name", "source"))
    seed_from_package([2025, 2026])
    assert list(HolidayDate.objects.values_list("date", "kind", "name", "source")) == before


def test_a_date_an_administrator_entered_survives_reseeding():
    HolidayDate.objects.create(
        date=dt.date(2026, 10, 1), kind="makeup_workday", name="x", source="manual"
    )
    seed_from_package([2026])
    assert HolidayDate.objects.get(date=dt.date(2026, 10, 1)).source == "manual"


def test_the_package_covers_years_up_to_its_release():
    years = package_years()
    assert years[0] <= 2004 and 2026 in years


def test_a_year_without_holiday_data_raises_a_visible_warning():
    WorkdayCalendarFactory()
    seed_from_package([2026])
    warnings = coverage_warnings(dt.date(2026, 11, 21))
    assert [w.year for w in warnings] == [2027]
    assert "cn-work-0830-1730" in warnings[0].message
    assert "2027" in warnings[0].message


def test_no_warning_once_the_year_is_recorded():
    WorkdayCalendarFactory()
    seed_from_package([2026])
    HolidayYear.objects.create(year=2027)
    assert coverage_warnings(dt.date(2026, 11, 21)) == []


def test_no_warning_early_in_a_known_year():
    WorkdayCalendarFactory()
    seed_from_package([2026])
    assert coverage_warnings(dt.date(2026, 3, 1)) == []


def test_around_the_clock_calendars_need_no_holiday_data():
    assert coverage_warnings(dt.date(2030, 6, 1)) == []


def test_the_daily_task_logs_and_mails_administrators(caplog):
    WorkdayCalendarFactory()
    UserFactory(username="boss", is_superuser=True, email="boss@example.org", language="zh-hans")
    with caplog.at_level(logging.WARNING, logger="sla.holidays"):
        years = notify_missing_holiday_years(dt.date(2026, 11, 21))
    assert 2027 in years
    assert any("2027" in record.getMessage() for record in caplog.records)
    assert mail.outbox and "2027" in mail.outbox[0].subject


def test_the_admin_shows_the_missing_year_warning(demo):
    import time_machine

    with time_machine.travel(dt.datetime(2026, 11, 21, 9, tzinfo=dt.UTC)):
        page = login("admin").get("/admin/sla/holidaydate/")
    assert page.status_code == 200
    assert "2027" in page.content.decode()


def test_a_make_up_working_day_must_be_a_weekend_day():
    with pytest.raises(ValidationError):
        HolidayDate(date=dt.date(2026, 10, 12), kind="makeup_workday").full_clean()  # a Monday
    HolidayDate(date=dt.date(2026, 10, 10), kind="makeup_workday").full_clean()


def test_seed_holidays_command_reports_the_years_and_what_is_still_missing(capsys):
    from django.core.management import call_command

    WorkdayCalendarFactory()
    call_command("seed_holidays", "2026")
    out = capsys.readouterr().out
    assert "2026–2026" in out
