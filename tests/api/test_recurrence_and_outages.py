"""C4's recurrence rule and C5's outages through the public API only."""

from __future__ import annotations

import pytest

from contracts.models import Contract
from tests.api.conftest import file_via_api
from tests.tickets.conftest import local

pytestmark = pytest.mark.django_db


def act(client, ticket: dict, action: str, body: dict, expect: int = 200) -> dict:
    response = client.post(f"/api/v1/tickets/{ticket['id']}/{action}/", body, format="json")
    assert response.status_code == expect, response.json()
    return response.json()


def clock(ticket: dict, name: str) -> dict:
    return next(c for c in ticket["clocks"] if c["name"] == name)


def moment(text: str | None) -> str | None:
    from django.utils.dateparse import parse_datetime

    return local(parse_datetime(text)) if text else None


def test_c4_third_level2_fault_within_90_days_filed_and_linked_through_the_api_is_level1(
    api, frozen
):
    reporter, it = api("fd-reporter"), api("fd-it")
    title = "扫码付无法完成支付"
    frozen.move_to("2026-07-20 10:00 +08:00")
    first = file_via_api(reporter, "fd-internet", level=2, title=title)
    frozen.move_to("2026-08-25 15:00 +08:00")
    second = file_via_api(reporter, "fd-internet", level=2, title="扫码付又无法支付")
    second = act(it, second, "link-recurrence", {"of": first["number"]})
    assert second["level"] == 2 and second["recurrence_of"] == first["number"]

    frozen.move_to("2026-09-15 10:00 +08:00")
    third = file_via_api(
        reporter, "fd-internet", level=2, title=title, reported_at="2026-09-15T09:40:00+08:00"
    )
    suggested = it.get(f"/api/v1/tickets/{third['id']}/recurrence-candidates/").json()
    assert suggested["recurrence_of"] is None
    assert [c["number"] for c in suggested["candidates"]] == [first["number"]]
    assert suggested["candidates"][0]["occurrences"] == 2

    third = act(it, third, "link-recurrence", {"of": suggested["candidates"][0]["id"]})

    assert third["level"] == 1 and third["recurrence_of"] == first["number"]
    assert moment(third["reported_at"]) == "2026-09-15 09:40"
    assert moment(clock(third, "respond")["due_at"]) == "2026-09-15 10:40"
    assert moment(clock(third, "resolve")["due_at"]) == "2026-09-16 09:40"
    actions = [line["action"] for line in third["timeline"]]
    assert actions.index("tickets.ticket.marked_recurrence") < actions.index(
        "tickets.ticket.level_changed"
    )


def test_recurrence_links_are_refused_to_reporters_and_for_unknown_tickets(api):
    reporter, engineer = api("fd-reporter"), api("sk-engineer")
    first = file_via_api(reporter, "fd-internet", level=2)
    second = file_via_api(reporter, "fd-internet", level=2)
    assert reporter.get(f"/api/v1/tickets/{second['id']}/recurrence-candidates/").status_code == 403
    refused = reporter.post(
        f"/api/v1/tickets/{second['id']}/link-recurrence/", {"of": first["number"]}, format="json"
    )
    assert refused.status_code == 403
    unknown = engineer.post(
        f"/api/v1/tickets/{second['id']}/link-recurrence/", {"of": "FD-2099-99999"}, format="json"
    )
    assert unknown.status_code == 400 and "of" in unknown.json()["fields"]


def test_unlinking_through_the_api_needs_a_reason(api):
    reporter, engineer = api("fd-reporter"), api("sk-engineer")
    first = file_via_api(reporter, "fd-internet", level=2)
    second = file_via_api(reporter, "fd-internet", level=2)
    act(engineer, second, "link-recurrence", {"of": first["number"]})
    act(engineer, second, "unlink-recurrence", {}, expect=400)
    second = act(engineer, second, "unlink-recurrence", {"reason": "不同原因"})
    assert second["recurrence_of"] is None


def test_c5_outages_of_a_level1_fault_through_the_api(api, frozen):
    reporter, engineer, it = api("gz-reporter"), api("ny-engineer"), api("gz-it")
    ticket = file_via_api(reporter, "gz-logistics", level=1, title="物流平台宕机")
    spans = engineer.get(f"/api/v1/tickets/{ticket['id']}/outages/").json()
    assert len(spans) == 1 and spans[0]["ended_at"] is None and spans[0]["recorded_by"] is None
    assert moment(spans[0]["started_at"]) == "2026-09-15 10:00"

    frozen.move_to("2026-09-15 11:00 +08:00")
    act(
        it,
        ticket,
        "correct-outage",
        {
            "outage": spans[0]["id"],
            "started_at": "2026-09-15T09:45:00+08:00",
            "ended_at": None,
            "partial": False,
            "reason": "监控 09:45 告警",
        },
    )
    act(
        engineer,
        ticket,
        "record-outage",
        {
            "started_at": "2026-09-15T10:30:00+08:00",
            "ended_at": "2026-09-15T10:50:00+08:00",
            "partial": True,
            "note": "BI 统计缓慢",
        },
    )
    act(engineer, ticket, "acknowledge", {"note": ""})
    resolved = act(
        engineer,
        ticket,
        "resolve",
        {"note": "重启服务", "outage_ended_at": "2026-09-15T10:45:00+08:00"},
    )
    assert "tickets.ticket.outage_closed" in [line["action"] for line in resolved["timeline"]]

    year = it.get("/api/v1/contracts/gz-logistics/outages/?year=2026").json()
    assert year["downtime_hours"] == "1.00"  # 09:45–10:45
    assert year["degraded_hours"] == "0.33"  # 10:30–10:50, not downtime
    assert year["allowed_hours"] == "8.00" and year["remaining_hours"] == "7.00"
    assert year["within_target"] is True
    assert [(o["partial"], o["minutes"]) for o in year["outages"]] == [(False, 60), (True, 20)]


def test_c5_outage_times_need_their_offset_and_reporters_may_not_record_them(api):
    reporter, engineer = api("gz-reporter"), api("ny-engineer")
    ticket = file_via_api(reporter, "gz-logistics", level=1)
    naive = engineer.post(
        f"/api/v1/tickets/{ticket['id']}/record-outage/",
        {"started_at": "2026-09-15T09:00:00", "partial": True},
        format="json",
    )
    assert naive.status_code == 400 and "started_at" in naive.json()["fields"]
    refused = reporter.post(
        f"/api/v1/tickets/{ticket['id']}/record-outage/",
        {"started_at": "2026-09-15T09:00:00+08:00", "partial": True},
        format="json",
    )
    assert refused.status_code == 403


def test_a_contracts_outages_are_for_vendor_staff_and_hospital_it(api):
    assert api("gz-reporter").get("/api/v1/contracts/gz-logistics/outages/").status_code == 403
    assert api("ny-manager").get("/api/v1/contracts/gz-logistics/outages/").status_code == 200
    assert api("gz-it").get("/api/v1/contracts/fd-internet/outages/").status_code == 404
    assert Contract.objects.filter(code="fd-internet").exists()
