"""The service reports API: asking (202, queued at once), following a version's progress,
downloading, retrying, the vendor manager's improvement measures and "make final", the
list's query, and what each caller may see (foreign contracts' reports are 404)."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports import services
from reports.models import ReportFile, ReportKind, ServiceReport
from reports.periods import Period
from tests.api.conftest import token_client
from tests.factories import demo_user

pytestmark = pytest.mark.django_db

NOW = "2026-11-20 10:00 +08:00"
LIST = "/api/v1/reports/"


@pytest.fixture
def world(demo):
    """The demo on 2026-11-20 (Q4 under way), with renders recorded instead of run."""
    with time_machine.travel(NOW, tick=False):
        yield demo


@pytest.fixture
def renders(monkeypatch) -> list[int]:
    from reports.tasks import render

    queued: list[int] = []
    monkeypatch.setattr(render, "delay", queued.append)
    return queued


@pytest.fixture
def ask(renders, django_capture_on_commit_callbacks):
    """`ask(client, contract="yn-his", …)` posts a request and runs the after-commit hand-over."""

    def post(client, **fields):
        body = {"contract": "yn-his", "kind": "quarterly", "year": 2026, "quarter": 3, **fields}
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(LIST, body, format="json")

    return post


def scheduled(contract, quarter: int = 3) -> ReportFile:
    return services.request_report(
        contract=contract, kind=ReportKind.QUARTERLY, period=Period.quarter(2026, quarter)
    )


def file_url(report_file: ReportFile, suffix: str = "") -> str:
    return f"/api/v1/reports/files/{report_file.pk}/{suffix}"


def report_url(report: ServiceReport, suffix: str = "") -> str:
    return f"/api/v1/reports/{report.pk}/{suffix}"


def test_the_download_route_is_the_one_notices_name(world):
    assert reverse("api:report-file-download", kwargs={"pk": 7}) == (
        "/api/v1/reports/files/7/download/"
    )


# --- asking ------------------------------------------------------------------------------


def test_asking_returns_202_at_once_with_the_queued_version(world, ask, renders):
    response = ask(token_client("ny-manager"))
    assert response.status_code == 202, response.json()
    body = response.json()
    report_file = ReportFile.objects.get()
    assert body["id"] == report_file.pk and body["version"] == 1
    assert body["state"] == "queued" and body["download"] is None
    assert body["url"] == f"http://testserver{file_url(report_file)}"
    assert response["Location"] == body["url"]
    assert body["requested_by"]["name"] == "杨帆"
    assert renders == [report_file.pk]  # a worker makes it; the request did not

    progress = token_client("yn-it").get(file_url(report_file))
    assert progress.status_code == 200 and progress.json()["state"] == "queued"


def test_asking_again_makes_the_next_version_and_keeps_the_earlier(world, ask):
    client = token_client("yn-it")
    assert ask(client).json()["version"] == 1
    assert ask(client).json()["version"] == 2
    report = ServiceReport.objects.get()
    detail = client.get(report_url(report)).json()
    assert [f["version"] for f in detail["files"]] == [2, 1]
    assert detail["period"] == "2026 Q3" and detail["period_start"] == "2026-07-01"
    assert detail["period_end"] == "2026-10-01" and detail["kind"] == "quarterly"


def test_an_annual_report_with_the_bound_book(world, ask):
    response = ask(token_client("ny-manager"), kind="annual", quarter=None, include_bound_book=True)
    assert response.status_code == 202, response.json()
    report_file = ReportFile.objects.get()
    assert report_file.include_bound_book and report_file.report.kind == "annual"
    assert report_file.report.period_start.isoformat() == "2026-01-01"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"quarter": None}, "quarter"),
        ({"kind": "annual"}, "quarter"),  # a year has no quarter
        ({"kind": "monthly"}, "kind"),
        ({"quarter": 5}, "quarter"),
        ({"year": "next"}, "year"),
        ({"contract": "cd-nutrition"}, "contract"),  # not the caller's: unseen, not 403
        ({"contract": "nonexistent"}, "contract"),
    ],
)
def test_bad_requests_are_400_with_the_field(world, ask, renders, fields, field):
    response = ask(token_client("ny-manager"), **fields)
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert renders == [] and not ReportFile.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"include_bound_book": True}, "Only the annual report includes the bound book."),
        ({"year": 2025, "quarter": 4}, "The contract was not in force in 2025 Q4"),
        ({"contract": "zj-einvoice", "year": 2027, "quarter": 1}, "not yet begun"),
    ],
)
def test_the_services_refusals_are_400_with_their_reason(world, ask, fields, message):
    response = ask(token_client("ny-manager"), **fields)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and message in response.json()["message"]


def test_a_party_who_may_not_ask_gets_403(world, ask):
    for username in ("ny-engineer", "yn-reporter"):
        response = ask(token_client(username))
        assert response.status_code == 403 and response.json()["code"] == "forbidden"


def test_error_messages_follow_accept_language(world, ask):
    response = ask(token_client("ny-manager", language="zh-hans"), kind="monthly")
    assert response.status_code == 400
    assert "monthly" in response.json()["fields"]["kind"][0]
    assert response.json()["message"] == "请修正下列标出的字段。"


# --- reading: what each caller sees ------------------------------------------------------


def test_foreign_contracts_reports_are_404_never_403(world, ask):
    report_file = scheduled(world["yn-his"])
    report = report_file.report
    for username in ("zj-it", "rk-manager"):
        client = token_client(username)
        assert client.get(LIST).json() == []
        assert client.get(LIST + "?contract=yn-his").json() == []
        assert client.get(report_url(report)).status_code == 404
        assert (
            client.patch(report_url(report), {"improvements": "x"}, format="json").status_code
            == 404
        )
        assert client.post(report_url(report, "final/")).status_code == 404
        assert client.get(file_url(report_file)).status_code == 404
        assert client.post(file_url(report_file, "retry/")).status_code == 404
        download = client.get(file_url(report_file, "download/"))
        assert download.status_code == 404 and download.json()["code"] == "not_found"


def test_hospital_reporters_see_no_reports(world):
    report_file = scheduled(world["yn-his"])
    client = token_client("yn-reporter")
    assert client.get(LIST).json() == []
    assert client.get(report_url(report_file.report)).status_code == 404
    assert client.get(file_url(report_file)).status_code == 404


def test_the_list_filters_by_contract_kind_and_year(world, ask):
    scheduled(world["yn-his"], 2)
    scheduled(world["yn-his"], 3)
    scheduled(world["gz-logistics"], 3)
    services.request_report(
        contract=world["yn-his"], kind=ReportKind.ANNUAL, period=Period.year(2026)
    )
    client = token_client("ny-manager")
    everything = client.get(LIST).json()
    assert len(everything) == 4
    assert [row["period_start"] for row in everything][:2] == ["2026-07-01", "2026-07-01"]

    yn = client.get(LIST + "?contract=yn-his&kind=quarterly&year=2026").json()
    assert [row["period"] for row in yn] == ["2026 Q3", "2026 Q2"]
    assert {row["contract"] for row in yn} == {"yn-his"}
    annual = client.get(LIST + "?kind=annual").json()
    assert [(row["contract"], row["kind"]) for row in annual] == [("yn-his", "annual")]
    assert client.get(LIST + "?year=2025").json() == []
    # yn-it sees only its hospital's contract
    assert {row["contract"] for row in token_client("yn-it").get(LIST).json()} == {"yn-his"}


@pytest.mark.parametrize(
    "query", ["kind=monthly", "year=abc", "year=1999", "year=2026.5", "contract=no%20such!"]
)
def test_bad_query_parameters_are_400(world, query):
    response = token_client("ny-manager").get(f"{LIST}?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert set(response.json()["fields"]) & {"kind", "year", "contract"}


def test_the_list_makes_a_fixed_number_of_queries(world):
    client = token_client("ny-manager")
    scheduled(world["yn-his"], 1)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(LIST)
        assert response.status_code == 200
        return len(captured.captured_queries)

    queries()  # the token's first use of the minute records last_used_at
    few = queries()
    for contract in (world["yn-his"], world["gz-logistics"], world["zj-einvoice"]):
        for quarter in (2, 3, 4):
            scheduled(contract, quarter)
            scheduled(contract, quarter)
    assert len(client.get(LIST).json()) == 10
    assert queries() == few
    assert few <= 6


# --- the vendor manager's text and "make final" ------------------------------------------


def test_only_the_vendor_manager_writes_the_improvements_and_makes_final(world, renders):
    report = scheduled(world["yn-his"]).report
    for username in ("yn-it", "ny-dispatcher"):
        client = token_client(username)
        refused = client.patch(report_url(report), {"improvements": "x"}, format="json")
        assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
        assert client.post(report_url(report, "final/")).status_code == 403

    manager = token_client("ny-manager")
    not_yet = manager.post(report_url(report, "final/"))
    assert not_yet.status_code == 400
    assert "Write the improvement measures" in not_yet.json()["message"]

    saved = manager.patch(report_url(report), {"improvements": " 加强夜间值守。 "}, format="json")
    assert saved.status_code == 200
    assert saved.json()["improvements"] == "加强夜间值守。" and saved.json()["final_at"] is None

    final = manager.post(report_url(report, "final/"))
    assert final.status_code == 202, final.json()
    assert final.json()["version"] == 2 and final.json()["is_final"]
    assert final.json()["state"] == "queued"
    detail = manager.get(report_url(report)).json()
    assert detail["is_final"] and detail["final_at"].startswith("2026-11-20T10:00")
    assert detail["final_by"]["name"] == "杨帆"

    assert manager.post(report_url(report, "final/")).status_code == 409
    locked = manager.patch(report_url(report), {"improvements": "改"}, format="json")
    assert locked.status_code == 409 and locked.json()["code"] == "conflict"


def test_improvements_must_be_text(world):
    report = scheduled(world["yn-his"]).report
    client = token_client("ny-manager")
    response = client.patch(report_url(report), {}, format="json")
    assert response.status_code == 400 and "improvements" in response.json()["fields"]


# --- a version's file: failure, retry, download ------------------------------------------


def test_a_failed_version_says_why_and_retry_queues_it_again(
    world, renders, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(report_file):
        raise RuntimeError("the CJK font is missing")

    monkeypatch.setattr("reports.rendering.render_report_file", broken)
    report_file = scheduled(world["yn-his"])
    services.run_render(report_file.pk)
    client = token_client("yn-it")
    failed = client.get(file_url(report_file)).json()
    assert failed["state"] == "failed" and "the CJK font is missing" in failed["error"]
    not_made = client.get(file_url(report_file, "download/"))
    assert not_made.status_code == 404 and "retry it" in not_made.json()["message"]

    assert token_client("ny-engineer").post(file_url(report_file, "retry/")).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        retried = client.post(file_url(report_file, "retry/"))
    assert retried.status_code == 202
    assert retried.json()["state"] == "queued" and retried.json()["error"] == ""
    assert renders == [report_file.pk]
    again = client.post(file_url(report_file, "retry/"))
    assert again.status_code == 409


def test_a_version_not_made_yet_is_404_json(world):
    report_file = scheduled(world["yn-his"])
    response = token_client("yn-it").get(file_url(report_file, "download/"))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "not made yet" in response.json()["message"]


@pytest.mark.slow
def test_a_done_version_downloads_as_a_pdf_attachment(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    report_file = services.request_report(
        contract=world["zj-einvoice"],
        kind=ReportKind.QUARTERLY,
        period=Period.quarter(2026, 3),
        by=None,
    )
    services.run_render(report_file.pk)
    client = token_client("zj-it")
    body = client.get(file_url(report_file)).json()
    assert body["state"] == "done" and body["pages"] >= 1 and len(body["sha256"]) == 64
    assert body["requested_by"] is None
    assert body["download"] == f"http://testserver{file_url(report_file, 'download/')}"

    response = client.get(file_url(report_file, "download/"), HTTP_ACCEPT="application/pdf")
    content = b"".join(response.streaming_content)
    assert response.status_code == 200 and content.startswith(b"%PDF")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert len(content) == body["size"]
    assert token_client("yn-it").get(file_url(report_file, "download/")).status_code == 404


def test_hospital_it_accepts_the_final_report_and_the_resource_shows_it(world, renders):
    report = scheduled(world["yn-his"]).report
    services.save_improvements(report=report, by=demo_user("ny-manager"), text="加强夜间值守。")
    hospital_it = token_client("yn-it")
    draft = hospital_it.post(report_url(report, "accept/"), {"opinion": "同意"}, format="json")
    assert draft.status_code == 409, draft.json()  # not final yet
    services.make_final(report=report, by=demo_user("ny-manager"))
    vendor = token_client("ny-manager").post(report_url(report, "accept/"), {}, format="json")
    assert vendor.status_code == 403
    accepted = hospital_it.post(report_url(report, "accept/"), {"opinion": "同意"}, format="json")
    assert accepted.status_code == 200, accepted.json()
    body = accepted.json()
    assert body["acceptance_opinion"] == "同意" and body["accepted_at"]
    assert body["accepted_by"] is not None
    again = hospital_it.post(report_url(report, "accept/"), {}, format="json")
    assert again.status_code == 409
