"""Recurring problems raise the level (C4); level-1 downtime counts against availability (C5)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from notifications.models import Notification
from tests.factories import demo_user
from tests.tickets.conftest import at, file_ticket
from tickets import services
from tickets.availability import availability_year
from tickets.errors import TicketError
from tickets.models import Event
from tickets.recurrence import mark_recurrence

pytestmark = pytest.mark.django_db


def test_third_occurrence_within_90_days_raises_a_level2_fault_to_level1(demo):
    contract = demo["fd-internet"]
    engineer = demo_user("sk-engineer")
    first = file_ticket(contract, "level-2", "2026-08-01 10:00", title="服务窗无法打开")
    second = file_ticket(contract, "level-2", "2026-09-01 10:00", title="服务窗无法打开")
    third = file_ticket(contract, "level-2", "2026-10-20 10:00", title="服务窗又无法打开")
    mark_recurrence(ticket=second, by=engineer, of=first, now=at("2026-09-01 10:10"))
    second.refresh_from_db()
    assert second.level == 2  # the second time: no change
    mark_recurrence(ticket=third, by=engineer, of=second, now=at("2026-10-20 10:10"))
    third.refresh_from_db()
    assert third.level == 1
    assert third.recurrence_of == first  # chains point at the first occurrence
    event = Event.objects.get(ticket=third, action="tickets.ticket.level_changed")
    assert event.data["automatic"] is True
    told = set(
        Notification.objects.filter(ticket=third, event="level_raised").values_list(
            "recipient__username", flat=True
        )
    )
    assert {"sk-dispatcher", "fd-it"} <= told


def test_occurrences_outside_the_window_do_not_count(demo):
    contract = demo["fd-internet"]
    engineer = demo_user("sk-engineer")
    first = file_ticket(contract, "level-2", "2026-07-01 10:00")
    second = file_ticket(contract, "level-2", "2026-09-01 10:00")
    third = file_ticket(contract, "level-2", "2026-10-20 10:00")  # 111 days after the first
    mark_recurrence(ticket=second, by=engineer, of=first)
    mark_recurrence(ticket=third, by=engineer, of=first)
    third.refresh_from_db()
    assert third.level == 2


def test_contracts_without_a_recurrence_rule_never_raise(demo):
    contract = demo["yn-his"]
    engineer = demo_user("ny-engineer")
    tickets = [file_ticket(contract, "level-2", f"2026-11-0{day} 10:00") for day in (2, 3, 4, 5)]
    for later in tickets[1:]:
        mark_recurrence(ticket=later, by=engineer, of=tickets[0])
    assert all(t.level == 2 for t in (t.__class__.objects.get(pk=t.pk) for t in tickets))


def test_a_recurrence_points_to_an_earlier_ticket_of_the_same_contract(demo):
    engineer = demo_user("sk-engineer")
    early = file_ticket(demo["fd-internet"], "level-2", "2026-08-01 10:00")
    late = file_ticket(demo["fd-internet"], "level-2", "2026-08-02 10:00")
    with pytest.raises(TicketError):
        mark_recurrence(ticket=early, by=engineer, of=late)
    foreign = file_ticket(demo["yn-his"], "level-2", "2026-08-01 09:00")
    with pytest.raises(TicketError):
        mark_recurrence(ticket=late, by=engineer, of=foreign)


def only_outage(ticket):
    return ticket.outages.get().pk


def test_c5_yearly_downtime_is_measured_against_the_8_hour_target(demo):
    contract = demo["gz-logistics"]
    engineer = demo_user("ny-engineer")
    # Each level-1 fault opened its outage at its report time; the engineers then said when
    # the service really went down and came back.
    first = file_ticket(contract, "level-1", "2026-03-01 09:00")
    services.correct_outage(
        ticket=first,
        by=engineer,
        outage=only_outage(first),
        started_at=at("2026-03-01 08:50"),
        ended_at=at("2026-03-01 12:50"),
        partial=False,
        reason="监控显示 08:50 已宕机",
    )
    second = file_ticket(contract, "level-1", "2026-06-01 09:00")
    services.close_outage(
        ticket=second, by=engineer, outage=only_outage(second), ended_at=at("2026-06-01 11:00")
    )
    # Two tickets for one failure: the overlap counts once.
    duplicate = file_ticket(contract, "level-1", "2026-06-01 09:05")
    services.correct_outage(
        ticket=duplicate,
        by=demo_user("gz-it"),
        outage=only_outage(duplicate),
        started_at=at("2026-06-01 10:00"),
        ended_at=at("2026-06-01 12:30"),
        partial=False,
        reason="医废模块 10:00 起不可用",
    )
    year = availability_year(contract, 2026, now=at("2026-11-21 12:00"))
    assert year.downtime_hours == Decimal("7.50")
    assert year.allowed_hours == Decimal("8.00") and year.within_target
    file_ticket(contract, "level-1", "2026-11-21 09:00")  # still down: counts until now
    still_down = availability_year(contract, 2026, now=at("2026-11-21 10:00"))
    assert still_down.downtime_hours == Decimal("8.50") and not still_down.within_target


def test_outages_across_new_year_count_in_each_year(demo):
    contract = demo["cd-nutrition"]
    ticket = file_ticket(contract, "level-1", "2026-12-31 22:00")
    services.record_outage(
        ticket=ticket,
        by=demo_user("rk-engineer"),
        started_at=at("2026-12-31 22:00"),
        ended_at=at("2027-01-01 01:00"),
        now=at("2027-01-01 01:05"),
    )
    assert availability_year(contract, 2026).downtime_hours == Decimal("2.00")
    assert availability_year(contract, 2027).downtime_hours == Decimal("1.00")


def test_full_outages_are_recorded_on_level1_faults_only(demo):
    ticket = file_ticket(demo["gz-logistics"], "level-2", "2026-03-01 09:00")
    assert not ticket.outages.exists()  # a level-2 fault opens none
    with pytest.raises(TicketError):
        services.record_outage(
            ticket=ticket,
            by=demo_user("ny-engineer"),
            started_at=at("2026-03-01 09:00"),
            ended_at=None,
        )
