"""The contract's service reports page: who sees it, asking for a report (queued at once,
made by a worker), following its progress, downloading, retrying, and the vendor manager's
improvement measures and "make final"."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from reports import services
from reports.models import RenderState, ReportFile, ReportKind, ServiceReport
from reports.periods import Period
from tests.conftest import login
from tests.factories import demo_user

pytestmark = pytest.mark.django_db

NOW = "2026-11-20 10:00 +08:00"
PAGE = "/contracts/yn-his/reports/"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def renders(monkeypatch) -> list[int]:
    """Report file ids handed to the broker: recorded, so nothing renders during a request."""
    from reports.tasks import render

    queued: list[int] = []
    monkeypatch.setattr(render, "delay", queued.append)
    return queued


def english(username: str) -> Client:
    client = login(username)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def content(response) -> str:
    """The page's own part, after the site header."""
    return response.content.decode().split('<main class="page">', 1)[1]


def ask(client: Client, capture, code: str = "yn-his", **fields):
    """Post the request form as the browser does; runs the after-commit hand-over."""
    data = {"kind": "quarterly", "quarter": "2026-Q3", **fields}
    with capture(execute=True):
        return client.post(f"/contracts/{code}/reports/request/", data)


def scheduled(contract, quarter: int = 3) -> ReportFile:
    """A version OpsDesk asked for on its own schedule (requested_by empty)."""
    return services.request_report(
        contract=contract, kind=ReportKind.QUARTERLY, period=Period.quarter(2026, quarter)
    )


def download_url(report_file: ReportFile, code: str = "yn-his") -> str:
    return f"/contracts/{code}/reports/files/{report_file.pk}/download/"


def partial_url(report: ServiceReport, code: str = "yn-his") -> str:
    return f"/contracts/{code}/reports/{report.pk}/files/"


# --- who sees the page -------------------------------------------------------------------


def test_the_page_requires_signing_in(demo):
    response = Client().get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_another_hospitals_it_gets_404_for_the_page_its_versions_and_the_file(demo):
    report_file = scheduled(demo["yn-his"])
    for username in ("zj-it", "rk-manager"):
        client = login(username)
        assert client.get(PAGE).status_code == 404
        assert client.get(partial_url(report_file.report)).status_code == 404
        assert client.get(download_url(report_file)).status_code == 404
        assert client.post(PAGE + "request/", {"kind": "annual"}).status_code == 404
    # and a contract of theirs does not open another contract's versions
    assert login("zj-it").get(download_url(report_file, "zj-einvoice")).status_code == 404


def test_a_reporter_gets_the_friendly_403_page(demo):
    response = english("yn-reporter").get(PAGE)
    assert response.status_code == 403
    assert 'href="/contracts/yn-his/"' in content(response)
    assert "reports/request/" not in content(response)


@pytest.mark.parametrize("username", ["ny-manager", "ny-dispatcher", "ny-engineer", "yn-it"])
def test_the_page_is_shown_to_vendor_staff_and_hospital_it(demo, username):
    assert login(username).get(PAGE).status_code == 200


def test_the_contract_page_and_the_dashboard_link_to_the_reports(demo):
    client = login("ny-manager")
    assert f'href="{PAGE}"' in client.get("/contracts/yn-his/").content.decode()
    assert f'href="{PAGE}"' in client.get("/contracts/yn-his/dashboard/").content.decode()


# --- asking ------------------------------------------------------------------------------


def test_the_form_offers_the_quarters_and_years_of_the_term_last_finished_quarter_first(demo):
    page = content(english("ny-manager").get(PAGE))
    # yn-his runs 2026-01-01 – 2026-12-31; today is 2026-11-20 (Q4 under way)
    for quarter in ("2026-Q4", "2026-Q3", "2026-Q2", "2026-Q1"):
        assert f'value="{quarter}"' in page
    assert 'value="2025-Q4"' not in page
    assert '<option value="2026-Q3" selected>' in page
    assert '<option value="2026" selected>2026</option>' in page
    assert '<option value="2025"' not in page


def test_asking_returns_at_once_with_a_queued_version(
    demo, renders, django_capture_on_commit_callbacks
):
    client = english("ny-manager")
    response = ask(client, django_capture_on_commit_callbacks)
    report_file = ReportFile.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{PAGE}#report-{report_file.report_id}"
    assert renders == [report_file.pk]  # handed to a worker, not rendered here
    assert report_file.state == RenderState.QUEUED and report_file.version == 1
    assert report_file.requested_by == demo_user("ny-manager")

    page = content(client.get(PAGE))
    assert "Quarterly operation summary 2026 Q3: version 1 is queued" in page
    assert "Queued, waiting to be made" in page and "杨帆" in page
    # the versions refresh themselves while one is unfinished
    partial = partial_url(report_file.report)
    assert f'hx-get="{partial}" hx-trigger="every 5s" hx-swap="outerHTML"' in page
    assert "Download PDF" not in page


def test_the_versions_partial_polls_until_no_version_is_unfinished(demo):
    report_file = scheduled(demo["yn-his"])
    client = english("yn-it")
    url = partial_url(report_file.report)
    queued = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert queued.startswith('<div class="rf-files"') and 'hx-trigger="every 5s"' in queued
    assert "OpsDesk (scheduled)" in queued and "<html" not in queued

    ReportFile.objects.filter(pk=report_file.pk).update(state=RenderState.RUNNING)
    assert "Being made…" in client.get(url).content.decode()

    ReportFile.objects.filter(pk=report_file.pk).update(
        state=RenderState.FAILED, error="RuntimeError: boom"
    )
    finished = client.get(url).content.decode()
    assert "hx-trigger" not in finished and "hx-get" not in finished
    assert "RuntimeError: boom" in finished


def test_an_annual_report_may_include_the_bound_book_a_quarterly_may_not(
    demo, renders, django_capture_on_commit_callbacks
):
    client = english("yn-it")
    refused = ask(client, django_capture_on_commit_callbacks, include_bound_book="on")
    assert refused.status_code == 400
    assert "Only the annual report includes the bound book." in content(refused)
    assert ReportFile.objects.count() == 0 and renders == []

    asked = ask(
        client,
        django_capture_on_commit_callbacks,
        kind="annual",
        year="2026",
        include_bound_book="on",
    )
    assert asked.status_code == 302
    report_file = ReportFile.objects.get()
    assert report_file.include_bound_book and report_file.report.kind == ReportKind.ANNUAL
    assert report_file.report.period_start.isoformat() == "2026-01-01"
    assert "with the bound book" in content(client.get(PAGE))


def test_invalid_input_keeps_what_was_typed(demo, renders, django_capture_on_commit_callbacks):
    response = ask(
        english("ny-manager"),
        django_capture_on_commit_callbacks,
        kind="annual",
        year="2031",
        include_bound_book="on",
    )
    page = content(response)
    assert response.status_code == 400
    assert "Select a valid choice. 2031 is not one of the available choices." in page
    assert re.search(r'<input type="radio" name="kind" value="annual"[^>]* checked>', page)
    assert re.search(r'<input type="checkbox" name="include_bound_book"[^>]* checked>', page)
    assert ReportFile.objects.count() == 0


def test_a_service_refusal_is_a_message_in_the_users_language(
    demo, renders, django_capture_on_commit_callbacks
):
    # ny-engineer may read the reports but not ask for them (the form is not offered)
    client = english("ny-engineer")
    assert "reports/request/" not in content(client.get(PAGE))
    response = ask(client, django_capture_on_commit_callbacks)
    assert response.status_code == 403
    assert "You may not ask for this contract&#x27;s reports." in content(response)
    assert renders == []


def test_asking_again_makes_a_new_version_and_keeps_the_earlier_ones(
    demo, renders, django_capture_on_commit_callbacks
):
    client = english("ny-manager")
    ask(client, django_capture_on_commit_callbacks)
    ask(client, django_capture_on_commit_callbacks)
    report = ServiceReport.objects.get()
    assert list(report.files.values_list("version", flat=True).order_by("version")) == [1, 2]
    assert len(renders) == 2
    page = content(client.get(PAGE))
    section = page.split(f'id="report-{report.pk}"', 1)[1]
    assert section.index("<strong>v2</strong>") < section.index("<strong>v1</strong>")


def test_reports_are_listed_newest_period_first(demo):
    contract = demo["yn-his"]
    scheduled(contract, 1)
    scheduled(contract, 3)
    services.request_report(
        contract=contract, kind=ReportKind.QUARTERLY, period=Period.quarter(2026, 2)
    )
    page = content(english("yn-it").get(PAGE))
    assert page.index("2026 Q3") < page.index("2026 Q2") < page.index("2026 Q1")


def test_the_page_reads_in_a_fixed_number_of_queries(demo):
    contract = demo["yn-his"]
    client = login("ny-manager")
    scheduled(contract, 1)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(PAGE).status_code == 200
        return len(captured.captured_queries)

    few = queries()
    for quarter in (1, 2, 3, 4):
        scheduled(contract, quarter)
    assert queries() == few


# --- the worker's result: ready, failed, retried -----------------------------------------


@pytest.mark.slow
def test_after_the_worker_ran_the_version_is_ready_and_downloads_as_a_pdf(
    demo, renders, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    client = english("yn-it")
    ask(client, django_capture_on_commit_callbacks)
    report_file = ReportFile.objects.get()
    assert "Queued, waiting to be made" in content(client.get(PAGE))

    services.run_render(report_file.pk)  # what the worker does with the queued id
    report_file.refresh_from_db()
    page = content(client.get(PAGE))
    assert report_file.state == RenderState.DONE
    assert "Ready" in page and "hx-trigger" not in page
    assert f'href="{download_url(report_file)}"' in page
    assert f"{report_file.pages} pages" in page and report_file.sha256[:12] in page

    response = client.get(download_url(report_file))
    body = b"".join(response.streaming_content)
    assert response.status_code == 200 and body.startswith(b"%PDF")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert login("yn-reporter").get(download_url(report_file)).status_code == 403


def test_a_version_not_ready_does_not_download(demo):
    report_file = scheduled(demo["yn-his"])
    assert login("yn-it").get(download_url(report_file)).status_code == 404


def test_a_failed_render_shows_its_reason_and_retry_queues_it_again(
    demo, renders, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(report_file):
        raise RuntimeError("the CJK font is missing")

    monkeypatch.setattr("reports.rendering.render_report_file", broken)
    report_file = scheduled(demo["yn-his"])
    services.run_render(report_file.pk)
    client = english("ny-dispatcher")
    page = content(client.get(PAGE))
    assert "Could not be made" in page
    assert "RuntimeError: the CJK font is missing" in page
    retry_url = f"/contracts/yn-his/reports/files/{report_file.pk}/retry/"
    assert f'action="{retry_url}"' in page
    assert client.get(download_url(report_file)).status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(retry_url)
    assert response.status_code == 302
    report_file.refresh_from_db()
    assert report_file.state == RenderState.QUEUED and report_file.error == ""
    assert renders == [report_file.pk]
    page = content(client.get(PAGE))
    assert "Version 1 is queued again." in page and 'hx-trigger="every 5s"' in page

    # a second retry of a version no longer failed is refused with a message
    again = client.post(retry_url)
    assert again.status_code == 409
    assert "Only a failed report can be retried." in content(again)


# --- the vendor manager's text and "make final" ------------------------------------------


def test_only_the_vendor_manager_writes_the_improvement_measures(demo):
    report = scheduled(demo["yn-his"]).report
    url = f"/contracts/yn-his/reports/{report.pk}/improvements/"
    it = english("yn-it")
    assert "improvements/" not in content(it.get(PAGE))
    refused = it.post(url, {"improvements": "加强巡检"})
    assert refused.status_code == 403
    assert "Only the vendor manager writes the improvement measures." in content(refused)
    assert english("ny-dispatcher").post(url, {"improvements": "x"}).status_code == 403

    manager = english("ny-manager")
    assert f'action="{url}"' in content(manager.get(PAGE))
    response = manager.post(url, {"improvements": "  一、加强夜间值守。\n二、每月巡检。  "})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.improvements == "一、加强夜间值守。\n二、每月巡检。"
    page = content(manager.get(PAGE))
    assert "The improvement measures are saved." in page
    assert "一、加强夜间值守。\n二、每月巡检。</textarea>" in page


def test_a_refusal_speaks_the_users_language(demo):
    report = scheduled(demo["yn-his"]).report
    response = login("yn-it").post(  # Chinese, the portal's first language
        f"/contracts/yn-his/reports/{report.pk}/improvements/", {"improvements": "加强巡检"}
    )
    assert response.status_code == 403
    assert "改进措施只能由服务商经理填写。" in content(response)


def test_text_too_long_is_refused_and_kept_in_the_form(demo):
    report = scheduled(demo["yn-his"]).report
    typed = "改进" * 10001
    response = english("ny-manager").post(
        f"/contracts/yn-his/reports/{report.pk}/improvements/", {"improvements": typed}
    )
    assert response.status_code == 400
    assert f">{typed}</textarea>" in content(response)
    report.refresh_from_db()
    assert report.improvements == ""


def test_making_final_saves_the_text_and_queues_the_final_version(
    demo, renders, django_capture_on_commit_callbacks
):
    report = scheduled(demo["yn-his"]).report
    final_url = f"/contracts/yn-his/reports/{report.pk}/final/"
    manager = english("ny-manager")
    page = content(manager.get(PAGE))
    assert f'formaction="{final_url}"' in page and "data-confirm=" in page

    empty = manager.post(final_url, {"improvements": ""})
    assert empty.status_code == 400
    assert "Write the improvement measures before making it final." in content(empty)
    assert english("yn-it").post(final_url, {"improvements": "x"}).status_code == 403

    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(final_url, {"improvements": "加强夜间值守。"})
    assert response.status_code == 302
    report.refresh_from_db()
    final = report.latest_file()
    assert report.is_final and report.improvements == "加强夜间值守。"
    assert report.final_by == demo_user("ny-manager")
    assert final.version == 2 and final.is_final and final.notify_contacts
    assert renders == [final.pk]

    page = content(manager.get(PAGE))
    assert "The report is final" in page and "made final 2026-11-20 10:00 by 杨帆" in page
    assert f'action="/contracts/yn-his/reports/{report.pk}/improvements/"' not in page
    assert "加强夜间值守。" in page  # shown as text now
    again = manager.post(final_url, {"improvements": "加强夜间值守。"})
    assert again.status_code == 409


def test_hospital_it_accepts_a_final_report_on_the_page_and_the_page_shows_it(demo, renders):
    report = scheduled(demo["yn-his"]).report
    services.save_improvements(report=report, by=demo_user("ny-manager"), text="加强夜间值守。")
    assert f"report-{report.pk}-accept" not in content(login("yn-it").get(PAGE))  # a draft
    services.make_final(report=report, by=demo_user("ny-manager"))
    assert f"report-{report.pk}-accept" not in content(login("ny-manager").get(PAGE))
    client = english("yn-it")
    assert f'id="report-{report.pk}-accept"' in content(client.get(PAGE))
    response = client.post(f"{PAGE}{report.pk}/accept/", {"opinion": "同意，按期落实。"})
    assert response.status_code == 302
    page = content(client.get(PAGE))
    assert "Accepted by the hospital" in page and "同意，按期落实。" in page
    assert f'id="report-{report.pk}-accept"' not in page
    refused = client.post(f"{PAGE}{report.pk}/accept/", {"opinion": "再次"})
    assert refused.status_code == 409 and "accepted this report already" in content(refused)
