"""C5: 系统年停机时间不超过 8 小时 — outage spans opened by a level-1 report, corrected by either
party with a reason, partial spans beside the downtime, closed at recovery."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.factories import demo_user
from tests.tickets.conftest import at, file_ticket, local
from tickets import services
from tickets.availability import availability_year
from tickets.errors import TicketError
from tickets.models import Event, Outage
from tickets.services import outages as outage_services

pytestmark = pytest.mark.django_db


def test_c5_a_level1_fault_opens_an_outage_at_its_report_time(demo):
    ticket = file_ticket(demo["gz-logistics"], "level-1", "2026-03-02 09:00")
    outage = ticket.outages.get()
    assert local(outage.started_at) == "2026-03-02 09:00" and outage.ended_at is None
    assert outage.recorded_by is None and not outage.partial
    line = Event.objects.get(ticket=ticket, action="tickets.ticket.outage_opened")
    assert "2026-03-02 09:00" in line.label


def test_c5_a_phoned_in_fault_opens_its_outage_when_the_hospital_reported_it(demo):
    contract = demo["gz-logistics"]
    filed = services.file_for_caller(
        contract=contract,
        system=contract.systems.first(),
        service_class=contract.service_classes.get(code="level-1"),
        title="平台无法登录",
        description="全院物流平台无法登录。",
        caller=services.Caller(person=demo_user("gz-it")),
        entered_by=demo_user("ny-dispatcher"),
        channel="phone",
        reported_at=at("2026-03-02 08:40"),
        backdate_reason="值班电话记录后补录",
        now=at("2026-03-02 09:20"),
    )
    assert local(filed.ticket.outages.get().started_at) == "2026-03-02 08:40"
    assert [e.action for e in filed.later_events] == ["tickets.ticket.outage_opened"]


def test_contracts_without_an_availability_target_open_no_outage_by_themselves(demo):
    # C2's level 1 "affects the hospital's business": not necessarily down.
    assert not file_ticket(demo["zj-einvoice"], "level-1", "2026-03-02 09:00").outages.exists()
    assert not file_ticket(demo["yn-his"], "level-1", "2026-03-02 09:00").outages.exists()


def test_c5_resolving_closes_the_open_outage_when_the_service_came_back(demo):
    ticket = file_ticket(demo["gz-logistics"], "level-1", "2026-03-02 09:00")
    engineer = demo_user("ny-engineer")
    services.acknowledge(ticket=ticket, by=engineer, now=at("2026-03-02 09:05"))
    services.resolve(
        ticket=ticket,
        by=engineer,
        note="重启消息队列",
        outage_ended_at=at("2026-03-02 10:40"),
        now=at("2026-03-02 11:00"),
    )
    assert local(ticket.outages.get().ended_at) == "2026-03-02 10:40"
    assert Event.objects.filter(ticket=ticket, action="tickets.ticket.outage_closed").count() == 1
    year = availability_year(demo["gz-logistics"], 2026, now=at("2026-03-03 00:00"))
    assert year.downtime_hours == Decimal("1.67")


def test_c5_resolving_by_default_closes_the_outage_at_the_resolve_time_on_the_timeline(demo):
    ticket = file_ticket(demo["gz-logistics"], "level-1", "2026-03-02 09:00")
    engineer = demo_user("ny-engineer")
    services.acknowledge(ticket=ticket, by=engineer, now=at("2026-03-02 09:05"))
    services.resolve(ticket=ticket, by=engineer, note="恢复", now=at("2026-03-02 11:00"))
    assert local(ticket.outages.get().ended_at) == "2026-03-02 11:00"
    assert Event.objects.filter(ticket=ticket, action="tickets.ticket.outage_closed").exists()


def test_c5_a_workaround_keeps_the_outage_open_and_it_keeps_counting(demo):
    ticket = file_ticket(demo["gz-logistics"], "level-1", "2026-03-02 09:00")
    engineer = demo_user("ny-engineer")
    services.acknowledge(ticket=ticket, by=engineer, now=at("2026-03-02 09:05"))
    services.resolve(
        ticket=ticket,
        by=engineer,
        note="临时绕行",
        keep_outage_open=True,
        now=at("2026-03-02 10:00"),
    )
    assert ticket.outages.get().ended_at is None
    year = availability_year(demo["gz-logistics"], 2026, now=at("2026-03-02 12:00"))
    assert year.downtime_hours == Decimal("3.00")


def test_c5_the_service_cannot_come_back_before_the_outage_began(demo):
    ticket = file_ticket(demo["gz-logistics"], "level-1", "2026-03-02 09:00")
    engineer = demo_user("ny-engineer")
    services.acknowledge(ticket=ticket, by=engineer, now=at("2026-03-02 09:05"))
    with pytest.raises(TicketError) as refused:
        services.resolve(
            ticket=ticket,
            by=engineer,
            note="恢复",
            outage_ended_at=at("2026-03-02 08:00"),
            now=at("2026-03-02 10:00"),
        )
    assert refused.value.field == "outage_ended_at"
    ticket.refresh_from_db()
    assert ticket.state == "acknowledged" and ticket.outages.get().ended_at is None


def test_c5_hospital_it_corrects_the_start_with_a_reason_both_parties_read(demo):
    ticket = file_ticket(demo["gz-logistics"], "level-1", "2026-03-02 09:00")
    outage = ticket.outages.get()
    with pytest.raises(TicketError):
        services.correct_outage(
            ticket=ticket,
            by=demo_user("gz-it"),
            outage=outage.pk,
            started_at=at("2026-03-02 08:30"),
            ended_at=None,
            partial=False,
            reason=" ",
        )
    services.correct_outage(
        ticket=ticket,
        by=demo_user("gz-it"),
        outage=outage.pk,
        started_at=at("2026-03-02 08:30"),
        ended_at=at("2026-03-02 09:30"),
        partial=False,
        reason="机房监控 08:30 告警",
        now=at("2026-03-02 10:00"),
    )
    outage.refresh_from_db()
    assert (local(outage.started_at), local(outage.ended_at)) == (
        "2026-03-02 08:30",
        "2026-03-02 09:30",
    )
    line = Event.objects.get(ticket=ticket, action="tickets.ticket.outage_corrected")
    assert line.note == "机房监控 08:30 告警" and line.actor.username == "gz-it"
    assert line.data["before"]["ended_at"] is None
    assert "2026-03-02 09:00" in line.label  # what it said before


def test_c5_partial_outages_are_degraded_time_not_downtime(demo):
    contract = demo["gz-logistics"]
    ticket = file_ticket(contract, "level-2", "2026-03-02 09:00")
    services.record_outage(
        ticket=ticket,
        by=demo_user("ny-engineer"),
        started_at=at("2026-03-02 09:00"),
        ended_at=at("2026-03-02 11:00"),
        partial=True,
        note="BI 报表缓慢",
        now=at("2026-03-02 12:00"),
    )
    year = availability_year(contract, 2026, now=at("2026-03-02 12:00"))
    assert year.downtime_hours == Decimal("0.00")
    assert year.degraded_hours == Decimal("2.00")


def test_c5_overlapping_outages_of_one_system_count_once(demo):
    contract = demo["gz-logistics"]
    engineer = demo_user("ny-engineer")
    first = file_ticket(contract, "level-1", "2026-03-02 09:00")
    second = file_ticket(contract, "level-1", "2026-03-02 09:30")  # the same failure, again
    for ticket, back in ((first, "10:00"), (second, "10:30")):
        services.close_outage(
            ticket=ticket,
            by=engineer,
            outage=ticket.outages.get().pk,
            ended_at=at(f"2026-03-02 {back}"),
            now=at("2026-03-02 11:00"),
        )
    year = availability_year(contract, 2026, now=at("2026-03-02 12:00"))
    assert year.downtime_hours == Decimal("1.50")  # 09:00–10:30, not 1 h + 1 h


def test_a_span_that_was_no_outage_is_withdrawn_with_its_reason_on_record(demo):
    ticket = file_ticket(demo["gz-logistics"], "level-1", "2026-03-02 09:00")
    outage = ticket.outages.get()
    outage_services.withdraw_outage(
        ticket=ticket, by=demo_user("ny-engineer"), outage=outage.pk, reason="仅一台终端故障"
    )
    assert not Outage.objects.filter(pk=outage.pk).exists()
    line = Event.objects.get(ticket=ticket, action="tickets.ticket.outage_withdrawn")
    assert line.note == "仅一台终端故障" and line.data["started_at"]


def test_outages_cannot_end_in_the_future_nor_before_they_began(demo):
    ticket = file_ticket(demo["gz-logistics"], "level-1", "2026-03-02 09:00")
    outage = ticket.outages.get()
    engineer = demo_user("ny-engineer")
    with pytest.raises(TicketError):
        services.close_outage(
            ticket=ticket,
            by=engineer,
            outage=outage.pk,
            ended_at=at("2026-03-02 12:00"),
            now=at("2026-03-02 10:00"),
        )
    with pytest.raises(TicketError):
        services.close_outage(
            ticket=ticket,
            by=engineer,
            outage=outage.pk,
            ended_at=at("2026-03-02 08:00"),
            now=at("2026-03-02 10:00"),
        )


def test_a_reporter_may_not_touch_outages(demo):
    ticket = file_ticket(demo["gz-logistics"], "level-1", "2026-03-02 09:00")
    with pytest.raises(TicketError) as refused:
        services.close_outage(
            ticket=ticket,
            by=demo_user("gz-reporter"),
            outage=ticket.outages.get().pk,
            ended_at=at("2026-03-02 09:30"),
        )
    assert refused.value.code == "forbidden"


def test_another_tickets_outage_is_not_found_on_this_one(demo):
    contract = demo["gz-logistics"]
    mine = file_ticket(contract, "level-1", "2026-03-02 09:00")
    other = file_ticket(contract, "level-1", "2026-03-02 09:10")
    with pytest.raises(TicketError):
        services.close_outage(
            ticket=mine,
            by=demo_user("ny-engineer"),
            outage=other.outages.get().pk,
            ended_at=at("2026-03-02 09:30"),
        )


def test_c5_the_reports_show_partial_outages_beside_the_downtime_not_in_it(demo):
    from reports import figures
    from reports.periods import Period

    contract = demo["gz-logistics"]
    down = file_ticket(contract, "level-1", "2026-03-02 09:00")
    services.close_outage(
        ticket=down,
        by=demo_user("ny-engineer"),
        outage=down.outages.get().pk,
        ended_at=at("2026-03-02 10:00"),
        now=at("2026-03-02 10:05"),
    )
    slow = file_ticket(contract, "level-2", "2026-03-03 09:00")
    services.record_outage(
        ticket=slow,
        by=demo_user("gz-it"),
        started_at=at("2026-03-03 09:00"),
        ended_at=at("2026-03-03 11:00"),
        partial=True,
        now=at("2026-03-03 12:00"),
    )
    figure = figures.downtime(contract, Period.quarter(2026, 1), at("2026-03-31 12:00"))
    assert figure.downtime_hours == Decimal("1.00")
    assert figure.degraded_hours == Decimal("2.00")
    incidents = figures.level1_incidents(contract, Period.quarter(2026, 1), at("2026-03-31 12:00"))
    assert [i.downtime_minutes for i in incidents] == [60]
