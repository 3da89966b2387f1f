"""Every ticket action through the API, with the same rules as the portal."""

from __future__ import annotations

import pytest

from contracts.models import ServiceClass, TicketKind
from tests.api.conftest import file_level1, file_via_api
from tests.factories import demo_user
from tests.tickets.conftest import at
from tickets.models import Event, TicketClock

pytestmark = pytest.mark.django_db


def act(client, ticket: dict, action: str, body: dict | None = None, expect: int = 200) -> dict:
    response = client.post(f"/api/v1/tickets/{ticket['id']}/{action}/", body or {}, format="json")
    assert response.status_code == expect, response.json()
    return response.json()


def clock(ticket: dict, name: str) -> dict:
    return next(c for c in ticket["clocks"] if c["name"] == name)


def test_a_level1_fault_goes_from_report_to_closed_through_the_api(api):
    reporter, dispatcher, engineer = api("yn-reporter"), api("ny-dispatcher"), api("ny-engineer")
    ticket = file_level1(reporter)

    ticket = act(engineer, ticket, "acknowledge", {"note": "已电话联系"})
    assert ticket["state"] == "acknowledged"
    assert clock(ticket, "respond")["met_at"] is not None

    engineer_id = demo_user("ny-engineer").pk
    ticket = act(dispatcher, ticket, "assign", {"engineer": engineer_id})
    assert (ticket["state"], ticket["assignee"]["id"]) == ("dispatched", engineer_id)

    ticket = act(engineer, ticket, "arrive")
    assert ticket["state"] == "on_site" and ticket["arrived_at"]

    # The vendor asks; the clocks pause only when the hospital (here its reporter) agrees.
    ticket = act(engineer, ticket, "hold", {"reason": "hospital", "note": "等待医院重启服务器"})
    assert ticket["state"] == "on_site"
    assert ticket["consents"][0]["state"] == "pending"
    granted = reporter.post(
        f"/api/v1/tickets/{ticket['id']}/consents/{ticket['consents'][0]['id']}/grant/",
        {},
        format="json",
    )
    assert granted.status_code == 200, granted.json()
    ticket = reporter.get(f"/api/v1/tickets/{ticket['id']}/").json()
    assert ticket["state"] == "on_hold"
    assert clock(ticket, "resolve")["paused"] is True

    ticket = act(engineer, ticket, "resume")
    assert ticket["state"] == "on_site"
    assert clock(ticket, "resolve")["paused"] is False

    ticket = act(engineer, ticket, "resolve", {"note": "重建索引后恢复"})
    assert ticket["state"] == "resolved"
    assert clock(ticket, "resolve")["met_at"] is not None

    ticket = act(reporter, ticket, "confirm", {"satisfaction": 5, "comment": "很及时"})
    assert (ticket["state"], ticket["satisfaction"]) == ("closed", 5)

    ticket = act(reporter, ticket, "reopen", {"note": "又出现了"})
    assert ticket["state"] == "acknowledged"
    actions = [event["action"] for event in ticket["timeline"]]
    assert actions[0] == "tickets.ticket.reported"
    assert actions.count("tickets.ticket.reopen") == 1


def test_cancel_withdraws_a_new_ticket(api):
    reporter = api("yn-reporter")
    ticket = act(reporter, file_level1(reporter), "cancel", {"note": "误报"})
    assert ticket["state"] == "cancelled"
    assert all(c["due_at"] is None for c in ticket["clocks"] if c["met_at"] is None)


def test_change_level_gives_running_clocks_the_new_targets(api):
    ticket = file_level1(api("yn-reporter"), level=3)
    assert clock(ticket, "respond")["target_minutes"] == 120
    ticket = act(api("yn-it"), ticket, "change-level", {"level": 1, "note": "全院收费停摆"})
    assert ticket["level"] == 1
    assert clock(ticket, "respond")["target_minutes"] == 30
    assert clock(ticket, "resolve")["target_minutes"] == 6 * 60


def test_a_forbidden_transition_is_a_409_with_the_reason(api):
    reporter = api("yn-reporter")
    ticket = file_level1(reporter)
    body = act(reporter, ticket, "confirm", {"satisfaction": 4}, expect=409)
    assert body["code"] == "invalid_transition"
    assert "cannot be" in body["message"]


def test_a_role_that_may_not_act_gets_a_403_with_the_reason(api):
    reporter = api("yn-reporter")
    ticket = file_level1(reporter)
    body = act(reporter, ticket, "acknowledge", {"note": "已联系院方，承诺处理方案。"}, expect=403)
    assert body["code"] == "forbidden"
    assert body["message"] == "You may not acknowledge this ticket."


def test_the_reason_is_in_chinese_for_a_chinese_caller(api):
    ticket = file_level1(api("yn-reporter"))
    body = act(
        api("yn-reporter", language="zh-hans"),
        ticket,
        "acknowledge",
        {"note": "已联系院方，承诺处理方案。"},
        expect=403,
    )
    assert body["message"] == "您无权对此工单执行“受理”操作。"


def test_a_hold_without_the_hospitals_consent_is_refused(api):
    engineer = api("ny-engineer")
    ticket = act(
        engineer,
        file_level1(api("yn-reporter")),
        "acknowledge",
        {"note": "已联系院方，承诺处理方案。"},
    )
    # Recorded as given by phone, but naming nobody at the hospital.
    body = act(
        engineer, ticket, "hold", {"reason": "hospital", "consent_channel": "phone"}, expect=400
    )
    assert body["code"] == "consent_required"


def test_resolve_needs_a_note(api):
    engineer = api("ny-engineer")
    ticket = act(
        engineer,
        file_level1(api("yn-reporter")),
        "acknowledge",
        {"note": "已联系院方，承诺处理方案。"},
    )
    body = act(engineer, ticket, "resolve", {}, expect=400)
    assert "note" in body["fields"]


def test_assigning_someone_who_is_not_the_vendors_engineer_is_refused(api):
    ticket = file_level1(api("yn-reporter"))
    body = act(
        api("ny-dispatcher"), ticket, "assign", {"engineer": demo_user("yn-it").pk}, expect=400
    )
    assert body["code"] == "invalid"


def test_an_extension_with_consent_moves_the_deadline_within_the_contracts_cap(api):
    # C1 (cd-nutrition), level 3: resolve within 60 minutes, extendable by at most 60.
    ticket = file_via_api(api("cd-reporter"), "cd-nutrition", level=3)
    engineer = api("rk-engineer")
    ticket = act(engineer, ticket, "acknowledge", {"note": "已联系院方，承诺处理方案。"})
    before = clock(ticket, "resolve")["due_at"]
    body = {
        "clock": "resolve",
        "minutes": 30,
        "reason": "等待备件",
        "consent_channel": "phone",
        "consent_person": demo_user("cd-it").pk,
    }
    ticket = act(engineer, ticket, "extend", body)
    assert clock(ticket, "resolve")["extension_minutes"] == 30
    assert clock(ticket, "resolve")["due_at"] > before
    refused = act(engineer, ticket, "extend", {**body, "minutes": 31}, expect=409)
    assert refused["code"] == "extension_too_long"


def test_a_change_request_goes_through_plan_approval(api):
    # C4 (fd-internet) has a change row: plans approved by hospital IT before the work.
    change = ServiceClass.objects.get(contract__code="fd-internet", kind=TicketKind.CHANGE)
    ticket = file_via_api(
        api("fd-reporter"),
        "fd-internet",
        service_class=change.code,
        title="升级物资接口",
        description="升级 HRP 物资接口到新版本",
    )
    engineer, hospital_it = api("sk-engineer"), api("fd-it")
    ticket = act(engineer, ticket, "acknowledge", {"note": "已联系院方，承诺处理方案。"})
    plans = {
        "upgrade_plan": "先备份后升级",
        "rollback_plan": "还原备份",
        "window_starts_at": "2026-09-15T09:00:00+08:00",
        "window_ends_at": "2026-09-15T23:00:00+08:00",
    }
    ticket = act(engineer, ticket, "submit-plan", plans)
    assert ticket["state"] == "awaiting_approval"
    ticket = act(hospital_it, ticket, "reject-plan", {"note": "请补充停机时间"})
    assert ticket["state"] == "acknowledged"
    ticket = act(engineer, ticket, "submit-plan", {**plans, "upgrade_plan": "周日凌晨升级"})
    ticket = act(hospital_it, ticket, "approve-plan")
    assert ticket["state"] == "approved"
    ticket = act(engineer, ticket, "complete-change", {"note": "升级完成"})
    assert ticket["state"] == "done"


def test_an_action_on_an_unknown_ticket_is_404(api):
    response = api("ny-engineer").post(
        "/api/v1/tickets/999999/acknowledge/", {"note": "已联系院方，承诺处理方案。"}, format="json"
    )
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_resolve_may_name_the_cause_which_the_ticket_keeps(api):
    from tickets.models import Ticket

    engineer = api("ny-engineer")
    ticket = act(
        engineer,
        file_level1(api("yn-reporter")),
        "acknowledge",
        {"note": "已联系院方，承诺处理方案。"},
    )
    body = act(engineer, ticket, "resolve", {"note": "换网线", "cause": "cabling"}, expect=400)
    assert "cause" in body["fields"]  # not one of the causes
    act(engineer, ticket, "resolve", {"note": "更换交换机端口", "cause": "network"})
    assert Ticket.objects.get(number=ticket["number"]).resolution_cause == "network"


def test_resolve_without_a_cause_leaves_it_unrecorded(api):
    from tickets.models import Ticket

    engineer = api("ny-engineer")
    ticket = act(
        engineer,
        file_level1(api("yn-reporter")),
        "acknowledge",
        {"note": "已联系院方，承诺处理方案。"},
    )
    act(engineer, ticket, "resolve", {"note": "重启服务"})
    assert Ticket.objects.get(number=ticket["number"]).resolution_cause == ""


def test_the_api_sets_the_reason_as_an_action_on_the_ticket(api):
    reporter, engineer = api("yn-reporter"), api("ny-engineer")
    ticket = file_level1(reporter)
    TicketClock.objects.filter(ticket_id=ticket["id"], name="respond").update(
        due_at=at("2026-01-01 08:00")
    )
    url = f"/api/v1/tickets/{ticket['id']}/breach-reason/"
    response = engineer.post(
        url, {"clock": "respond", "reason": "夜间值班人员未及时查看"}, format="json"
    )
    assert response.status_code == 200, response.json()
    clock = next(c for c in response.json()["clocks"] if c["name"] == "respond")
    assert clock["breach_reason"] == "夜间值班人员未及时查看"
    refused = reporter.post(url, {"clock": "respond", "reason": "x"}, format="json")
    assert refused.status_code == 403
    missing = engineer.post(url, {"clock": "respond"}, format="json")
    assert missing.status_code == 400


def test_resolve_records_the_prevention_measure_the_service_report_tells(api):
    engineer = api("ny-engineer")
    ticket = act(engineer, file_level1(api("yn-reporter")), "acknowledge", {"note": "已电话联系"})
    act(
        engineer,
        ticket,
        "resolve",
        {"note": "扩容表空间", "cause": "configuration", "prevention": "表空间使用率纳入每日巡检"},
    )
    resolved = Event.objects.get(ticket_id=ticket["id"], action="tickets.ticket.resolve")
    assert resolved.data["prevention"] == "表空间使用率纳入每日巡检"
