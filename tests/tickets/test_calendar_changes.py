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
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(  # made up for the test: the Monday after New Year's Day given off too
            "/admin/sla/holidaydate/add/",
            {"date": "2027-01-04", "kind": "holiday", "name": "元旦", "source": "manual"},
        )
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
    change = CalendarChange.objects.order_by("at").first()
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
