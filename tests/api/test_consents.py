"""The hospital's consent through the API: holds pause "with consent", granted or refused by
the hospital's reporter or IT; a consent recorded by the vendor is shown with who agreed, how
and when, and may be disputed within the contract's window."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.api.conftest import file_level1, file_via_api
from tests.factories import demo_user

pytestmark = pytest.mark.django_db


def post(client, path: str, body: dict | None = None, expect: int = 200) -> dict:
    response = client.post(f"/api/v1/{path}", body or {}, format="json")
    assert response.status_code == expect, response.json()
    return response.json()


def working_ticket(api) -> dict:
    engineer = api("ny-engineer")
    ticket = file_level1(api("yn-reporter"))
    return post(
        engineer, f"tickets/{ticket['id']}/acknowledge/", {"note": "已联系院方，承诺处理方案。"}
    )


def test_holds_pause_with_consent_the_hospital_grants_the_vendors_request_by_the_api(api):
    ticket = working_ticket(api)
    engineer, hospital_it = api("ny-engineer"), api("yn-it")
    ticket = post(engineer, f"tickets/{ticket['id']}/hold/", {"reason": "parts", "note": "等硬盘"})
    assert ticket["state"] == "acknowledged"
    asked = ticket["consents"][0]
    assert (asked["kind"], asked["state"], asked["reason"]) == ("hold", "pending", "parts")

    listed = hospital_it.get(f"/api/v1/tickets/{ticket['id']}/consents/").json()
    assert [c["id"] for c in listed] == [asked["id"]]
    granted = post(hospital_it, f"tickets/{ticket['id']}/consents/{asked['id']}/grant/")
    assert (granted["state"], granted["channel"]) == ("granted", "api")
    assert granted["decided_by"]["id"] == demo_user("yn-it").pk
    assert granted["agreed_by"] == "李明" and granted["decided_at"]

    detail = hospital_it.get(f"/api/v1/tickets/{ticket['id']}/").json()
    assert detail["state"] == "on_hold"
    assert all(c["paused"] for c in detail["clocks"] if c["met_at"] is None)
    # Answered once: a second answer is a conflict.
    again = post(
        hospital_it,
        f"tickets/{ticket['id']}/consents/{asked['id']}/refuse/",
        {"reason": "改变主意"},
        expect=409,
    )
    assert again["code"] == "consent_decided"


def test_a_refusal_says_why_and_leaves_the_ticket_working(api):
    ticket = working_ticket(api)
    ticket = post(api("ny-engineer"), f"tickets/{ticket['id']}/hold/", {"reason": "hospital"})
    cid = ticket["consents"][0]["id"]
    reporter = api("yn-reporter")
    missing = post(reporter, f"tickets/{ticket['id']}/consents/{cid}/refuse/", expect=400)
    assert missing["code"] == "note_required"
    refused = post(
        reporter, f"tickets/{ticket['id']}/consents/{cid}/refuse/", {"reason": "门诊正在高峰"}
    )
    assert (refused["state"], refused["refusal_reason"]) == ("refused", "门诊正在高峰")
    assert reporter.get(f"/api/v1/tickets/{ticket['id']}/").json()["state"] == "acknowledged"


def test_the_vendor_cannot_answer_for_the_hospital(api):
    ticket = working_ticket(api)
    engineer = api("ny-engineer")
    ticket = post(engineer, f"tickets/{ticket['id']}/hold/", {"reason": "hospital"})
    cid = ticket["consents"][0]["id"]
    body = post(engineer, f"tickets/{ticket['id']}/consents/{cid}/grant/", expect=403)
    assert body["code"] == "forbidden"


def test_another_hospitals_consent_is_not_found(api):
    ticket = working_ticket(api)
    ticket = post(api("ny-engineer"), f"tickets/{ticket['id']}/hold/", {"reason": "hospital"})
    cid = ticket["consents"][0]["id"]
    post(api("zj-it"), f"tickets/{ticket['id']}/consents/{cid}/grant/", expect=404)
    assert api("zj-it").get(f"/api/v1/tickets/{ticket['id']}/consents/").status_code == 404


def test_a_phone_consent_recorded_by_the_vendor_shows_who_agreed_and_can_be_disputed(api, frozen):
    ticket = working_ticket(api)
    frozen.shift(dt.timedelta(minutes=10))  # the engineer called, and records it afterwards
    engineer = api("ny-engineer")
    agreed_at = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=1)
    ticket = post(
        engineer,
        f"tickets/{ticket['id']}/hold/",
        {
            "reason": "hospital",
            "consent_channel": "phone",
            "consent_person": demo_user("yn-reporter").pk,
            "consent_at": agreed_at.isoformat(),
        },
    )
    recorded = ticket["consents"][0]
    assert ticket["state"] == "on_hold"
    assert (recorded["channel"], recorded["agreed_by"]) == ("phone", "黄小梅")
    assert recorded["recorded_by"]["id"] == demo_user("ny-engineer").pk
    assert dt.datetime.fromisoformat(recorded["decided_at"]) == agreed_at
    until = dt.datetime.fromisoformat(recorded["dispute_until"])
    assert until - dt.datetime.fromisoformat(recorded["recorded_at"]) == dt.timedelta(hours=48)

    disputed = post(
        api("yn-reporter"),
        f"tickets/{ticket['id']}/consents/{recorded['id']}/dispute/",
        {"reason": "我没有同意"},
    )
    assert disputed["state"] == "disputed"
    after = engineer.get(f"/api/v1/tickets/{ticket['id']}/").json()
    assert after["state"] == "acknowledged"
    assert "tickets.consent.disputed" in [line["action"] for line in after["timeline"]]


def test_a_consent_time_still_to_come_is_refused_with_the_field_named(api):
    ticket = working_ticket(api)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    body = post(
        api("ny-engineer"),
        f"tickets/{ticket['id']}/hold/",
        {
            "reason": "hospital",
            "consent_channel": "phone",
            "consent_person": demo_user("yn-it").pk,
            "consent_at": later.isoformat(),
        },
        expect=400,
    )
    assert body["code"] == "consent_in_future" and "consent_at" in body["fields"]


def test_the_contract_shows_its_dispute_window(api):
    contract = api("yn-it").get("/api/v1/contracts/?code=yn-his").json()
    rows = contract["results"] if isinstance(contract, dict) else contract
    assert rows[0]["consent_dispute_hours"] == 48


def test_c4_restart_only_with_the_hospitals_consent_is_asked_by_the_api(api):
    ticket = file_via_api(api("fd-reporter"), "fd-internet", level=2)
    engineer = api("sk-engineer")
    post(engineer, f"tickets/{ticket['id']}/acknowledge/")
    missing = post(engineer, f"tickets/{ticket['id']}/restart/", {}, expect=400)
    assert "note" in missing["fields"]
    ticket = post(engineer, f"tickets/{ticket['id']}/restart/", {"note": "今晚 22:00 重启支付网关"})
    asked = ticket["consents"][0]
    assert (asked["kind"], asked["state"]) == ("restart", "pending")
    granted = post(api("fd-it"), f"tickets/{ticket['id']}/consents/{asked['id']}/grant/")
    assert granted["state"] == "granted"
