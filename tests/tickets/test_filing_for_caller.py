"""A report the hospital made by phone, WeCom or e-mail, typed in by the vendor's desk
(tickets.services.file_ticket with entered_by): every clock counts from when the hospital
reported it, within the limits the contract sets, and the ticket says how it came in."""

from __future__ import annotations

import datetime as dt

import pytest

from audit.models import AuditEntry
from contracts.models import Contract
from tests.factories import demo_user
from tests.tickets.conftest import at, due, local
from tickets import services
from tickets.errors import TicketError
from tickets.models import Channel, Event

pytestmark = pytest.mark.django_db


def phoned_in(
    contract: Contract,
    *,
    now: str,
    reported: str | None,
    by: str = "ny-dispatcher",
    caller: str = "yn-reporter",
    code: str = "level-1",
    reason: str = "",
) -> services.Filed:
    return services.file_ticket(
        contract=contract,
        system=contract.systems.first(),
        service_class=contract.service_classes.get(code=code),
        title="门诊挂号无法打开",
        description="门诊挂号窗口全部白屏。",
        reporter=demo_user(caller),
        contact_phone="13726380001",
        now=at(now),
        channel=Channel.PHONE,
        reported_at=at(reported) if reported else None,
        entered_by=demo_user(by),
        caller_name="门诊部 王护士长",
        backdate_reason=reason,
    )


def test_a_phoned_in_level1_fault_counts_every_clock_from_the_call_not_the_typing(demo):
    # yn-his level 1 (7×24): respond 30 min, on site 6 h, resolved 6 h.
    filed = phoned_in(demo["yn-his"], now="2026-09-15 09:32", reported="2026-09-15 09:12")
    ticket = filed.ticket
    assert due(ticket) == {
        "respond": "2026-09-15 09:42",
        "arrive": "2026-09-15 15:12",
        "resolve": "2026-09-15 15:12",
    }
    assert local(ticket.created_at) == "2026-09-15 09:12"
    assert local(ticket.entered_at) == "2026-09-15 09:32"
    assert ticket.channel == Channel.PHONE
    assert ticket.entered_by.username == "ny-dispatcher"
    assert ticket.reporter.username == "yn-reporter"


def test_a_report_entered_late_says_on_its_timeline_and_in_the_audit_who_typed_it_and_when(demo):
    filed = phoned_in(demo["yn-his"], now="2026-09-15 09:32", reported="2026-09-15 09:12")
    event = Event.objects.get(ticket=filed.ticket, action="tickets.ticket.reported")
    assert event.actor.username == "ny-dispatcher"
    assert local(event.at) == "2026-09-15 09:12"
    assert event.data["channel"] == "phone"
    assert event.data["caller"] == "门诊部 王护士长"
    assert event.data["late_minutes"] == 20
    audit = AuditEntry.objects.get(action="tickets.ticket.reported", object_id=str(filed.ticket.pk))
    assert audit.actor.username == "ny-dispatcher"
    assert audit.data["details"]["entered_by"] == demo_user("ny-dispatcher").pk


def test_a_report_time_in_the_future_is_refused(demo):
    with pytest.raises(TicketError, match="不能晚于现在"):
        phoned_in(demo["yn-his"], now="2026-09-15 09:32", reported="2026-09-15 09:33")


def test_a_report_more_than_30_minutes_old_needs_a_reason(demo):
    with pytest.raises(TicketError, match="30 分钟"):
        phoned_in(demo["yn-his"], now="2026-09-15 10:00", reported="2026-09-15 09:29")
    filed = phoned_in(
        demo["yn-his"],
        now="2026-09-15 10:00",
        reported="2026-09-15 09:29",
        reason="夜班电话记录，交班后补录",
    )
    assert filed.ticket.backdate_reason == "夜班电话记录，交班后补录"


def test_a_report_older_than_the_contracts_limit_is_refused_and_nothing_is_filed(demo):
    contract = demo["yn-his"]
    assert contract.backdating_limit_hours == 24
    before = contract.tickets.count()
    with pytest.raises(TicketError, match="24 小时"):
        phoned_in(contract, now="2026-09-16 10:00", reported="2026-09-15 09:59", reason="补录")
    assert contract.tickets.count() == before
    contract.backdating_limit_hours = 48
    contract.save()
    filed = phoned_in(contract, now="2026-09-16 10:00", reported="2026-09-15 09:59", reason="补录")
    assert local(filed.ticket.created_at) == "2026-09-15 09:59"


def test_the_hospitals_own_staff_may_not_file_on_its_behalf(demo):
    with pytest.raises(TicketError) as refused:
        phoned_in(demo["yn-his"], now="2026-09-15 09:32", reported=None, by="yn-it")
    assert refused.value.code == "forbidden"


def test_another_vendors_dispatcher_may_not_file_for_this_hospital(demo):
    with pytest.raises(TicketError) as refused:
        phoned_in(demo["yn-his"], now="2026-09-15 09:32", reported=None, by="sk-dispatcher")
    assert refused.value.code == "forbidden"


def test_a_caller_from_another_hospital_is_refused(demo):
    with pytest.raises(TicketError, match="郁南县人民医院的人员") as refused:
        phoned_in(demo["yn-his"], now="2026-09-15 09:32", reported=None, caller="zj-reporter")
    assert refused.value.code == "invalid"


def test_a_report_filed_by_the_reporter_is_entered_when_reported_through_the_portal(demo):
    contract = demo["yn-his"]
    ticket = services.report_ticket(
        contract=contract,
        system=contract.systems.first(),
        service_class=contract.service_classes.get(code="level-2"),
        title="检验报告打印慢",
        description="打印需要两分钟。",
        reporter=demo_user("yn-reporter"),
        contact_phone="13726380001",
        now=at("2026-09-15 10:00"),
    )
    assert ticket.channel == Channel.PORTAL
    assert ticket.entered_at == ticket.created_at == at("2026-09-15 10:00")
    assert ticket.entered_by is None and ticket.backdate_reason == ""


def test_a_naive_report_time_is_refused_rather_than_guessed(demo):
    contract = demo["yn-his"]
    with pytest.raises(TicketError, match="时区"):
        services.file_ticket(
            contract=contract,
            system=contract.systems.first(),
            service_class=contract.service_classes.get(code="level-1"),
            title="x",
            description="y",
            reporter=demo_user("yn-reporter"),
            contact_phone="13726380001",
            now=at("2026-09-15 10:00"),
            channel=Channel.PHONE,
            reported_at=dt.datetime(2026, 9, 15, 9, 50),
            entered_by=demo_user("ny-dispatcher"),
        )
