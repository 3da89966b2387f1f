"""C4 (复旦肿瘤医院): "夜间或节假日 … 约定时间，在医院开诊前（次日挂号前）完成".

Faults of levels 1–2 are resolved within 24 h around the clock; one filed while the hospital
is closed (at night, on a weekend or a holiday) is due no later than its next opening, the
07:30 registration of the next working day (calendar `fd-registration`, Chinese working days
07:30–17:30, make-up days (调休) worked). A hold with consent moves the capped deadline by the
paused time, as it moves any deadline.
"""

from __future__ import annotations

import pytest

from contracts.models import ClockTarget
from tests.api.conftest import token_client
from tests.conftest import login
from tests.factories import demo_user
from tests.tickets.conftest import at, due, file_ticket
from tickets import services
from tickets.models import Event

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("filed", "resolve_due"),
    [
        # Monday night: registration opens Tuesday 07:30, before the 24 h are up.
        ("2026-11-02 22:00", "2026-11-03 07:30"),
        # Early morning before registration: that morning's opening.
        ("2026-11-03 05:00", "2026-11-03 07:30"),
        # During opening hours the rule does not apply: 24 h.
        ("2026-11-03 10:00", "2026-11-04 10:00"),
        # Closing time is closed: 17:30 counts as evening.
        ("2026-11-03 17:30", "2026-11-04 07:30"),
    ],
)
def test_c4_level1_fault_at_night_is_due_before_the_next_morning_registration(
    demo, filed, resolve_due
):
    ticket = file_ticket(demo["fd-internet"], "level-1", filed)
    assert due(ticket)["resolve"] == resolve_due


@pytest.mark.parametrize(
    ("filed", "resolve_due"),
    [
        # Saturday night: the next opening is Monday 07:30, later than the 24 h.
        ("2026-11-07 23:00", "2026-11-08 23:00"),
        # Sunday morning: Monday's registration comes before the 24 h are up.
        ("2026-11-08 10:00", "2026-11-09 07:30"),
        # Friday night: the 24 h end on the closed Saturday, before Monday's opening.
        ("2026-11-06 23:00", "2026-11-07 23:00"),
    ],
)
def test_c4_level2_fault_over_a_weekend_is_due_by_the_earlier_of_24_hours_and_the_next_opening(
    demo, filed, resolve_due
):
    ticket = file_ticket(demo["fd-internet"], "level-2", filed)
    assert due(ticket)["resolve"] == resolve_due


def test_c4_fault_on_saturday_before_a_make_up_sunday_is_due_when_registration_opens_that_sunday(
    demo,
):
    # 2026-09-20 (Sunday) is worked for National Day; Saturday 09-19 is off.
    ticket = file_ticket(demo["fd-internet"], "level-1", "2026-09-19 10:00")
    assert due(ticket)["resolve"] == "2026-09-20 07:30"


def test_c4_friday_night_fault_before_a_make_up_saturday_is_due_that_saturday_morning(demo):
    # Saturday 2026-10-10 is a make-up working day; Saturday 10-17 is an ordinary one.
    before_make_up = file_ticket(demo["fd-internet"], "level-1", "2026-10-09 20:00")
    ordinary = file_ticket(demo["fd-internet"], "level-1", "2026-10-16 20:00")
    assert due(before_make_up)["resolve"] == "2026-10-10 07:30"
    assert due(ordinary)["resolve"] == "2026-10-17 20:00"


@pytest.mark.parametrize(
    ("filed", "resolve_due"),
    [
        # The evening before National Day: the hospital reopens 10-08, the 24 h come first.
        ("2026-09-30 20:00", "2026-10-01 20:00"),
        # Mid-holiday: still 24 h.
        ("2026-10-06 12:00", "2026-10-07 12:00"),
        # The holiday's last day: registration opens 10-08 07:30, before the 24 h are up.
        ("2026-10-07 12:00", "2026-10-08 07:30"),
    ],
)
def test_c4_fault_during_the_national_day_holiday_is_due_by_the_reopening(demo, filed, resolve_due):
    ticket = file_ticket(demo["fd-internet"], "level-1", filed)
    assert due(ticket)["resolve"] == resolve_due


def test_c4_respond_clock_and_lower_levels_are_not_capped_by_the_opening(demo):
    level1 = file_ticket(demo["fd-internet"], "level-1", "2026-11-02 22:00")
    level3 = file_ticket(demo["fd-internet"], "level-3", "2026-11-02 22:00")
    assert due(level1)["respond"] == "2026-11-02 23:00"
    assert due(level3)["resolve"] == "2026-11-16 22:00"  # 14 days, the next release


def test_c4_hold_with_consent_moves_the_capped_deadline_by_the_paused_time(demo):
    ticket = file_ticket(demo["fd-internet"], "level-1", "2026-11-02 22:00")
    engineer = demo_user("sk-engineer")
    services.acknowledge(ticket=ticket, by=engineer, now=at("2026-11-02 22:10"))
    services.hold(
        ticket=ticket,
        by=engineer,
        reason="hospital",
        consent_person=demo_user("fd-it"),  # agreed on the phone, recorded by the vendor
        note="院方要求等待支付通道厂商",
        now=at("2026-11-02 23:00"),
    )
    assert due(ticket)["resolve"] is None
    services.resume(ticket=ticket, by=engineer, now=at("2026-11-03 01:00"))
    # Paused two hours: 07:30 + 2 h.
    assert due(ticket)["resolve"] == "2026-11-03 09:30"


def test_c4_level_raised_at_night_takes_the_cap_from_the_report_time_and_loses_it_when_lowered(
    demo,
):
    contract = demo["fd-internet"]
    ticket = file_ticket(contract, "level-3", "2026-11-02 22:00")
    manager = demo_user("sk-manager")
    services.change_level(
        ticket=ticket,
        by=manager,
        service_class=contract.service_classes.get(code="level-1"),
        note="现场支付中断",
        now=at("2026-11-03 00:00"),
    )
    assert due(ticket)["resolve"] == "2026-11-03 07:30"
    services.change_level(
        ticket=ticket,
        by=manager,
        service_class=contract.service_classes.get(code="level-3"),
        note="已有替代支付方式",
        now=at("2026-11-03 01:00"),
    )
    assert due(ticket)["resolve"] == "2026-11-16 22:00"


def test_c4_a_new_holiday_moves_the_capped_deadline_to_the_later_opening(
    demo, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    ticket = file_ticket(demo["fd-internet"], "level-1", "2026-11-02 22:00")
    assert due(ticket)["resolve"] == "2026-11-03 07:30"
    admin = login("admin")
    with django_capture_on_commit_callbacks(execute=True):
        # Made up for the test: Tuesday given off, so the hospital next opens Wednesday.
        admin.post(
            "/admin/sla/holidaydate/add/",
            {"date": "2026-11-03", "kind": "holiday", "name": "测试假日", "source": "manual"},
        )
    assert due(ticket)["resolve"] == "2026-11-03 22:00"
    assert Event.objects.filter(
        ticket=ticket, action="tickets.clock.recomputed", data__clock="resolve"
    ).exists()


def test_c4_contract_terms_show_the_opening_cap_on_the_page_and_in_the_api(demo):
    page = login("sk-manager").get("/contracts/fd-internet/")
    assert page.status_code == 200
    assert "复旦肿瘤医院门诊挂号" in page.content.decode()

    terms = token_client("sk-manager").get("/api/v1/contracts/fd-internet/").json()
    clocks = {
        (row["code"], clock["clock"]): clock["due_by_opening_of"]
        for row in terms["sla"]
        for clock in row["clocks"]
    }
    assert clocks[("level-1", "resolve")] == "fd-registration"
    assert clocks[("level-2", "resolve")] == "fd-registration"
    assert clocks[("level-1", "respond")] is None
    assert clocks[("level-3", "resolve")] is None


def test_an_around_the_clock_calendar_cannot_be_the_opening_to_be_due_by(demo):
    from django.core.exceptions import ValidationError

    target = ClockTarget.objects.get(
        service_class__contract=demo["fd-internet"], service_class__code="level-1", clock="resolve"
    )
    target.due_by_opening_of = target.calendar  # 7×24
    with pytest.raises(ValidationError) as error:
        target.full_clean()
    assert "due_by_opening_of" in error.value.message_dict


def test_an_extension_agreed_with_the_hospital_adds_to_the_capped_deadline(demo):
    # C1's level 3 (1 h remote, 2 h with consent) given the opening cap for the test: filed
    # at 07:00 it is due at the 07:30 opening; the agreed hour counts from there.
    contract = demo["cd-nutrition"]
    target = ClockTarget.objects.get(
        service_class__contract=contract, service_class__code="level-3", clock="resolve"
    )
    target.due_by_opening_of = ClockTarget.objects.get(
        service_class__contract=demo["fd-internet"], service_class__code="level-1", clock="resolve"
    ).due_by_opening_of
    target.full_clean()
    target.save()
    ticket = file_ticket(contract, "level-3", "2026-11-03 07:00")
    assert due(ticket)["resolve"] == "2026-11-03 07:30"
    services.extend_clock(
        ticket=ticket,
        by=demo_user("rk-engineer"),
        clock="resolve",
        minutes=60,
        reason="需院方提供数据库账号",
        consent_person=demo_user("cd-it"),  # agreed on the phone, recorded by the vendor
        now=at("2026-11-03 07:20"),
    )
    assert due(ticket)["resolve"] == "2026-11-03 08:30"
