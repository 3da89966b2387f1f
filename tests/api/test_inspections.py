"""Inspections (巡检) through the API: who sees them, how they are performed, judged, signed
off and reported, and what a failed item turns into.

The `api` fixture freezes the clock at 2026-09-15 10:00 (Shanghai), inside every demo
contract's term: 湛江's third quarter (2026-09-01 – 2026-11-30) is open, its first two are
overdue, and so are 郁南's and 高州's first two quarters.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from api.tokens import issue_token
from contracts.models import Contract, Organization
from inspections import services
from inspections.models import (
    ChecklistTemplate,
    Inspection,
    InspectionReport,
    InspectionResult,
    Purpose,
)
from tests.api.conftest import token_client
from tests.factories import MembershipFactory, UserFactory, demo_user
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 9, 15)
USER_TABLESPACE = "电子票据用户表空间使用率"  # a measured value, rule < 90 %
SYSTEM_TABLESPACE = "系统表空间使用率"  # the same rule


def zj_this_quarter() -> Inspection:
    """湛江's routine inspection of 2026-09-01 – 2026-11-30 (due in the future)."""
    return Inspection.objects.get(
        contract__code="zj-einvoice", purpose=Purpose.ROUTINE, window_starts_on="2026-09-01"
    )


def url(inspection: Inspection | int, action: str = "") -> str:
    pk = inspection if isinstance(inspection, int) else inspection.pk
    return f"/api/v1/inspections/{pk}/" + (f"{action}/" if action else "")


def started(client: APIClient, inspection: Inspection) -> dict:
    response = client.post(url(inspection, "start"), {"mode": "on_site"}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def result_id(detail: dict, name: str) -> int:
    return next(row["id"] for row in detail["results"] if row["name"] == name)


def record(client: APIClient, inspection: Inspection, *answers: dict):
    return client.post(url(inspection, "results"), {"answers": list(answers)}, format="json")


def answer_everything_else(client: APIClient, inspection: Inspection, detail: dict) -> None:
    """Tick every pending pass/fail item as passed, write the text items, and mark the
    remaining measurements not applicable."""
    answers = []
    for row in detail["results"]:
        if row["verdict"] != "pending":
            continue
        if row["kind"] == "pass_fail":
            answers.append({"id": row["id"], "passed": True})
        elif row["kind"] == "text":
            answers.append({"id": row["id"], "text": "无"})
        else:
            answers.append({"id": row["id"], "not_applicable": True})
    assert record(client, inspection, *answers).status_code == 200


def completed_zj_inspection(api) -> tuple[Inspection, dict]:
    """湛江's quarter, performed with the user tablespace at 95 % (abnormal)."""
    engineer = api("ny-engineer")
    inspection = zj_this_quarter()
    detail = started(engineer, inspection)
    record(engineer, inspection, {"id": result_id(detail, USER_TABLESPACE), "value": 95})
    answer_everything_else(engineer, inspection, engineer.get(url(inspection)).json())
    response = engineer.post(
        url(inspection, "complete"), {"findings": "用户表空间偏高"}, format="json"
    )
    assert response.status_code == 200, response.json()
    return inspection, response.json()


# --- performing an inspection ------------------------------------------------------------


def test_an_inspection_is_started_recorded_completed_and_signed_off_through_the_api(api):
    engineer, hospital_it = api("ny-engineer"), api("zj-it")
    inspection = zj_this_quarter()

    detail = started(engineer, inspection)
    assert (detail["state"], detail["mode"]) == ("in_progress", "on_site")
    assert detail["engineer"]["name"] == demo_user("ny-engineer").get_full_name()
    # The checklist's items, copied in order.
    assert [row["name"] for row in detail["results"]] == [
        item.name for item in inspection.template.items_in_order()
    ]
    assert {row["verdict"] for row in detail["results"]} == {"pending"}

    response = record(
        engineer,
        inspection,
        {"id": result_id(detail, USER_TABLESPACE), "value": 95, "note": "归档未清理"},
        {"id": result_id(detail, SYSTEM_TABLESPACE), "value": "80"},
    )
    assert response.status_code == 200, response.json()
    assert {row["name"]: row["verdict"] for row in response.json()} == {
        USER_TABLESPACE: "fail",
        SYSTEM_TABLESPACE: "pass",
    }

    answer_everything_else(engineer, inspection, engineer.get(url(inspection)).json())
    response = engineer.post(
        url(inspection, "complete"),
        {"findings": "用户表空间 95 %", "suggestions": "清理归档日志"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    completed = response.json()
    assert completed["state"] == "completed"
    assert completed["finished_at"] and completed["duration_minutes"] is not None
    assert (completed["findings"], completed["suggestions"]) == ("用户表空间 95 %", "清理归档日志")
    assert completed["report"] is None  # made after commit, by a worker

    response = hospital_it.post(url(inspection, "sign-off"), {}, format="json")
    assert response.status_code == 200, response.json()
    signed = response.json()
    assert signed["state"] == "signed"
    assert signed["signer_name"] == demo_user("zj-it").get_full_name()
    assert signed["signed_at"]


def test_a_measured_value_is_judged_against_its_threshold_on_the_server(api):
    engineer = api("ny-engineer")
    inspection = zj_this_quarter()
    detail = started(engineer, inspection)
    user_tablespace = result_id(detail, USER_TABLESPACE)

    def verdict_of(value) -> dict:
        response = record(engineer, inspection, {"id": user_tablespace, "value": value})
        assert response.status_code == 200, response.json()
        [row] = response.json()
        return row

    high = verdict_of(95)
    assert (high["verdict"], high["rule"], high["value"]) == ("fail", "< 90 %", 95)
    assert verdict_of(80)["verdict"] == "pass"
    assert verdict_of("90")["verdict"] == "fail"  # "< 90 %": the limit itself is abnormal
    stored = InspectionResult.objects.get(pk=user_tablespace)
    assert (stored.value, stored.verdict) == (Decimal("90"), "fail")


def test_an_answer_of_the_wrong_kind_or_for_a_foreign_item_is_refused(api):
    engineer = api("ny-engineer")
    inspection = zj_this_quarter()
    detail = started(engineer, inspection)
    response = record(
        engineer, inspection, {"id": result_id(detail, USER_TABLESPACE), "passed": True}
    )
    assert response.status_code == 400
    assert USER_TABLESPACE in response.json()["message"]
    other = Inspection.objects.get(contract__code="yn-his", window_starts_on="2026-07-01")
    foreign = started(engineer, other)["results"][0]["id"]
    response = record(engineer, inspection, {"id": foreign, "passed": True})
    assert (
        response.status_code == 400 and "not part of this inspection" in response.json()["message"]
    )
    response = record(
        engineer, inspection, {"id": result_id(detail, USER_TABLESPACE), "value": 1e20}
    )
    assert response.status_code == 400 and "answers" in response.json()["fields"]
    assert record(engineer, inspection).status_code == 400  # no answers at all


def test_completing_with_unchecked_items_is_a_409_naming_them(api):
    engineer = api("ny-engineer")
    inspection = zj_this_quarter()
    started(engineer, inspection)
    response = engineer.post(url(inspection, "complete"), {}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "incomplete"
    assert USER_TABLESPACE in response.json()["message"]


def test_results_can_only_be_recorded_while_the_inspection_is_in_progress(api):
    response = record(api("ny-engineer"), zj_this_quarter(), {"id": 1, "passed": True})
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_hospital_it_reads_and_signs_but_does_not_perform(api):
    inspection = zj_this_quarter()
    hospital_it = api("zj-it")
    assert hospital_it.get(url(inspection)).status_code == 200
    response = hospital_it.post(url(inspection, "start"), {"mode": "remote"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_an_engineer_records_the_name_of_the_hospital_representative_who_signed(api):
    inspection, _detail = completed_zj_inspection(api)
    engineer = api("ny-engineer")
    unnamed = engineer.post(url(inspection, "sign-off"), {}, format="json")
    assert unnamed.status_code == 400
    response = engineer.post(url(inspection, "sign-off"), {"signer_name": "梁主任"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["signer_name"] == "梁主任"


def test_a_completed_inspection_is_reopened_with_a_reason_before_sign_off(api):
    inspection, _detail = completed_zj_inspection(api)
    engineer = api("ny-engineer")
    refused = engineer.post(url(inspection, "reopen"), {"reason": ""}, format="json")
    assert refused.status_code == 400 and "reason" in refused.json()["fields"]
    response = engineer.post(url(inspection, "reopen"), {"reason": "数值录错"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "in_progress"
    assert response.json()["finished_at"] is None


def test_the_dispatcher_assigns_an_engineer_of_the_vendor_and_no_one_else(api):
    inspection = zj_this_quarter()
    dispatcher = api("ny-dispatcher")
    engineer2 = demo_user("ny-engineer2")
    response = dispatcher.post(url(inspection, "assign"), {"engineer": engineer2.pk}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["engineer"] == {"id": engineer2.pk, "name": "赵工"}
    foreign = demo_user("rk-engineer")
    response = dispatcher.post(url(inspection, "assign"), {"engineer": foreign.pk}, format="json")
    assert response.status_code == 400
    response = dispatcher.post(url(inspection, "assign"), {"engineer": 10**9}, format="json")
    assert response.status_code == 400 and "engineer" in response.json()["fields"]
    refused = api("ny-engineer").post(
        url(inspection, "assign"), {"engineer": engineer2.pk}, format="json"
    )
    assert refused.status_code == 403


def test_a_cancelled_inspection_cannot_be_started(api):
    inspection = zj_this_quarter()
    dispatcher = api("ny-dispatcher")
    response = dispatcher.post(url(inspection, "cancel"), {"reason": "院方停电检修"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "cancelled"
    response = api("ny-engineer").post(url(inspection, "start"), {"mode": "on_site"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_starting_needs_a_known_mode(api):
    response = api("ny-engineer").post(
        url(zj_this_quarter(), "start"), {"mode": "by_phone"}, format="json"
    )
    assert response.status_code == 400 and "mode" in response.json()["fields"]


# --- a failed item becomes a ticket ------------------------------------------------------


def test_an_abnormal_item_opens_one_ticket_linked_to_it(api):
    engineer = api("ny-engineer")
    inspection = zj_this_quarter()
    detail = started(engineer, inspection)
    failed = result_id(detail, USER_TABLESPACE)
    record(engineer, inspection, {"id": failed, "value": 95})
    ticket_url = f"{url(inspection)}results/{failed}/ticket/"

    response = engineer.post(ticket_url, {"service_class": "level-2"}, format="json")
    assert response.status_code == 201, response.json()
    ticket = response.json()
    assert ticket["number"].startswith("ZJ-2026-")
    assert (ticket["contract"], ticket["service_class"], ticket["state"]) == (
        "zj-einvoice",
        "level-2",
        "new",
    )
    assert USER_TABLESPACE in ticket["title"] and "< 90 %" in ticket["title"]
    assert ticket["clocks"]

    row = next(r for r in engineer.get(url(inspection)).json()["results"] if r["id"] == failed)
    assert row["ticket"] == {"id": ticket["id"], "number": ticket["number"]}
    assert Ticket.objects.get(pk=ticket["id"]).inspection_findings.get().pk == failed

    again = engineer.post(ticket_url, {"service_class": "level-2"}, format="json")
    assert again.status_code == 409 and ticket["number"] in again.json()["message"]


def test_only_an_abnormal_item_opens_a_ticket_and_only_under_the_contracts_sla_rows(api):
    engineer = api("ny-engineer")
    inspection = zj_this_quarter()
    detail = started(engineer, inspection)
    normal = result_id(detail, SYSTEM_TABLESPACE)
    record(engineer, inspection, {"id": normal, "value": 80})
    ticket_url = f"{url(inspection)}results/{normal}/ticket/"
    response = engineer.post(ticket_url, {"service_class": "level-2"}, format="json")
    assert response.status_code == 400
    assert "abnormal" in response.json()["message"]
    response = engineer.post(ticket_url, {"service_class": "level-3"}, format="json")
    assert response.status_code == 400 and "service_class" in response.json()["fields"]
    other = Inspection.objects.exclude(pk=inspection.pk).filter(contract__code="zj-einvoice")
    response = engineer.post(
        f"{url(other.first())}results/{normal}/ticket/", {"service_class": "level-2"}, format="json"
    )
    assert response.status_code == 404  # the result belongs to another inspection


# --- who sees what ---------------------------------------------------------------------


def listed(client: APIClient, query: str = "") -> list[dict]:
    response = client.get(f"/api/v1/inspections/?page_size=200&{query}")
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def test_hospital_reporters_see_no_inspections_at_all(api):
    reporter = api("zj-reporter")
    inspection = zj_this_quarter()
    assert listed(reporter) == []
    assert reporter.get(url(inspection)).status_code == 404
    assert reporter.get(url(inspection, "report")).status_code == 404


def test_another_hospitals_inspection_is_404_everywhere(api):
    intruder = api("cd-it")
    inspection = zj_this_quarter()
    assert {row["contract"] for row in listed(intruder)} == {"cd-nutrition"}
    assert intruder.get(url(inspection)).status_code == 404
    assert intruder.get(url(inspection, "report")).status_code == 404
    for action, body in [
        ("start", {"mode": "on_site"}),
        ("complete", {}),
        ("reopen", {"reason": "x"}),
        ("sign-off", {"signer_name": "x"}),
        ("cancel", {"reason": "x"}),
        ("assign", {"engineer": demo_user("rk-engineer").pk}),
        ("results", {"answers": [{"id": 1, "passed": True}]}),
    ]:
        response = intruder.post(url(inspection, action), body, format="json")
        assert response.status_code == 404, action
    assert api("rk-engineer").get(url(inspection)).status_code == 404


def test_a_vendor_sees_the_inspections_of_every_hospital_it_serves_and_no_other(api):
    assert {row["contract"] for row in listed(api("ny-dispatcher"))} == {
        "zj-einvoice",
        "yn-his",
        "gz-logistics",
    }
    assert {row["contract"] for row in listed(api("rk-engineer"))} == {"cd-nutrition"}
    assert {row["contract"] for row in listed(api("zj-it"))} == {"zj-einvoice"}


def test_a_token_sees_only_the_inspections_of_its_organisation(api):
    # Someone who is hospital IT at 郁南 and also an engineer of 蓉康 (which serves 成都).
    person = UserFactory(username="two-hats")
    yn, rk = Organization.objects.get(code="YN"), Organization.objects.get(code="RKYY")
    MembershipFactory(user=person, organization=yn, role="hospital_it")
    MembershipFactory(user=person, organization=rk, role="engineer")
    _token, raw = issue_token(user=person, organization=yn, name="YN OA")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}", HTTP_ACCEPT_LANGUAGE="en")
    assert {row["contract"] for row in listed(client)} == {"yn-his"}
    cd = Inspection.objects.filter(contract__code="cd-nutrition").first()
    assert client.get(url(cd)).status_code == 404
    session = APIClient()
    session.force_login(person)
    assert {row["contract"] for row in listed(session)} == {"yn-his", "cd-nutrition"}


# --- the list ------------------------------------------------------------------------------


def test_the_list_filters_by_contract_state_purpose_overdue_and_due_dates(api):
    dispatcher = api("ny-dispatcher")
    started(api("ny-engineer"), zj_this_quarter())

    def due_dates(query: str) -> list[str]:
        return [row["due_on"] for row in listed(dispatcher, query)]

    assert len(due_dates("contract=zj-einvoice")) == 5
    assert due_dates("contract=cd-nutrition") == []  # not theirs: nothing, not an error
    assert due_dates("state=in_progress") == ["2026-11-30"]
    assert len(due_dates("state=planned,in_progress")) == len(due_dates(""))
    assert due_dates("purpose=visit") == ["2027-02-28"]
    overdue = listed(dispatcher, "overdue=true")
    assert len(overdue) == 6  # two quarters each of 湛江, 郁南 and 高州
    assert all(row["overdue"] and row["due_on"] < TODAY.isoformat() for row in overdue)
    assert not any(row["overdue"] for row in listed(dispatcher, "overdue=false"))
    assert due_dates("due_after=2026-06-01&due_before=2026-07-01") == ["2026-06-30"] * 2
    assert "2026-06-30" not in due_dates("due_before=2026-06-30")  # due then is not "before"


def test_the_list_comes_by_due_date_and_pages_by_cursor(api):
    client = api("ny-dispatcher")
    everything = listed(client)
    seen, page_url = [], "/api/v1/inspections/?page_size=4"
    while page_url:
        page = client.get(page_url).json()
        assert len(page["results"]) <= 4
        seen.extend(page["results"])
        page_url = page["next"]
    assert [row["id"] for row in seen] == [row["id"] for row in everything]
    assert len({row["id"] for row in seen}) == len(everything)
    assert len(everything) == Inspection.objects.filter(contract__vendor__code="NYYX").count()
    keys = [(row["due_on"], row["id"]) for row in seen]
    assert keys == sorted(keys)


def test_a_bad_query_parameter_is_a_400_naming_it(api):
    client = api("ny-dispatcher")
    for query, field in [
        ("state=lost", "state"),
        ("state=planned%00", "state"),
        ("purpose=weekly", "purpose"),
        ("overdue=perhaps", "overdue"),
        ("due_before=yesterday", "due_before"),
        ("due_after=2026-13-01", "due_after"),
        ("contract=yn%00his", "contract"),
        ("cursor=%%%", "cursor"),
        ("cursor=%00", "cursor"),
        ("cursor=eyJ2IjoiMjAyNi0wOS0zMCIsImlkIjoxZTk5OX0", "cursor"),  # an id of 1e999
        ("page_size=0", "page_size"),
        ("page_size=201", "page_size"),
    ]:
        response = client.get(f"/api/v1/inspections/?{query}")
        assert response.status_code == 400, query
        assert field in response.json()["fields"], query


def test_messages_come_in_the_callers_language(api):
    chinese = token_client("ny-dispatcher", language="zh-hans")
    response = chinese.get("/api/v1/inspections/?state=lost")
    assert response.status_code == 400
    assert "未知状态" in response.json()["fields"]["state"][0]
    english = token_client("ny-dispatcher", language="en")
    assert (
        "Unknown state"
        in english.get("/api/v1/inspections/?state=lost").json()["fields"]["state"][0]
    )


def queries_for_list(client: APIClient, page_size: int) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/api/v1/inspections/?page_size={page_size}")
    assert response.status_code == 200
    return len(captured.captured_queries), len(response.json()["results"])


def test_the_inspection_list_makes_a_fixed_number_of_queries(api):
    engineer, dispatcher = api("ny-engineer"), api("ny-dispatcher")
    # Rows with an engineer and a system, so that every relation the list shows is filled.
    started(engineer, zj_this_quarter())
    contract = Contract.objects.get(code="yn-his")
    services.plan_inspection(
        contract=contract,
        template=ChecklistTemplate.objects.get(code="general-hospital", is_current=True),
        due_on=dt.date(2026, 10, 31),
        system=contract.systems.first(),
        by=demo_user("ny-dispatcher"),
    )
    queries_for_list(dispatcher, 3)  # the token's first use of the minute records last_used_at
    few, three = queries_for_list(dispatcher, 3)
    many, rows = queries_for_list(dispatcher, 200)
    assert three == 3 and rows > 10
    assert few == many
    assert few <= 3  # the token, the page


def test_an_inspection_with_many_results_reads_in_a_fixed_number_of_queries(api):
    engineer = api("ny-engineer")
    inspection = zj_this_quarter()
    detail = started(engineer, inspection)
    failed = result_id(detail, USER_TABLESPACE)
    record(engineer, inspection, {"id": failed, "value": 95})
    engineer.post(
        f"{url(inspection)}results/{failed}/ticket/", {"service_class": "level-2"}, format="json"
    )
    with CaptureQueriesContext(connection) as captured:
        assert engineer.get(url(inspection)).status_code == 200
    assert len(captured.captured_queries) <= 4  # the token, the inspection, results, reports


# --- planning --------------------------------------------------------------------------


def test_the_dispatcher_plans_an_ad_hoc_inspection(api):
    dispatcher = api("ny-dispatcher")
    template = ChecklistTemplate.objects.get(code="general-hospital", is_current=True)
    body = {"contract": "zj-einvoice", "template": template.pk, "due_on": "2026-10-31"}
    response = dispatcher.post(
        "/api/v1/inspections/", {**body, "title": "国庆前加检", "on_site": False}, format="json"
    )
    assert response.status_code == 201, response.json()
    planned = response.json()
    assert (planned["purpose"], planned["title"], planned["state"]) == (
        "ad_hoc",
        "国庆前加检",
        "planned",
    )
    assert (planned["window_starts_on"], planned["due_on"]) == ("2026-09-15", "2026-10-31")
    assert planned["planned_on_site"] is False
    assert planned["checklist"]["code"] == "general-hospital"
    assert planned["results"] == [] and planned["report"] is None

    for change, field in [
        ({"contract": "cd-nutrition"}, "contract"),
        ({"template": 10**6}, "template"),
        ({"due_on": "someday"}, "due_on"),
        ({"system": Contract.objects.get(code="cd-nutrition").systems.first().pk}, "system"),
    ]:
        response = dispatcher.post("/api/v1/inspections/", {**body, **change}, format="json")
        assert response.status_code == 400, change
        assert field in response.json()["fields"], change
    outside_term = dispatcher.post(
        "/api/v1/inspections/", {**body, "due_on": "2027-06-30"}, format="json"
    )
    assert outside_term.status_code == 400
    assert api("ny-engineer").post("/api/v1/inspections/", body, format="json").status_code == 403


def test_a_retried_plan_with_the_same_idempotency_key_plans_once(api):
    client = api("ny-dispatcher")
    client.credentials(
        HTTP_AUTHORIZATION=client._credentials["HTTP_AUTHORIZATION"],
        HTTP_IDEMPOTENCY_KEY="plan-zj-0915",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    template = ChecklistTemplate.objects.get(code="general-hospital", is_current=True)
    body = {"contract": "zj-einvoice", "template": template.pk, "due_on": "2026-10-31"}
    first = client.post("/api/v1/inspections/", body, format="json")
    retry = client.post("/api/v1/inspections/", body, format="json")
    assert (first.status_code, retry.status_code) == (201, 201)
    assert first.json()["id"] == retry.json()["id"]
    assert Inspection.objects.filter(purpose=Purpose.AD_HOC).count() == 1


# --- the report --------------------------------------------------------------------------


def test_the_report_downloads_as_a_pdf_attachment_once_it_is_made(api, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    inspection, _detail = completed_zj_inspection(api)
    hospital_it = api("zj-it")
    missing = hospital_it.get(url(inspection, "report"))
    assert missing.status_code == 404
    assert "no report yet" in missing.json()["message"]

    inspection.refresh_from_db()
    report = InspectionReport(
        inspection=inspection, revision=inspection.revision, sha256="a" * 64, size=9, pages=1
    )
    report.file.save(report.filename, ContentFile(b"%PDF-1.7\n"), save=True)

    detail = hospital_it.get(url(inspection)).json()
    assert detail["report"]["revision"] == inspection.revision
    assert (detail["report"]["pages"], detail["report"]["size"]) == (1, 9)
    download = hospital_it.get(detail["report"]["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == b"%PDF-1.7\n"
    assert api("cd-it").get(detail["report"]["download_url"]).status_code == 404


def test_a_report_lost_from_storage_is_a_404_with_a_reason(api, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    inspection, _detail = completed_zj_inspection(api)
    report = InspectionReport(inspection=inspection, revision=1, sha256="b" * 64, size=9, pages=1)
    report.file.save(report.filename, ContentFile(b"%PDF-1.7\n"), save=True)
    for path in tmp_path.rglob("*.pdf"):
        path.unlink()
    response = api("ny-engineer").get(url(inspection, "report"))
    assert response.status_code == 404
    assert response.json()["code"] == "file_missing"


# --- checklists --------------------------------------------------------------------------


def test_the_shared_checklists_name_no_hospital_vendor_or_contract(api):
    from contracts.models import Contract, Organization

    for caller in ("yn-reporter", "ny-engineer", "sk-manager"):
        text = api(caller).get("/api/v1/checklists/").content.decode()
        for name, short_name in Organization.objects.values_list("name", "short_name"):
            assert name not in text and short_name not in text, (caller, name)
        for code in Contract.objects.values_list("code", flat=True):
            assert code not in text, (caller, code)


def test_checklists_show_their_current_versions_to_any_caller(api):
    reporter = api("yn-reporter")
    checklists = reporter.get("/api/v1/checklists/").json()
    assert {row["code"] for row in checklists} == {
        "einvoice-system",
        "nutrition-system",
        "general-hospital",
        "follow-up-visit",
    }
    zj = next(row for row in checklists if row["code"] == "einvoice-system")
    items = [item for section in zj["sections"] for item in section["items"]]
    tablespace = next(item for item in items if item["name"] == USER_TABLESPACE)
    assert (tablespace["kind"], tablespace["rule"], tablespace["limit"]) == (
        "measurement",
        "< 90 %",
        90,
    )

    old = ChecklistTemplate.objects.get(code="einvoice-system", is_current=True)
    new = services.new_template_version(old)
    assert reporter.get(f"/api/v1/checklists/{new.pk}/").json()["version"] == 2
    assert reporter.get(f"/api/v1/checklists/{old.pk}/").status_code == 404
