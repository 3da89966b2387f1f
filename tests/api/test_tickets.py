"""Filing, reading, listing and correcting tickets through the API."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from contracts.models import Contract
from tests.api.conftest import file_level1
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_filing_a_level1_fault_returns_the_ticket_with_its_clocks(api):
    ticket = file_level1(api("yn-reporter"))
    assert ticket["number"].startswith("YN-2026-")
    assert (ticket["kind"], ticket["level"], ticket["state"]) == ("fault", 1, "new")
    assert ticket["contract"] == "yn-his"
    assert {clock["name"] for clock in ticket["clocks"]} >= {"respond", "resolve"}
    respond = next(clock for clock in ticket["clocks"] if clock["name"] == "respond")
    assert respond["target_minutes"] > 0
    assert respond["started_at"] and respond["due_at"] and respond["met_at"] is None
    assert respond["paused"] is False and respond["breached"] is False
    assert ticket["timeline"][0]["action"] == "tickets.ticket.reported"


def test_a_retried_create_with_the_same_idempotency_key_files_one_ticket(api):
    client = api("yn-reporter")
    client.credentials(
        HTTP_AUTHORIZATION=client._credentials["HTTP_AUTHORIZATION"],
        HTTP_IDEMPOTENCY_KEY="5f0c1e1e-retry-1",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    first = file_level1(client)
    retry = client.post(
        "/api/v1/tickets/",
        {
            "contract": "yn-his",
            "system": first["system"]["id"],
            "level": 1,
            "title": "门诊收费系统无法登录",
            "description": "门诊收费窗口全部无法登录 HIS。",
            "contact_phone": "13726380001",
        },
        format="json",
    )
    assert retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json()["id"] == first["id"]
    assert Ticket.objects.count() == 1


def test_an_idempotency_key_reused_for_another_body_is_refused(api):
    client = api("yn-reporter")
    client.credentials(
        HTTP_AUTHORIZATION=client._credentials["HTTP_AUTHORIZATION"],
        HTTP_IDEMPOTENCY_KEY="same-key",
    )
    file_level1(client)
    other = client.post(
        "/api/v1/tickets/",
        {
            "contract": "yn-his",
            "system": 1,
            "level": 2,
            "title": "x",
            "description": "y",
            "contact_phone": "13726380001",
        },
        format="json",
    )
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert Ticket.objects.count() == 1


def test_a_failed_create_does_not_use_up_its_idempotency_key(api):
    client = api("yn-reporter")
    client.credentials(
        HTTP_AUTHORIZATION=client._credentials["HTTP_AUTHORIZATION"], HTTP_IDEMPOTENCY_KEY="k-1"
    )
    bad = client.post("/api/v1/tickets/", {"contract": "yn-his"}, format="json")
    assert bad.status_code == 400
    file_level1(client)
    assert Ticket.objects.count() == 1


def test_bad_input_gets_field_errors_in_the_callers_language(api):
    chinese = api("yn-reporter", language="zh-hans")
    response = chinese.post("/api/v1/tickets/", {"contract": "yn-his", "level": 1}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["fields"]) >= {"system", "title", "description", "contact_phone"}
    assert body["fields"]["title"] == ["该字段是必填项。"]

    english = api("yn-reporter")
    another_hospitals_system = Contract.objects.get(code="cd-nutrition").systems.first().pk
    response = english.post(
        "/api/v1/tickets/",
        {
            "contract": "yn-his",
            "system": another_hospitals_system,
            "level": 7,
            "title": "t",
            "description": "d",
            "contact_phone": "13726380001",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "system" in response.json()["fields"] or "level" in response.json()["fields"]
    assert response.json()["fields"] == {
        "system": ["This contract's hospital has no system with this id."]
    }


def test_an_undefined_level_is_refused_with_a_message(api):
    contract = Contract.objects.get(code="yn-his")
    response = api("yn-reporter").post(
        "/api/v1/tickets/",
        {
            "contract": "yn-his",
            "system": contract.systems.first().pk,
            "level": 9,
            "title": "t",
            "description": "d",
            "contact_phone": "13726380001",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["fields"]["level"] == ["The contract defines no such fault level."]


def test_malformed_json_is_a_400_not_a_500(api):
    response = api("yn-reporter").post(
        "/api/v1/tickets/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_a_vendor_files_for_the_hospital_only_naming_who_at_the_hospital_reported_it(api):
    contract = Contract.objects.get(code="yn-his")
    response = api("ny-engineer").post(
        "/api/v1/tickets/",
        {
            "contract": "yn-his",
            "system": contract.systems.first().pk,
            "level": 2,
            "title": "t",
            "description": "d",
            "contact_phone": "13726380001",
        },
        format="json",
    )
    # tests/api/test_filing_for_caller.py: with `caller`, the vendor's desk files for them.
    assert response.status_code == 400
    assert "caller" in response.json()["fields"]
    assert not Ticket.objects.exists()


def test_the_list_filters_by_state_level_and_contract(api):
    reporter = api("yn-reporter")
    first = file_level1(reporter)
    file_level1(reporter, level=3, title="打印机不出纸")
    engineer = api("ny-engineer")
    engineer.post(
        f"/api/v1/tickets/{first['id']}/acknowledge/",
        {"note": "已联系院方，承诺处理方案。"},
        format="json",
    )

    def numbers(query: str) -> list[str]:
        response = engineer.get(f"/api/v1/tickets/?{query}")
        assert response.status_code == 200, response.json()
        return [row["number"] for row in response.json()["results"]]

    assert numbers("state=acknowledged") == [first["number"]]
    assert len(numbers("state=new,acknowledged")) == 2
    assert numbers("level=1") == [first["number"]]
    assert len(numbers("contract=yn-his")) == 2
    assert numbers("contract=cd-nutrition") == []
    assert numbers("open=false") == []
    assert len(numbers("breached=false")) == 2


def test_the_list_comes_nearest_deadline_first_and_pages_by_cursor(api):
    reporter = api("yn-reporter")
    low = file_level1(reporter, level=3, title="三级")
    high = file_level1(reporter, level=1, title="一级")
    middle = file_level1(reporter, level=2, title="二级")
    client = api("ny-dispatcher")
    page = client.get("/api/v1/tickets/?page_size=2").json()
    assert [row["id"] for row in page["results"]] == [high["id"], middle["id"]]
    assert page["next"]
    rest = client.get(page["next"]).json()
    assert [row["id"] for row in rest["results"]] == [low["id"]]
    assert rest["next"] is None


def test_due_before_keeps_only_tickets_due_sooner(api):
    reporter = api("yn-reporter")
    high = file_level1(reporter, level=1)
    file_level1(reporter, level=4, title="咨询")
    due = high["next_due_at"]
    response = api("ny-dispatcher").get("/api/v1/tickets/", {"due_before": due[:19] + "+08:00"})
    ids = [row["id"] for row in response.json()["results"]]
    assert high["id"] not in ids  # due exactly then is not "before"
    response = api("ny-dispatcher").get("/api/v1/tickets/", {"due_after": due})
    assert high["id"] in [row["id"] for row in response.json()["results"]]


def test_a_bad_filter_or_cursor_is_a_400_with_the_field_named(api):
    client = api("ny-dispatcher")
    for query, field in [
        ("state=lost", "state"),
        ("cursor=%%%", "cursor"),
        ("cursor=eyJ2IjpudWxsLCJpZCI6MWU5OTl9", "cursor"),  # {"v":null,"id":1e999}: overflow
        ("ordering=title", "ordering"),
        ("due_before=yesterday", "due_before"),
        ("assignee=bob", "assignee"),
    ]:
        response = client.get(f"/api/v1/tickets/?{query}")
        assert response.status_code == 400, query
        assert field in response.json()["fields"], query


def test_the_reporter_corrects_the_description_and_the_timeline_keeps_the_old_one(api):
    client = api("yn-reporter")
    ticket = file_level1(client)
    response = client.patch(
        f"/api/v1/tickets/{ticket['id']}/", {"description": "仅 3 号窗口无法登录。"}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["description"] == "仅 3 号窗口无法登录。"
    edit = body["timeline"][-1]
    assert edit["action"] == "tickets.ticket.edited"
    assert edit["data"]["before"]["description"] == "门诊收费窗口全部无法登录 HIS。"


def test_an_engineer_may_not_rewrite_what_the_hospital_reported(api):
    ticket = file_level1(api("yn-reporter"))
    response = api("ny-engineer").patch(
        f"/api/v1/tickets/{ticket['id']}/", {"title": "别的"}, format="json"
    )
    assert response.status_code == 403


@pytest.mark.django_db(transaction=True)
def test_two_retries_racing_with_one_idempotency_key_file_one_ticket(demo, frozen):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent inserts against a unique index need PostgreSQL")
    from tests.api.conftest import token_client

    client_headers = token_client("yn-reporter")._credentials
    system = Contract.objects.get(code="yn-his").systems.first().pk
    start = threading.Barrier(2)
    answers: list = []

    def retry() -> None:
        try:
            client = APIClient()
            client.credentials(**client_headers, HTTP_IDEMPOTENCY_KEY="race-1")
            start.wait(5)
            answers.append(
                client.post(
                    "/api/v1/tickets/",
                    {
                        "contract": "yn-his",
                        "system": system,
                        "level": 1,
                        "title": "宕机",
                        "description": "全院 HIS 宕机",
                        "contact_phone": "13726380001",
                    },
                    format="json",
                )
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=retry) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answer.status_code for answer in answers) == [201, 201]
    assert len({answer.json()["id"] for answer in answers}) == 1
    assert Ticket.objects.count() == 1
