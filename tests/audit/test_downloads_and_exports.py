"""Taking data out of OpsDesk is recorded: ticket list exports, report and inspection
report downloads, attachments."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from inspections import services as inspection_services
from inspections.models import InspectionReport
from reports import services as report_services
from reports.models import RenderState, ReportKind
from reports.periods import Period
from tests.api.conftest import token_client
from tests.audit.conftest import entries, only
from tests.conftest import login
from tests.factories import demo_user
from tests.inspections.conftest import answer_all, zj_quarter
from tests.tickets.conftest import at, file_ticket

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% a stand-in for a rendered report\n"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_a_portal_export_is_recorded_with_its_format_and_filters(demo):
    file_ticket(demo["yn-his"], "level-1", "2026-11-03 10:00")
    response = login("yn-it").get(
        "/tickets/export/", {"format": "xlsx", "show": "open"}, REMOTE_ADDR="10.0.0.8"
    )
    assert response.status_code == 200
    entry = only("tickets.export")
    assert (entry.actor, entry.ip) == (demo_user("yn-it"), "10.0.0.8")
    assert entry.data == {"format": "xlsx", "list": "tickets-open", "filters": {"show": "open"}}


def test_an_api_export_is_recorded_with_its_format_and_filters(demo):
    response = token_client("ny-engineer").get(
        "/api/v1/tickets/export/", {"format": "csv", "state": "new,acknowledged", "open": "true"}
    )
    assert response.status_code == 200
    b"".join(response.streaming_content)
    entry = only("tickets.export")
    assert entry.actor == demo_user("ny-engineer")
    assert entry.data["format"] == "csv" and entry.data["list"] == "api"
    assert entry.data["filters"] == {"state": "new,acknowledged", "open": "true"}


def test_a_refused_export_is_not_recorded(demo):
    response = login("yn-it").get("/tickets/export/", {"format": "pdf"})
    assert response.status_code == 400
    assert entries("tickets.export") == []


def _finished_report_file(contract):
    report_file = report_services.request_report(
        contract=contract, kind=ReportKind.QUARTERLY, period=Period.quarter(2026, 3)
    )
    report_file.file.save("q3.pdf", ContentFile(PDF), save=False)
    report_file.state = RenderState.DONE
    report_file.save()
    return report_file


def test_a_report_download_is_recorded_with_the_file_and_contract(demo, media):
    report_file = _finished_report_file(demo["yn-his"])
    url = f"/contracts/yn-his/reports/files/{report_file.pk}/download/"
    response = login("yn-it").get(url, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    entry = only("reports.file.downloaded")
    assert (entry.actor, entry.ip, entry.contract) == (
        demo_user("yn-it"),
        "10.0.0.9",
        demo["yn-his"],
    )
    assert (entry.object_type, entry.object_id) == ("reports.reportfile", str(report_file.pk))
    assert entry.data["filename"] == report_file.filename


def test_a_report_download_through_the_api_is_recorded(demo, media):
    report_file = _finished_report_file(demo["yn-his"])
    response = token_client("ny-manager").get(f"/api/v1/reports/files/{report_file.pk}/download/")
    assert response.status_code == 200
    entry = only("reports.file.downloaded")
    assert (entry.actor, entry.contract) == (demo_user("ny-manager"), demo["yn-his"])


def test_a_download_refused_is_not_recorded(demo):
    report_file = report_services.request_report(
        contract=demo["yn-his"], kind=ReportKind.QUARTERLY, period=Period.quarter(2026, 3)
    )  # not made yet
    url = f"/contracts/yn-his/reports/files/{report_file.pk}/download/"
    assert login("yn-it").get(url).status_code == 404
    assert login("yn-reporter").get(url).status_code == 403
    assert entries("reports.file.downloaded") == []


@pytest.fixture
def inspection_report(demo, media) -> InspectionReport:
    engineer = demo_user("ny-engineer")
    inspection = inspection_services.start(
        inspection=zj_quarter(demo), by=engineer, mode="on_site", now=at("2026-11-20 09:30")
    )
    answer_all(inspection, now=at("2026-11-20 11:00"))
    inspection = inspection_services.complete(
        inspection=inspection, by=engineer, findings="", suggestions="", now=at("2026-11-20 12:40")
    )
    report = InspectionReport(inspection=inspection, revision=1, sha256="0" * 64, size=1, pages=1)
    report.file.save("r1.pdf", ContentFile(PDF), save=False)
    report.save()
    return report


def test_an_inspection_report_download_is_recorded(demo, inspection_report):
    inspection = inspection_report.inspection
    response = login("zj-it").get(f"/inspections/{inspection.pk}/report/")
    assert response.status_code == 200
    entry = only("inspections.report.downloaded")
    assert (entry.actor, entry.contract) == (demo_user("zj-it"), demo["zj-einvoice"])
    assert entry.object_id == str(inspection_report.pk)
    assert entry.data == {"inspection": inspection.pk, "revision": 1}


def test_an_inspection_report_download_through_the_api_is_recorded(demo, inspection_report):
    inspection = inspection_report.inspection
    response = token_client("ny-engineer").get(f"/api/v1/inspections/{inspection.pk}/report/")
    assert response.status_code == 200
    entry = only("inspections.report.downloaded")
    assert (entry.actor, entry.contract) == (demo_user("ny-engineer"), demo["zj-einvoice"])


def test_an_attachment_download_is_recorded_in_the_portal_and_the_api(demo, media):
    from tickets import services

    ticket = file_ticket(demo["yn-his"], "level-1", "2026-11-03 10:00")
    attachment = services.attach_file(
        ticket=ticket,
        by=demo_user("yn-reporter"),
        upload=ContentFile(b"screenshot", name="screen.png"),
    )
    portal = login("yn-reporter").get(f"/tickets/{ticket.number}/attachments/{attachment.pk}/")
    api = token_client("ny-engineer").get(
        f"/api/v1/tickets/{ticket.pk}/attachments/{attachment.pk}/download/"
    )
    assert (portal.status_code, api.status_code) == (200, 200)
    recorded = entries("tickets.attachment.downloaded")
    assert [entry.actor for entry in recorded] == [
        demo_user("yn-reporter"),
        demo_user("ny-engineer"),
    ]
    assert {entry.contract for entry in recorded} == {demo["yn-his"]}
    assert recorded[0].data == {"ticket": ticket.number}
