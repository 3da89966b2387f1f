"""C3: "response time is from receiving the request to contacting the hospital and
committing to a plan" — a response without the plan does not count."""

from __future__ import annotations

import pytest

from tests.factories import demo_user
from tests.tickets.conftest import at, file_ticket
from tickets import services
from tickets.errors import TicketError

pytestmark = pytest.mark.django_db


def test_c3_demo_defines_response_as_a_committed_plan(demo):
    assert demo["yn-his"].response_needs_plan
    assert not demo["fd-internet"].response_needs_plan


def test_c3_acknowledging_without_the_plan_is_refused(demo):
    ticket = file_ticket(demo["yn-his"], "level-2", "2026-11-03 10:00")
    with pytest.raises(TicketError) as refused:
        services.acknowledge(ticket=ticket, by=demo_user("ny-engineer"), note="  ")
    assert (refused.value.code, refused.value.field) == ("plan_required", "note")
    assert ticket.clocks.get(name="respond").met_at is None


def test_c3_acknowledging_with_the_plan_stops_the_respond_clock(demo):
    ticket = file_ticket(demo["yn-his"], "level-2", "2026-11-03 10:00")
    services.acknowledge(
        ticket=ticket,
        by=demo_user("ny-engineer"),
        note="已电话联系门诊部，先远程重启 HIS 服务，11:00 前反馈。",
        now=at("2026-11-03 10:20"),
    )
    assert ticket.clocks.get(name="respond").met_at == at("2026-11-03 10:20")


def test_c3_a_dispatch_without_the_plan_is_no_response_the_clock_runs_until_the_plan(demo):
    ticket = file_ticket(demo["yn-his"], "level-2", "2026-11-03 10:00")
    engineer = demo_user("ny-engineer")
    services.assign(
        ticket=ticket, by=demo_user("ny-dispatcher"), engineer=engineer, now=at("2026-11-03 10:05")
    )
    assert ticket.state == "dispatched"
    assert ticket.clocks.get(name="respond").met_at is None
    services.acknowledge(
        ticket=ticket,
        by=engineer,
        note="已联系门诊部：先切换备用打印服务器，今天 12:00 前修复。",
        now=at("2026-11-03 10:40"),
    )
    assert ticket.state == "dispatched"
    assert ticket.clocks.get(name="respond").met_at == at("2026-11-03 10:40")
    assert ticket.events.get(action="tickets.ticket.acknowledge").label == "已承诺解决方案并响应"


def test_c3_a_dispatch_that_gives_the_plan_is_the_response(demo):
    ticket = file_ticket(demo["yn-his"], "level-2", "2026-11-03 10:00")
    services.assign(
        ticket=ticket,
        by=demo_user("ny-dispatcher"),
        engineer=demo_user("ny-engineer"),
        note="已联系门诊部，陈工 10:30 远程处理。",
        now=at("2026-11-03 10:05"),
    )
    assert ticket.clocks.get(name="respond").met_at == at("2026-11-03 10:05")


def test_a_contract_without_the_rule_acknowledges_with_a_click(demo):
    ticket = file_ticket(demo["fd-internet"], "level-2", "2026-11-03 10:00")
    services.acknowledge(ticket=ticket, by=demo_user("sk-engineer"), now=at("2026-11-03 10:05"))
    assert ticket.state == "acknowledged"
