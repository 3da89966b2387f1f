"""代客报修 in the portal: the vendor's desk types in a fault the hospital phoned in, the
clocks count from the call, the hospital is told and follows it like its own; bad input
gets its message beside the field, everything typed kept, nothing filed."""

from __future__ import annotations

import pytest
import time_machine

from audit.models import AuditEntry
from contracts.models import Contract
from notifications.models import Notification
from tests.conftest import login
from tests.factories import demo_user
from tests.tickets.conftest import due, local
from tickets.models import Event, Ticket

pytestmark = pytest.mark.django_db

NOW = "2026-09-15 10:00 +08:00"
URL = "/contracts/yn-his/file-for-caller/"


@pytest.fixture
def desk(demo):
    with time_machine.travel(NOW, tick=False):
        yield login("ny-dispatcher")


def call_form(**fields) -> dict:
    """A level-1 fault yn-reporter (黄小梅) phoned in; `fields` override."""
    contract = Contract.objects.get(code="yn-his")
    return {
        "caller": demo_user("yn-reporter").pk,
        "caller_name": "",
        "caller_phone": "",
        "follower": demo_user("yn-it").pk,
        "channel": "phone",
        "reported_at": "2026-09-15T10:00",
        "minutes_ago": "",
        "backdate_reason": "",
        "system": contract.systems.first().pk,
        "service_class": contract.service_classes.get(level=1).pk,
        "title": "门诊挂号无法打开",
        "description": "门诊挂号窗口全部白屏。",
        "contact_phone": "",
        **fields,
    }


def filed(response) -> Ticket:
    assert response.status_code == 302, response.content.decode()[:3000]
    return Ticket.objects.get(number=response["Location"].rstrip("/").rsplit("/", 1)[-1])


def test_a_dispatcher_files_a_fault_phoned_in_20_minutes_ago_and_every_clock_counts_from_the_call(
    desk,
):
    ticket = filed(desk.post(URL, call_form(minutes_ago="20")))
    # yn-his level 1 (7×24): respond 30 min, on site 6 h, resolved 6 h, from the call.
    assert local(ticket.created_at) == "2026-09-15 09:40"
    assert local(ticket.entered_at) == "2026-09-15 10:00"
    assert due(ticket) == {
        "respond": "2026-09-15 10:10",
        "arrive": "2026-09-15 15:40",
        "resolve": "2026-09-15 15:40",
    }
    assert ticket.channel == "phone"
    assert ticket.reporter.username == "yn-reporter"
    assert ticket.entered_by.username == "ny-dispatcher"
    assert ticket.contact_phone == "13726380001"  # the caller's own phone


def test_the_hospitals_reporter_sees_it_in_their_list_and_was_told_at_once_with_its_link(desk):
    ticket = filed(desk.post(URL, call_form(minutes_ago="20")))
    assert ticket.number in login("yn-reporter").get("/tickets/").content.decode()
    told = Notification.objects.get(ticket=ticket, recipient__username="yn-reporter")
    assert "孙敏" in told.body and "2026-09-15 09:40" in told.body and "电话" in told.body
    assert told.body.endswith(f"/tickets/{ticket.number}/")
    assert Notification.objects.filter(ticket=ticket, recipient__username="yn-it").exists()


def test_the_hospitals_people_read_the_notice_in_their_own_language(desk):
    it = demo_user("yn-it")
    it.language = "en"
    it.save()
    ticket = filed(desk.post(URL, call_form(minutes_ago="20")))
    told = Notification.objects.get(ticket=ticket, recipient=it)
    assert told.subject.startswith(f"[{ticket.number}] Filed for you:")
    assert "filed this for you from 黄小梅's report by Phone at 2026-09-15 09:40" in told.body


def test_the_audit_and_the_timeline_show_who_typed_it_and_when(desk):
    ticket = filed(
        desk.post(URL, call_form(minutes_ago="45", backdate_reason="电话高峰，稍后录入"))
    )
    audit = AuditEntry.objects.get(action="tickets.ticket.reported", object_id=str(ticket.pk))
    assert audit.actor.username == "ny-dispatcher"
    assert audit.data["details"]["late_minutes"] == 45
    assert audit.data["details"]["reason"] == "电话高峰，稍后录入"
    event = Event.objects.get(ticket=ticket, action="tickets.ticket.reported")
    assert local(event.at) == "2026-09-15 09:15"

    page = login("yn-reporter").get(ticket.get_absolute_url()).content.decode()
    assert "报修渠道" in page and "电话" in page
    assert "录入人" in page and "孙敏" in page
    assert "2026-09-15 09:15" in page and "2026-09-15 10:00" in page
    assert "电话高峰，稍后录入" in page
    assert "录入了 黄小梅 的报修（电话）" in page  # the timeline's reported line
    assert "报修后 45 分钟" in page


def test_a_caller_without_an_account_is_named_and_hospital_it_follows_the_ticket(desk):
    ticket = filed(
        desk.post(
            URL,
            call_form(caller="", caller_name="门诊部 王护士长", caller_phone="13726389999"),
        )
    )
    # Nobody with an account reported it: hospital IT follows it, the caller is on record.
    assert ticket.reporter.username == "yn-it"
    assert ticket.caller_name == "门诊部 王护士长"
    assert ticket.contact_phone == "13726389999"
    page = login("yn-it").get(ticket.get_absolute_url()).content.decode()
    assert "来电人" in page and "门诊部 王护士长" in page and "院方跟进人" in page
    told = Notification.objects.get(ticket=ticket, recipient__username="yn-it")
    assert "门诊部 王护士长" in told.body and "院方由 李明 跟进" in told.body


def refused(client, fields: dict, *, field_message: str) -> str:
    response = client.post(URL, call_form(**fields))
    assert response.status_code == 200
    page = response.content.decode()
    assert field_message in page
    assert Ticket.objects.count() == 0
    # Everything typed is still there.
    assert "门诊挂号窗口全部白屏。" in page and 'value="门诊挂号无法打开"' in page
    return page


def test_a_report_time_past_the_contracts_limit_is_refused_on_the_form(desk):
    page = refused(
        desk,
        {"reported_at": "2026-09-14T09:00", "backdate_reason": "周末积压"},
        field_message="报修时间早于 24 小时前，超出本合同允许的追溯范围",
    )
    assert 'value="2026-09-14T09:00"' in page and 'value="周末积压"' in page


def test_a_report_time_in_the_future_is_refused_on_the_form(desk):
    page = refused(desk, {"reported_at": "2026-09-15T10:05"}, field_message="不能晚于现在")
    assert 'value="2026-09-15T10:05"' in page


def test_a_report_time_over_30_minutes_ago_without_a_reason_is_refused_beside_the_reason(desk):
    page = refused(desk, {"reported_at": "2026-09-15T09:20"}, field_message="请说明为何现在才录入")
    reason_field = page.index('name="backdate_reason"')
    assert page.index("请说明为何现在才录入", reason_field) > reason_field


def test_a_caller_from_another_hospital_is_refused_on_the_form(desk):
    refused(
        desk, {"caller": demo_user("cd-reporter").pk}, field_message="请从本医院的人员中选择来电人"
    )


def test_a_caller_neither_picked_nor_typed_is_refused_on_the_form(desk):
    refused(
        desk,
        {"caller": "", "caller_name": "王护士长", "caller_phone": ""},
        field_message="请从医院人员中选择来电人，或填写其姓名和电话",
    )


def test_the_form_offers_the_hospitals_people_and_the_contracts_levels(desk):
    page = desk.get(URL).content.decode()
    assert "黄小梅" in page and "李明" in page
    assert "王晓燕" not in page  # cd-reporter: another hospital
    assert "本项目现有的系统瘫痪" in page  # the contract's own level definition
    assert "本合同接受最早 24 小时前的报修时间" in page
    assert 'value="2026-09-15T10:00"' in page  # reported now, by default


def test_the_queue_the_dispatch_board_and_the_header_link_to_the_form(desk):
    for page in ("/queue/", "/dispatch/"):
        assert 'href="/tickets/file-for-caller/"' in desk.get(page).content.decode()
    chooser = desk.get("/tickets/file-for-caller/").content.decode()
    assert URL in chooser and "/contracts/cd-nutrition/" not in chooser


def test_hospital_staff_cannot_file_for_a_caller(demo):
    with time_machine.travel(NOW, tick=False):
        response = login("yn-it").post(URL, call_form())
    # Not a page for the hospital: the same 403 as every page not for a role.
    assert response.status_code == 403 and Ticket.objects.count() == 0
    assert (
        'href="/tickets/file-for-caller/"' not in login("yn-it").get("/tickets/").content.decode()
    )


def test_the_contracts_limit_is_set_in_the_admin_and_the_form_keeps_to_it(desk):
    contract = Contract.objects.get(code="yn-his")
    admin_page = login("admin").get(f"/admin/contracts/contract/{contract.pk}/change/")
    assert 'name="backdating_limit_hours"' in admin_page.content.decode()
    contract.backdating_limit_hours = 2
    contract.save()
    assert "本合同接受最早 2 小时前的报修时间" in desk.get(URL).content.decode()
    refused(
        desk,
        {"reported_at": "2026-09-15T07:30", "backdate_reason": "夜班交接"},
        field_message="报修时间早于 2 小时前",
    )
