"""GET /api/v1/tickets/export/: the list's filters and visibility, as a CSV or Excel file."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import load_workbook
from rest_framework.test import APIClient

from api.tokens import issue_token
from contracts.models import Contract
from tests.api.conftest import file_level1, file_via_api, token_client
from tests.factories import MembershipFactory, demo_user
from tickets import exports

pytestmark = pytest.mark.django_db

URL = "/api/v1/tickets/export/"
BOM = "\ufeff"
NUMBER, TITLE, STATE = 0, 6, 7


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200, response
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text.removeprefix(BOM))))


def read_xlsx(response) -> list[list]:
    assert response.status_code == 200, response
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    assert response["Content-Disposition"].startswith('attachment; filename="tickets-')
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def numbers(rows: list[list]) -> set[str]:
    return {row[NUMBER] for row in rows[1:]}


def acknowledge(client: APIClient, ticket: dict) -> None:
    response = client.post(
        f"/api/v1/tickets/{ticket['id']}/acknowledge/",
        {"note": "已联系院方，承诺处理方案。"},
        format="json",
    )
    assert response.status_code == 200, response.json()


def test_the_state_filter_keeps_only_tickets_in_that_state(api):
    reporter, engineer = api("yn-reporter"), api("ny-engineer")
    acknowledged = file_level1(reporter)
    new = file_level1(reporter, level=2)
    acknowledge(engineer, acknowledged)

    only_acknowledged = read_csv(engineer.get(URL, {"state": "acknowledged", "format": "csv"}))
    both = read_xlsx(engineer.get(URL, {"state": "new,acknowledged", "format": "xlsx"}))

    assert numbers(only_acknowledged) == {acknowledged["number"]}
    assert numbers(both) == {acknowledged["number"], new["number"]}


def test_the_export_follows_the_lists_other_filters_and_ordering(api):
    reporter = api("yn-reporter")
    level1, level4 = file_level1(reporter), file_level1(reporter, level=4)
    client = api("yn-it")
    listed = client.get("/api/v1/tickets/", {"level": 4}).json()["results"]
    exported = read_csv(client.get(URL, {"level": 4}))
    assert [row[NUMBER] for row in exported[1:]] == [t["number"] for t in listed]
    assert numbers(exported) == {level4["number"]}
    newest_first = read_csv(client.get(URL, {"ordering": "-created_at"}))
    assert [row[NUMBER] for row in newest_first[1:]] == [level4["number"], level1["number"]]


def test_headers_follow_accept_language_and_chinese_text_stays_intact(api):
    file_level1(api("yn-reporter"), title="门诊收费系统无法登录")
    chinese = read_xlsx(token_client("yn-it", language="zh-hans").get(URL, {"format": "xlsx"}))
    english = read_csv(token_client("yn-it", language="en").get(URL))
    with translation.override("zh-hans"):
        assert chinese[0] == exports.headers()
    assert chinese[0][NUMBER] == "工单编号"
    assert chinese[1][TITLE] == "门诊收费系统无法登录"
    assert chinese[1][STATE] == "待受理"
    assert english[0][:3] == ["Number", "Hospital", "Contract code"]
    assert english[1][TITLE] == "门诊收费系统无法登录"
    assert english[1][STATE] == "New"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_formula_in_a_title_comes_out_as_text(api, fmt):
    formula = '=HYPERLINK("http://evil.example/","点这里")'
    file_level1(api("yn-reporter"), title=formula)
    response = api("yn-it").get(URL, {"format": fmt})
    rows = read_csv(response) if fmt == "csv" else read_xlsx(response)
    assert rows[1][TITLE] == "'" + formula


def test_another_hospitals_tickets_never_appear(api):
    ours = file_level1(api("yn-reporter"))
    theirs = file_via_api(api("zj-reporter"), "zj-einvoice", level=1)
    assert numbers(read_csv(api("yn-it").get(URL))) == {ours["number"]}
    assert numbers(read_csv(api("zj-it").get(URL))) == {theirs["number"]}
    # The vendor serves both hospitals and sees both.
    assert numbers(read_csv(api("ny-engineer").get(URL))) == {ours["number"], theirs["number"]}


def test_a_token_sees_only_its_own_organisations_tickets(api):
    ours = file_level1(api("yn-reporter"))
    theirs = file_via_api(api("zj-reporter"), "zj-einvoice", level=1)
    # A person who also works at the vendor gives the hospital's system a hospital token.
    person = demo_user("yn-it")
    contract = Contract.objects.get(code="yn-his")
    MembershipFactory(user=person, organization=contract.vendor, role="engineer")

    def export_with_token_of(organization) -> set[str]:
        _token, raw = issue_token(user=person, organization=organization, name="export")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
        return numbers(read_csv(client.get(URL)))

    assert export_with_token_of(contract.hospital) == {ours["number"]}
    assert export_with_token_of(contract.vendor) == {ours["number"], theirs["number"]}


@pytest.mark.parametrize(
    "query",
    [{"state": "bogus"}, {"format": "pdf"}, {"due_before": "tomorrow"}, {"assignee": "x"}],
)
def test_a_bad_filter_is_a_400_with_the_field_named(api, query):
    response = api("yn-it").get(URL, query)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["fields"]) == set(query)


def test_a_list_too_long_to_export_is_refused(api, monkeypatch):
    monkeypatch.setattr(exports, "MAX_ROWS", 1)
    reporter = api("yn-reporter")
    file_level1(reporter)
    file_level1(reporter, level=2)
    response = api("yn-it").get(URL, {"format": "xlsx"})
    assert response.status_code == 400
    assert response.json()["code"] == "too_many_rows"
    assert response.json()["message"].startswith("More than 1 tickets match")


def test_without_a_token_the_answer_is_401(demo):
    response = APIClient().get(URL, {"format": "csv"})
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_makes_the_same_number_of_queries_for_3_or_30_tickets(api, fmt):
    reporter, client = api("yn-reporter"), api("ny-engineer")

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(URL, {"format": fmt, "open": "true"})
            assert response.status_code == 200
            b"".join(response.streaming_content)
        return len(captured.captured_queries)

    for _ in range(3):
        acknowledge(client, file_level1(reporter))
    few = count()
    for _ in range(27):
        acknowledge(client, file_level1(reporter))
    many = count()
    assert many == few, f"{few} queries for 3 tickets, {many} for 30"


def test_the_schema_publishes_the_export_as_a_csv_or_xlsx_download(api):
    schema = api("yn-it").get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    operation = schema.json()["paths"]["/api/v1/tickets/export/"]["get"]
    assert operation["operationId"] == "tickets_export"
    assert set(operation["responses"]["200"]["content"]) == {
        "text/csv",
        exports.XLSX_CONTENT_TYPE,
    }
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert {"format", "state", "assignee", "due_before", "ordering"} <= names
    assert not {"cursor", "page_size"} & names
