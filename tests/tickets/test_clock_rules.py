"""Clock rules at tricky instants: holidays, make-up days, nights, holds, level changes."""

from __future__ import annotations

import pytest

from tests.factories import demo_user
from tests.tickets.conftest import at, due, file_ticket, local
from tickets import services
from tickets.errors import TicketError
from tickets.models import Event

pytestmark = pytest.mark.django_db


def test_level3_fault_at_1720_on_the_friday_before_spring_festival_counts_the_make_up_saturday(
    demo,
):
    # 2026-02-13 is a Friday; Saturday 02-14 is a make-up working day before the holiday.
    ticket = file_ticket(demo["yn-his"], "level-3", "2026-02-13 17:20")
    assert due(ticket) == {"respond": "2026-02-14 10:20", "arrive": "2026-02-14 17:20"}


def test_request_filed_on_a_make_up_working_saturday_counts_that_day_and_skips_lunch(demo):
    # Saturday 2026-02-28 is worked; 450 min = 60 (11–12) + 210 (14–17:30) + 180 on Monday.
    ticket = file_ticket(demo["cd-nutrition"], "usage-support", "2026-02-28 11:00")
    assert due(ticket) == {"respond": "2026-02-28 11:30", "resolve": "2026-03-02 11:00"}


def test_fault_at_0300_in_a_7x24_contract_runs_through_the_night(demo):
    # C3's level 1 has no opening cap (C4's has: tests/tickets/test_c4_before_opening.py).
    ticket = file_ticket(demo["yn-his"], "level-1", "2026-11-03 03:00")
    assert due(ticket) == {
        "respond": "2026-11-03 03:30",
        "arrive": "2026-11-03 09:00",
        "resolve": "2026-11-03 09:00",
    }


def test_c5_fault_at_0300_responds_in_service_hours_but_arrives_around_the_clock(demo):
    ticket = file_ticket(demo["gz-logistics"], "level-1", "2026-11-03 03:00")
    assert due(ticket) == {"respond": "2026-11-03 08:15", "arrive": "2026-11-03 15:00"}


def test_hold_with_consent_across_a_weekend_moves_the_arrival_deadline(demo):
    ticket = file_ticket(demo["yn-his"], "level-3", "2026-03-05 10:00")  # Thursday
    assert due(ticket)["arrive"] == "2026-03-06 10:00"
    engineer = demo_user("ny-engineer")
    services.acknowledge(
        note="已联系院方，承诺处理方案。", ticket=ticket, by=engineer, now=at("2026-03-05 10:30")
    )
    services.hold(
        ticket=ticket,
        by=engineer,
        reason="hospital",
        consent_person=demo_user("yn-it"),
        note="等待院方停机窗口",
        now=at("2026-03-06 09:00"),
    )
    clock = ticket.clocks.get(name="arrive")
    assert clock.is_paused and clock.due_at is None
    services.resume(ticket=ticket, by=engineer, now=at("2026-03-09 11:00"))  # Monday
    # 480 of 540 minutes were used before the hold; 60 remain from Monday 11:00.
    assert due(ticket)["arrive"] == "2026-03-09 12:00"
    assert ticket.state == "acknowledged"


def test_level1_arrival_clock_pauses_on_hold_only_with_consent(demo):
    ticket = file_ticket(demo["yn-his"], "level-1", "2026-03-02 09:00")
    engineer = demo_user("ny-engineer")
    services.acknowledge(
        note="已联系院方，承诺处理方案。", ticket=ticket, by=engineer, now=at("2026-03-02 09:10")
    )
    with pytest.raises(TicketError) as caught:
        services.hold(
            ticket=ticket, by=engineer, reason="parts", consent_by=" ", now=at("2026-03-02 10:00")
        )
    assert caught.value.code == "consent_required"
    ticket.refresh_from_db()
    assert ticket.state == "acknowledged"
    assert due(ticket)["arrive"] == "2026-03-02 15:00"


def test_downgrade_from_level1_to_level2_halfway_recomputes_running_clocks(demo):
    contract = demo["yn-his"]
    ticket = file_ticket(contract, "level-1", "2026-03-02 09:00")
    engineer = demo_user("ny-engineer")
    services.acknowledge(
        note="已联系院方，承诺处理方案。", ticket=ticket, by=engineer, now=at("2026-03-02 09:10")
    )
    services.change_level(
        ticket=ticket,
        by=engineer,
        note="已恢复主要业务，降为二级",
        service_class=contract.service_classes.get(code="level-2"),
        now=at("2026-03-02 12:00"),
    )
    respond = ticket.clocks.get(name="respond")
    assert local(respond.met_at) == "2026-03-02 09:10"  # a met clock keeps its record
    assert due(ticket)["arrive"] == "2026-03-02 21:00"
    assert due(ticket)["resolve"] == "2026-03-02 21:00"
    event = Event.objects.get(ticket=ticket, action="tickets.ticket.level_changed")
    assert event.data["from"] == "一级故障" and event.data["to"] == "二级故障"


def test_c1_resolve_clock_starts_at_arrival_and_extends_with_consent(demo):
    ticket = file_ticket(demo["cd-nutrition"], "level-1", "2026-11-03 10:00")
    engineer = demo_user("rk-engineer")
    services.acknowledge(
        note="已联系院方，承诺处理方案。", ticket=ticket, by=engineer, now=at("2026-11-03 10:05")
    )
    services.arrive(ticket=ticket, by=engineer, now=at("2026-11-03 15:00"))
    assert due(ticket)["resolve"] == "2026-11-03 19:00"
    services.extend_clock(
        ticket=ticket,
        by=engineer,
        clock="resolve",
        minutes=60,
        reason="需更换数据库服务器硬盘",
        consent_person=demo_user("cd-it"),
        now=at("2026-11-03 18:00"),
    )
    assert due(ticket)["resolve"] == "2026-11-03 20:00"
    assert Event.objects.filter(ticket=ticket, action="tickets.clock.extended").exists()


def test_c1_level3_extension_is_capped_at_one_more_hour(demo):
    ticket = file_ticket(demo["cd-nutrition"], "level-3", "2026-11-03 10:00")
    engineer = demo_user("rk-engineer")
    with pytest.raises(TicketError) as caught:
        services.extend_clock(
            ticket=ticket,
            by=engineer,
            clock="resolve",
            minutes=90,
            reason="x",
            consent_by="刘建国",
            now=at("2026-11-03 10:30"),
        )
    assert caught.value.code == "extension_too_long"


def test_clocks_the_contract_does_not_make_extendable_cannot_be_extended(demo):
    ticket = file_ticket(demo["yn-his"], "level-1", "2026-11-03 10:00")
    with pytest.raises(TicketError) as caught:
        services.extend_clock(
            ticket=ticket,
            by=demo_user("ny-engineer"),
            clock="resolve",
            minutes=60,
            reason="x",
            consent_by="李明",
            now=at("2026-11-03 10:30"),
        )
    assert caught.value.code == "not_extendable"


def test_a_late_acknowledgement_records_the_respond_breach_at_the_deadline(demo):
    ticket = file_ticket(demo["yn-his"], "level-1", "2026-11-03 10:00")
    services.acknowledge(
        note="已联系院方，承诺处理方案。",
        ticket=ticket,
        by=demo_user("ny-engineer"),
        now=at("2026-11-03 10:45"),
    )
    respond = ticket.clocks.get(name="respond")
    assert local(respond.breached_at) == "2026-11-03 10:30"
    assert local(respond.met_at) == "2026-11-03 10:45"


def test_reopen_continues_the_resolve_clock_without_the_wait_for_confirmation(demo):
    ticket = file_ticket(demo["fd-internet"], "level-2", "2026-11-03 10:00")
    engineer, reporter = demo_user("sk-engineer"), demo_user("fd-reporter")
    services.acknowledge(
        note="已联系院方，承诺处理方案。", ticket=ticket, by=engineer, now=at("2026-11-03 10:10")
    )
    services.resolve(ticket=ticket, by=engineer, note="重启支付网关", now=at("2026-11-03 12:00"))
    services.reopen(ticket=ticket, by=reporter, note="仍无法扫码支付", now=at("2026-11-03 14:00"))
    # 2 of 24 hours were used; the 2-hour wait for confirmation is not counted.
    assert due(ticket)["resolve"] == "2026-11-04 12:00"
    assert ticket.state == "acknowledged"


def test_reopen_is_refused_after_the_contracts_window(demo):
    ticket = file_ticket(demo["fd-internet"], "level-2", "2026-11-03 10:00")
    engineer, reporter = demo_user("sk-engineer"), demo_user("fd-reporter")
    services.acknowledge(
        note="已联系院方，承诺处理方案。", ticket=ticket, by=engineer, now=at("2026-11-03 10:10")
    )
    services.resolve(ticket=ticket, by=engineer, note="已修复", now=at("2026-11-03 12:00"))
    with pytest.raises(TicketError) as caught:
        services.reopen(ticket=ticket, by=reporter, note="又坏了", now=at("2026-11-20 09:00"))
    assert caught.value.code == "reopen_window_passed"
