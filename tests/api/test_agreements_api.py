"""C3's committed-plan response and agreed on-site times, C4's change windows, C5's quota
and inspection findings, through the public API."""

from __future__ import annotations

import pytest

from contracts.models import Contract
from tests.api.conftest import file_via_api
from tests.factories import demo_user

pytestmark = pytest.mark.django_db


def act(client, ticket: dict, action: str, body: dict | None = None, expect: int = 200) -> dict:
    response = client.post(f"/api/v1/tickets/{ticket['id']}/{action}/", body or {}, format="json")
    assert response.status_code == expect, response.json()
    return response.json()


def test_c3_acknowledging_without_the_plan_answers_400_naming_the_note(api):
    ticket = file_via_api(api("yn-reporter"), "yn-his", level=2)
    refused = act(api("ny-engineer"), ticket, "acknowledge", {}, expect=400)
    assert (refused["code"], list(refused["fields"])) == ("plan_required", ["note"])
    done = act(api("ny-engineer"), ticket, "acknowledge", {"note": "已联系信息科，远程处理。"})
    assert done["state"] == "acknowledged"


def test_c3_an_appointment_is_proposed_confirmed_and_shown_with_its_provenance(api):
    ticket = file_via_api(api("yn-reporter"), "yn-his", level=3)
    act(api("ny-engineer"), ticket, "propose-appointment", {"at": "2026-09-17T14:30:00+08:00"})
    shown = act(api("yn-it"), ticket, "confirm-appointment")
    arrive = next(c for c in shown["clocks"] if c["name"] == "arrive")
    assert arrive["due_at"] == arrive["agreed_due_at"] == "2026-09-17T14:30:00+08:00"
    [appointment] = shown["appointments"]
    assert appointment["agreed_by"]["id"] == demo_user("yn-it").pk
    assert appointment["agreed_channel"] == "portal" and appointment["agreed_at"]


def test_c3_a_time_without_offset_is_refused(api):
    ticket = file_via_api(api("yn-reporter"), "yn-his", level=3)
    refused = act(
        api("ny-engineer"), ticket, "propose-appointment", {"at": "2026-09-17T14:30"}, expect=400
    )
    assert "at" in refused["fields"]


def test_c4_the_vendor_opens_a_change_and_hospital_it_approves_its_window(api):
    contract = Contract.objects.get(code="fd-internet")
    response = api("sk-engineer").post(
        "/api/v1/changes/",
        {
            "contract": "fd-internet",
            "system": contract.systems.first().pk,
            "title": "数字候诊大厅升级",
            "description": "叫号模块升级",
            "upgrade_plan": "停服 30 分钟升级",
            "rollback_plan": "回滚镜像",
            "window_starts_at": "2026-09-19T23:00:00+08:00",
            "window_ends_at": "2026-09-20T01:00:00+08:00",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    change = response.json()
    assert (change["state"], change["upgrade_plan"]) == ("awaiting_approval", "停服 30 分钟升级")
    approved = act(api("fd-it"), change, "approve-plan", {"note": "同意"})
    [window] = approved["change_windows"]
    assert window["agreed_by"]["id"] == demo_user("fd-it").pk
    refused = act(api("sk-engineer"), approved, "complete-change", {"note": "完成"}, expect=400)
    assert list(refused["fields"]) == ["outside_window_reason"]


def test_c4_another_vendors_engineer_cannot_open_a_change(api):
    contract = Contract.objects.get(code="fd-internet")
    response = api("ny-engineer").post(
        "/api/v1/changes/",
        {
            "contract": "fd-internet",
            "system": contract.systems.first().pk,
            "title": "x",
            "description": "x",
            "upgrade_plan": "x",
            "rollback_plan": "x",
            "window_starts_at": "2026-09-19T23:00:00+08:00",
            "window_ends_at": "2026-09-20T01:00:00+08:00",
        },
        format="json",
    )
    assert response.status_code == 400  # not a contract of theirs


def test_c5_the_quota_burn_down_is_in_the_api(api):
    answer = api("gz-it").get("/api/v1/contracts/gz-logistics/quota/")
    assert answer.status_code == 200
    body = answer.json()
    assert (body["quota"], body["running_low"], body["starts_on"]) == (15, False, "2026-01-01")
    assert len(body["months"]) == 9  # January to September 2026
    none = api("yn-it").get("/api/v1/contracts/yn-his/quota/").json()
    assert (none["quota"], none["remaining"], none["running_low"]) == (None, None, False)
