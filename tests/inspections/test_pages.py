"""The inspection pages: an engineer performs C2's quarterly inspection on site from a
phone, the hospital's IT signs it off; who sees what; typing mistakes never cost answers."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts.models import Contract
from inspections import services
from inspections.models import Inspection, InspectionReport, InspectionResult
from inspections.services import Answer
from tests.conftest import login
from tests.factories import demo_user

pytestmark = pytest.mark.django_db

NOW = "2026-11-20 10:00 +08:00"
TODAY = dt.date(2026, 11, 20)

# C2's readings: the e-invoice user tablespace over its 90 % limit, the rest within.
READINGS = {
    "电子票据用户表空间使用率": "95",
    "系统表空间使用率": "80",
    "服务器磁盘使用率": "64",
    "服务器证书剩余有效期": "210",
    "本季度证书服务故障次数": "0",
}
USER_TABLESPACE = "电子票据用户表空间使用率"
SYSTEM_TABLESPACE = "系统表空间使用率"


@pytest.fixture
def on_site(demo, monkeypatch):
    """The demo on 2026-11-20 10:00 in Zhanjiang; PDFs are asked for, never rendered."""
    from inspections.tasks import render_report

    asked: list[int] = []
    monkeypatch.setattr(render_report, "delay", asked.append)
    with time_machine.travel(NOW, tick=False):
        yield asked


def current_quarter() -> Inspection:
    """C2's quarterly inspection whose window (2026-09-01 – 11-30) holds today."""
    return Inspection.objects.get(
        contract__code="zj-einvoice",
        purpose="routine",
        window_starts_on__lte=TODAY,
        due_on__gte=TODAY,
    )


def url(inspection: Inspection, action: str = "") -> str:
    return f"/inspections/{inspection.pk}/{action + '/' if action else ''}"


def results(inspection: Inspection) -> dict[str, InspectionResult]:
    return {row.name: row for row in inspection.results.order_by("position")}


def checklist_post(inspection: Inspection, changes: dict[str, str] | None = None, **extra) -> dict:
    """What the page's checklist form sends: every item as shown (its stored answer), with
    `changes` by item name: "pass"/"fail", a typed number, or text."""
    changes = changes or {}
    data: dict = {"items": [], **extra}
    for name, result in results(inspection).items():
        pk = result.pk
        data["items"].append(str(pk))
        typed = changes.get(name)
        if result.kind == "pass_fail":
            stored = "" if result.passed is None else "pass" if result.passed else "fail"
            if typed or stored:
                data[f"r-{pk}-passed"] = typed or stored
        elif result.kind == "measurement":
            stored = "" if result.value is None else format(result.value.normalize(), "f")
            data[f"r-{pk}-value"] = stored if typed is None else typed
        else:
            data[f"r-{pk}-text"] = result.text if typed is None else typed
        if result.not_applicable:
            data[f"r-{pk}-na"] = "on"
        data[f"r-{pk}-note"] = result.note
    return data


def every_item(readings: dict[str, str] = READINGS) -> dict[str, str]:
    answers = {}
    for result in current_quarter().results.all():
        if result.kind == "pass_fail":
            answers[result.name] = "pass"
        elif result.kind == "measurement":
            answers[result.name] = readings[result.name]
        else:
            answers[result.name] = "运行平稳，建议下季度扩容表空间。"
    return answers


def item_html(page: str, result: InspectionResult) -> str:
    match = re.search(rf'<li class="item[^"]*" id="item-{result.pk}">.*?</li>', page, re.S)
    assert match, f"item {result.name} not on the page"
    return match.group(0)


def started(engineer: str = "ny-engineer") -> Inspection:
    return services.start(inspection=current_quarter(), by=demo_user(engineer), mode="on_site")


def performed() -> Inspection:
    """Started, every item answered (the user tablespace at 95 %), completed."""
    inspection = started()
    rows = results(inspection)
    answers = []
    for name, value in every_item().items():
        result = rows[name]
        if result.kind == "pass_fail":
            answers.append(Answer(result.pk, passed=value == "pass"))
        elif result.kind == "measurement":
            answers.append(Answer(result.pk, value=Decimal(value)))
        else:
            answers.append(Answer(result.pk, text=value))
    services.record_results(inspection=inspection, by=inspection.engineer, answers=answers)
    return services.complete(inspection=inspection, by=inspection.engineer, findings="表空间偏高")


# --- performing ------------------------------------------------------------------------------


def test_an_engineer_performs_the_quarterly_inspection_on_site_from_start_to_completion(on_site):
    engineer = login("ny-engineer")
    inspection = current_quarter()
    assert url(inspection) in engineer.get("/inspections/").content.decode()

    page = engineer.get(url(inspection)).content.decode()
    assert 'id="action-start"' in page and 'value="on_site"' in page
    assert engineer.post(url(inspection, "start"), {"mode": "on_site"}).status_code == 302
    inspection.refresh_from_db()
    assert (inspection.state, inspection.mode) == ("in_progress", "on_site")
    assert inspection.engineer.username == "ny-engineer"

    page = engineer.get(url(inspection)).content.decode()
    tablespace = results(inspection)[USER_TABLESPACE]
    assert "&lt; 90 %" in item_html(page, tablespace)  # the rule beside the field
    assert 'inputmode="decimal"' in item_html(page, tablespace)

    saved = engineer.post(url(inspection, "results"), checklist_post(inspection, every_item()))
    assert saved.status_code == 302
    rows = results(inspection)
    assert (rows[USER_TABLESPACE].verdict, rows[SYSTEM_TABLESPACE].verdict) == ("fail", "pass")
    page = engineer.get(url(inspection)).content.decode()
    abnormal = item_html(page, rows[USER_TABLESPACE])
    assert 'class="item is-fail"' in abnormal and "verdict-fail" in abnormal
    assert 'value="95"' in abnormal
    normal = item_html(page, rows[SYSTEM_TABLESPACE])
    assert 'class="item is-pass"' in normal and "open-ticket" not in normal

    # One step from the abnormal item to a ticket: the least severe level is proposed.
    assert 'id="open-ticket-' in abnormal
    least_severe = inspection.contract.service_classes.get(kind="fault", level=2)
    assert re.search(rf'<option value="{least_severe.pk}" selected>', abnormal)
    assert "95 %" in abnormal and "&lt; 90 %" in abnormal  # in the prefilled title
    filed = engineer.post(
        url(inspection, "ticket"),
        checklist_post(
            inspection,
            result=str(rows[USER_TABLESPACE].pk),
            **{
                f"t-{rows[USER_TABLESPACE].pk}-service_class": str(least_severe.pk),
                f"t-{rows[USER_TABLESPACE].pk}-title": "电子票据用户表空间超过 90%",
            },
        ),
    )
    assert filed.status_code == 302
    ticket = InspectionResult.objects.get(pk=rows[USER_TABLESPACE].pk).ticket
    assert ticket.title == "电子票据用户表空间超过 90%"
    assert ticket.service_class == least_severe and ticket.reporter.username == "ny-engineer"
    page = engineer.get(url(inspection)).content.decode()
    assert f'href="{ticket.get_absolute_url()}"' in item_html(page, rows[USER_TABLESPACE])

    done = engineer.post(
        url(inspection, "complete"),
        checklist_post(inspection, findings="用户表空间 95%，已报修。", suggestions="扩容。"),
    )
    assert done.status_code == 302
    inspection.refresh_from_db()
    assert inspection.state == "completed"
    assert (inspection.findings, inspection.suggestions) == ("用户表空间 95%，已报修。", "扩容。")
    page = engineer.get(url(inspection)).content.decode()
    assert 'class="report-pending"' in page  # the PDF is on its way
    assert 'id="checklist-form"' not in page  # nothing to edit any more


def test_the_hospitals_it_signs_off_in_their_own_name(on_site):
    inspection = performed()
    it = login("zj-it")
    page = it.get(url(inspection)).content.decode()
    assert 'id="action-sign-off"' in page and 'name="signer_name"' not in page
    assert 'id="checklist-form"' not in page
    assert it.post(url(inspection, "sign-off"), {}).status_code == 302
    inspection.refresh_from_db()
    assert (inspection.state, inspection.signer_name) == ("signed", "梁志强")
    assert inspection.sign_off_recorded_by.username == "zj-it"


def test_an_engineer_records_the_name_of_the_representative_who_signed(on_site):
    inspection = performed()
    engineer = login("ny-engineer")
    refused = engineer.post(url(inspection, "sign-off"), {"signer_name": "  "})
    assert refused.status_code == 400
    assert 'class="field-error"' in refused.content.decode()
    inspection.refresh_from_db()
    assert inspection.state == "completed"
    assert engineer.post(url(inspection, "sign-off"), {"signer_name": "梁志强"}).status_code == 302
    inspection.refresh_from_db()
    assert (inspection.state, inspection.signer_name) == ("signed", "梁志强")
    assert inspection.sign_off_recorded_by.username == "ny-engineer"


def test_the_hospitals_it_opens_a_ticket_from_an_abnormal_item_after_completion(on_site):
    inspection = performed()
    tablespace = results(inspection)[USER_TABLESPACE]
    it = login("zj-it")
    page = it.get(url(inspection)).content.decode()
    assert f'id="open-ticket-{tablespace.pk}"' in item_html(page, tablespace)
    levels = inspection.contract.service_classes.filter(kind="fault")
    urgent = levels.get(level=1)
    filed = it.post(
        url(inspection, "ticket"),
        {"result": tablespace.pk, f"t-{tablespace.pk}-service_class": urgent.pk},
    )
    assert filed.status_code == 302
    tablespace.refresh_from_db()
    assert tablespace.ticket.service_class == urgent
    assert "95 %" in tablespace.ticket.title and "< 90 %" in tablespace.ticket.title  # proposed
    again = it.post(
        url(inspection, "ticket"),
        {"result": tablespace.pk, f"t-{tablespace.pk}-service_class": urgent.pk},
    )
    assert again.status_code == 409  # one ticket per item, said on the page


def test_an_engineer_reopens_a_completed_inspection_with_a_reason(on_site):
    inspection = performed()
    engineer = login("ny-engineer")
    assert engineer.post(url(inspection, "reopen"), {"reopen-reason": ""}).status_code == 400
    done = engineer.post(url(inspection, "reopen"), {"reopen-reason": "磁盘读数抄错"})
    assert done.status_code == 302
    inspection.refresh_from_db()
    assert inspection.state == "in_progress"
    page = engineer.get(url(inspection)).content.decode()
    assert "磁盘读数抄错" in page and 'id="checklist-form"' in page


# --- who sees what ---------------------------------------------------------------------------


def test_another_hospitals_it_learns_nothing_of_the_inspection(on_site):
    inspection = performed()
    other = login("yn-it")
    assert other.get(url(inspection)).status_code == 404
    assert other.post(url(inspection, "sign-off"), {}).status_code == 404
    assert other.get(url(inspection, "report")).status_code == 404
    assert url(inspection) not in other.get("/inspections/").content.decode()
    inspection.refresh_from_db()
    assert inspection.state == "completed"


def test_a_reporter_is_told_inspections_are_not_for_them(on_site):
    inspection = current_quarter()
    reporter = login("zj-reporter")
    listing = reporter.get("/inspections/")
    assert listing.status_code == 403
    assert url(inspection) not in listing.content.decode()
    assert reporter.get(url(inspection)).status_code == 403


def test_hospital_it_may_read_but_not_perform(on_site):
    inspection = current_quarter()
    it = login("zj-it")
    page = it.get(url(inspection)).content.decode()
    assert 'id="action-start"' not in page
    refused = it.post(url(inspection, "start"), {"mode": "on_site"})
    assert refused.status_code == 403
    inspection.refresh_from_db()
    assert inspection.state == "planned"


# --- typing mistakes -------------------------------------------------------------------------


def test_a_bad_number_is_marked_and_every_other_answer_is_kept(on_site):
    inspection = started()
    engineer = login("ny-engineer")
    rows = results(inspection)
    first = checklist_post(inspection, {SYSTEM_TABLESPACE: "80", "服务器磁盘使用率": "70"})
    assert engineer.post(url(inspection, "results"), first).status_code == 302

    typed = {
        SYSTEM_TABLESPACE: "abc",
        "服务器磁盘使用率": "95,5",
        USER_TABLESPACE: "88",
        "系统登录及页面显示正常": "pass",
        "系统优化建议": "建议扩容",
    }
    response = engineer.post(
        url(inspection, "results"), checklist_post(inspection, typed, findings="先记下")
    )
    assert response.status_code == 400
    page = response.content.decode()
    bad = item_html(page, rows[SYSTEM_TABLESPACE])
    assert 'value="abc"' in bad and 'class="field-error"' in bad and "has-error" in bad
    comma = item_html(page, rows["服务器磁盘使用率"])
    assert 'value="95,5"' in comma and "95.5" in comma  # says how to write it
    assert "先记下" in page  # the findings typed so far

    fresh = results(inspection)
    # What was stored before stays; the valid answers of the same post are saved.
    assert fresh[SYSTEM_TABLESPACE].value == Decimal("80")
    assert fresh["服务器磁盘使用率"].value == Decimal("70")
    assert fresh[USER_TABLESPACE].value == Decimal("88")
    assert fresh["系统登录及页面显示正常"].passed is True
    assert fresh["系统优化建议"].text == "建议扩容"


def test_a_bad_number_is_explained_in_the_readers_language(on_site):
    inspection = started()
    engineer = login("ny-engineer")
    engineer.cookies["django_language"] = "en"
    page = engineer.post(
        url(inspection, "results"), checklist_post(inspection, {SYSTEM_TABLESPACE: "abc"})
    ).content.decode()
    assert "Enter a number, e.g. 85 or 85.5." in item_html(
        page, results(inspection)[SYSTEM_TABLESPACE]
    )


def test_full_width_digits_from_a_chinese_keyboard_are_numbers(on_site):
    inspection = started()
    response = login("ny-engineer").post(
        url(inspection, "results"), checklist_post(inspection, {USER_TABLESPACE: "９５．５"})
    )
    assert response.status_code == 302
    assert results(inspection)[USER_TABLESPACE].value == Decimal("95.5")


def test_completing_too_early_says_what_is_missing_and_keeps_the_findings(on_site):
    inspection = started()
    engineer = login("ny-engineer")
    response = engineer.post(
        url(inspection, "complete"),
        checklist_post(inspection, {SYSTEM_TABLESPACE: "80"}, findings="表空间正常"),
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "msg-error" in page and "系统登录及页面显示正常" in page
    assert "表空间正常" in page
    inspection.refresh_from_db()
    assert inspection.state == "in_progress"
    assert results(inspection)[SYSTEM_TABLESPACE].value == Decimal("80")  # saved on the way


def test_a_post_without_the_checklist_clears_nothing(on_site):
    inspection = started()
    engineer = login("ny-engineer")
    engineer.post(url(inspection, "results"), checklist_post(inspection, {USER_TABLESPACE: "80"}))
    engineer.post(url(inspection, "complete"), {"findings": "x"})
    assert results(inspection)[USER_TABLESPACE].value == Decimal("80")


def test_emptying_a_value_makes_the_item_pending_again(on_site):
    inspection = started()
    engineer = login("ny-engineer")
    engineer.post(url(inspection, "results"), checklist_post(inspection, {USER_TABLESPACE: "80"}))
    engineer.post(url(inspection, "results"), checklist_post(inspection, {USER_TABLESPACE: ""}))
    row = results(inspection)[USER_TABLESPACE]
    assert (row.value, row.verdict) == (None, "pending")


# --- the dispatcher's actions ----------------------------------------------------------------


def test_a_dispatcher_assigns_and_cancels_with_a_reason(on_site):
    inspection = current_quarter()
    dispatcher = login("ny-dispatcher")
    second = demo_user("ny-engineer2")
    assert dispatcher.post(url(inspection, "assign"), {"engineer": second.pk}).status_code == 302
    inspection.refresh_from_db()
    assert inspection.engineer == second

    refused = dispatcher.post(url(inspection, "cancel"), {"cancel-reason": ""})
    assert refused.status_code == 400
    assert 'class="field-error"' in refused.content.decode()
    done = dispatcher.post(
        url(inspection, "cancel"), {"cancel-reason": "医院机房搬迁，本季度改为远程"}
    )
    assert done.status_code == 302
    inspection.refresh_from_db()
    assert inspection.state == "cancelled"
    history = dispatcher.get(url(inspection)).content.decode()
    assert "医院机房搬迁，本季度改为远程" in history


def test_a_refused_action_is_a_page_message_never_an_error_page(on_site):
    inspection = current_quarter()
    engineer = login("ny-engineer")
    engineer.post(url(inspection, "start"), {"mode": "remote"})
    again = engineer.post(url(inspection, "start"), {"mode": "on_site"})
    assert again.status_code == 409
    assert "msg-error" in again.content.decode()


# --- the report ------------------------------------------------------------------------------


def test_the_report_downloads_as_an_attachment_for_its_readers(on_site, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    inspection = performed()
    it = login("zj-it")
    assert 'class="report-pending"' in it.get(url(inspection)).content.decode()
    report = InspectionReport(
        inspection=inspection, revision=inspection.revision, sha256="0" * 64, size=9, pages=2
    )
    report.file.save("r.pdf", ContentFile(b"%PDF-1.7\n"), save=True)

    page = it.get(url(inspection)).content.decode()
    assert f'href="{url(inspection, "report")}"' in page
    response = it.get(url(inspection, "report"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == b"%PDF-1.7\n"
    assert login("zj-reporter").get(url(inspection, "report")).status_code == 403


# --- the list and the contract's plan --------------------------------------------------------


def test_the_list_puts_overdue_first_and_filters_by_contract_and_status(on_site):
    engineer = login("ny-engineer")
    page = engineer.get("/inspections/").content.decode()
    shown = [int(pk) for pk in re.findall(r'data-inspection="(\d+)"', page)]
    due = dict(Inspection.objects.filter(pk__in=shown).values_list("pk", "due_on"))
    assert [due[pk] for pk in shown] == sorted(due[pk] for pk in shown)
    assert due[shown[0]] < TODAY and 'class="tag tag-overdue"' in page

    overdue = engineer.get("/inspections/?contract=zj-einvoice&status=overdue").content.decode()
    rows = set(map(int, re.findall(r'data-inspection="(\d+)"', overdue)))
    assert rows == set(
        Inspection.objects.filter(
            contract__code="zj-einvoice", state="planned", due_on__lt=TODAY
        ).values_list("pk", flat=True)
    )
    assert len(rows) == 2


def test_the_contract_page_shows_where_the_inspection_plan_stands(on_site):
    page = login("zj-it").get("/contracts/zj-einvoice/").content.decode()
    assert 'id="inspection-plan"' in page
    assert "/inspections/?contract=zj-einvoice&amp;status=overdue" in page
    assert re.search(r'class="plan-overdue is-bad"><a [^>]+><strong>2</strong>', page)
    assert (
        'id="inspection-plan"'
        not in login("zj-reporter").get("/contracts/zj-einvoice/").content.decode()
    )


def _list_queries(client) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/inspections/?status=all")
    assert response.status_code == 200
    return len(captured), len(re.findall(r"data-inspection=", response.content.decode()))


def _plan(count: int) -> None:
    """`count` inspections of ny's three contracts, each with an engineer and a system."""
    Inspection.objects.all().delete()
    engineers = [demo_user("ny-engineer"), demo_user("ny-engineer2")]
    rule_free = []
    for n in range(count):
        contract = Contract.objects.get(code=("zj-einvoice", "yn-his", "gz-logistics")[n % 3])
        rule = contract.inspection_rules.first()
        rule_free.append(
            Inspection(
                contract=contract,
                purpose="ad_hoc",
                template=rule.template,
                system=contract.contract_systems.first().system,
                title=f"临时巡检 {n}",
                window_starts_on=dt.date(2026, 10, 1),
                due_on=dt.date(2026, 11, 1) + dt.timedelta(days=n),
                engineer=engineers[n % 2],
            )
        )
    Inspection.objects.bulk_create(rule_free)


def test_the_list_costs_the_same_queries_for_3_rows_as_for_30(on_site):
    engineer = login("ny-engineer")
    _plan(3)
    few, shown = _list_queries(engineer)
    assert shown == 3
    _plan(30)
    many, shown = _list_queries(engineer)
    assert shown == 30
    assert many == few
    assert many <= 10
