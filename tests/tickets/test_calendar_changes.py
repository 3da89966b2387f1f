"""Deadlines counted through a year with no holiday schedule are provisional, and move when
an administrator adds the year's holidays."""

from __future__ import annotations

import pytest

from sla.models import CalendarChange, HolidayYear
from tests.conftest import login
from tests.tickets.conftest import due, file_ticket
from tickets.models import Event

pytestmark = pytest.mark.django_db


def test_adding_next_years_holidays_moves_open_deadlines_and_is_recorded(
    demo, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    HolidayYear.objects.filter(year=2027).delete()
    # Thursday 16:00, 2 working days to arrive: 90 min today, then 990 more in 2027, from
    # Monday: New Year's Day is off by law even before the notice.
    ticket = file_ticket(demo["yn-his"], "level-4", "2026-12-31 16:00")
    arrive = ticket.clocks.get(name="arrive")
    assert arrive.provisional
    assert due(ticket)["arrive"] == "2027-01-05 16:00"

    admin = login("admin")
    # Made up for the test: the Monday after New Year's Day given off too.
    for day in ("2027-01-01", "2027-01-04"):
        with django_capture_on_commit_callbacks(execute=True):
            admin.post(
                "/admin/sla/holidaydate/add/",
                {"date": day, "kind": "holiday", "name": "元旦", "source": "manual"},
            )
    assert due(ticket)["arrive"] == "2027-01-06 16:00"
    assert ticket.clocks.get(name="arrive").provisional
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(
            "/admin/sla/holidayyear/add/",
            {"year": "2027", "source": "manual", "note": "国务院办公厅通知"},
        )

    assert due(ticket)["arrive"] == "2027-01-06 16:00"
    assert not ticket.clocks.get(name="arrive").provisional
    event = Event.objects.filter(
        ticket=ticket, action="tickets.clock.recomputed", data__clock="arrive"
    ).first()
    assert event is not None and event.data["to"].startswith("2027-01-06")
    change = CalendarChange.objects.get(description__startswith="2027-01-04")
    assert change.finished_at is not None and change.moved_clocks >= 1


def test_a_holiday_edit_leaves_deadlines_reached_before_it_alone(
    demo, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    early = file_ticket(demo["yn-his"], "level-3", "2026-11-30 10:00")  # due 2026-12-01
    late = file_ticket(demo["yn-his"], "level-4", "2026-12-09 10:00")  # due 2026-12-11
    with django_capture_on_commit_callbacks(execute=True):
        login("admin").post(
            "/admin/sla/holidaydate/add/",
            {"date": "2026-12-10", "kind": "holiday", "name": "院庆", "source": "manual"},
        )
    assert due(early)["arrive"] == "2026-12-01 10:00"
    assert due(late)["arrive"] == "2026-12-14 10:00"  # Thursday 12-10 off: Monday instead
    assert not Event.objects.filter(ticket=early, action="tickets.clock.recomputed").exists()


def test_a_ticket_filed_on_new_years_day_before_the_notice_is_due_the_next_working_morning(
    demo,
):
    HolidayYear.objects.filter(year=2027).delete()
    # fd-internet level 3: respond in 60 working minutes (08:30–17:30, Chinese working days).
    ticket = file_ticket(demo["fd-internet"], "level-3", "2027-01-01 10:00")
    assert due(ticket)["respond"] == "2027-01-04 09:30"  # New Year's Day is off by law
    assert ticket.clocks.get(name="respond").provisional  # make-up days are not known yet
    page = login("fd-reporter").get(f"/tickets/{ticket.number}/").content.decode()
    assert "暂定" in page and "2027-01-04 09:30" in page


def test_importing_the_notice_moves_open_deadlines_to_its_make_up_days(
    demo, settings, django_capture_on_commit_callbacks
):
    from sla.holiday_notice import import_notice
    from tests.factories import demo_user
    from tests.sla.notices import MADE_UP_2027, notice_text

    settings.CELERY_TASK_ALWAYS_EAGER = True
    HolidayYear.objects.filter(year=2027).delete()
    friday = file_ticket(demo["fd-internet"], "level-3", "2027-04-23 17:00")
    new_year = file_ticket(demo["fd-internet"], "level-3", "2027-01-01 10:00")
    assert due(friday)["respond"] == "2027-04-26 09:00"  # 30 min Friday, 30 min Monday

    with django_capture_on_commit_callbacks(execute=True):
        import_notice(text=notice_text(MADE_UP_2027), by=demo_user("admin"))

    assert due(friday)["respond"] == "2027-04-25 09:00"  # Sunday 25 April is worked
    assert not friday.clocks.get(name="respond").provisional
    assert due(new_year)["respond"] == "2027-01-04 09:30"
    assert not new_year.clocks.get(name="respond").provisional
    change = CalendarChange.objects.get()
    assert change.finished_at is not None and change.moved_clocks >= 1
    assert Event.objects.filter(ticket=friday, action="tickets.clock.recomputed").exists()
