"""Service years: the contract's start date defines its years and quarters.

C2 (湛江, term 2026-03-01 – 2027-02-28) runs March–February and asks for at least 10 on-site
WORKING days a year; C4 (复旦, 2026-07-01 – 2027-06-30) runs July–June; C5 (高州, the
calendar year) caps adaptive work at 15 person-days a year. The dashboard, the annual report
and these quotas count by service year; calendar quarters and years stay in the picker.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings

from contracts import periods
from reports.figures import onsite_days, person_days, quarter_by_quarter
from reports.models import ReportKind, ServiceReport
from reports.periods import Period
from tests.api.conftest import token_client
from tests.conftest import login
from tests.factories import ContractFactory, demo_user
from tests.reports.conftest import file, log
from tests.tickets.conftest import at

pytestmark = pytest.mark.django_db

D = dt.date.fromisoformat
TODAY = "2026-12-06 10:00"


def english(username: str):
    client = login(username)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def page(client, url: str) -> str:
    with time_machine.travel(at(TODAY), tick=False):
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode().split('<main class="page">', 1)[1]


def test_c2_service_year_runs_march_to_february_and_c4_july_to_june(demo):
    c2, c4 = demo["zj-einvoice"], demo["fd-internet"]
    assert periods.service_year(c2, D("2026-12-06")).period == Period(
        D("2026-03-01"), D("2027-03-01")
    )
    assert periods.service_quarter(c2, D("2026-12-06")).period == Period(
        D("2026-12-01"), D("2027-03-01")
    )
    assert periods.service_year(c4, D("2027-06-30")).period == Period(
        D("2026-07-01"), D("2027-07-01")
    )
    assert periods.service_quarter(c4, D("2027-01-15")).index == 3


def test_c2_dashboard_opens_on_the_service_quarter_and_offers_service_and_calendar_periods(demo):
    html = page(english("ny-manager"), "/contracts/zj-einvoice/dashboard/")
    assert "Service quarter 4: 2026-12-01 – 2027-02-28" in html
    for value in ("SY2026", "SY2026-Q1", "SY2026-Q4", "2026-Q1", "2026-Q4", "2026"):
        assert f'value="{value}"' in html
    assert 'value="SY2025' not in html  # before the term
    assert 'href="?period=SY2026-Q3"' in html  # the previous service quarter


def test_c2_dashboard_for_its_service_year_counts_on_site_working_days_only(demo):
    contract = demo["zj-einvoice"]
    ticket = file(contract, "level-2", "2026-03-06 10:00")
    with time_machine.travel(at(TODAY), tick=False):
        log(ticket, "2026-03-06", 240, "on_site")  # Friday
        log(ticket, "2026-03-07", 240, "on_site")  # Saturday: not a working day
        log(ticket, "2026-09-20", 240, "on_site")  # Sunday worked for National Day (调休)
        log(ticket, "2026-10-02", 240, "on_site")  # National Day holiday
        log(ticket, "2026-10-02", 60, "remote")
    figure = onsite_days(contract, periods.parse(contract, "SY2026").period)
    assert figure.dates == (D("2026-03-06"), D("2026-09-20"))
    assert figure.off_days == (D("2026-03-07"), D("2026-10-02"))
    assert figure.expected == 10  # the whole service year: the whole minimum

    html = page(english("ny-manager"), "/contracts/zj-einvoice/dashboard/?period=SY2026")
    assert "Service year 2026-03-01 – 2027-02-28" in html
    assert 'rel="prev"' not in html  # the term's first year: no step back before it
    assert "at least 10 expected this period (10 a year" in html
    assert "2 on-site days on weekends or holidays are not counted." in html


def test_a_yearly_minimum_is_whole_for_a_service_year_holding_a_29_february(db):
    contract = ContractFactory(
        starts_on=D("2027-07-01"), ends_on=D("2028-06-30"), min_onsite_days=10
    )
    year = periods.service_year(contract, D("2028-02-29")).period
    assert year.days == 366
    assert onsite_days(contract, year).expected == 10


def test_c5_person_day_quota_counts_the_whole_service_year(demo):
    contract = demo["gz-logistics"]
    ticket = file(contract, "level-2", "2026-05-06 10:00")
    with time_machine.travel(at(TODAY), tick=False):
        log(ticket, "2026-05-06", 480 * 3, "remote", quota=True, who="ny-engineer")
    figure = person_days(contract, periods.parse(contract, "SY2026").period)
    assert (figure.person_days, figure.quota) == (3, 15)
    html = page(english("ny-manager"), "/contracts/gz-logistics/dashboard/?period=2026")
    assert "at most 15 this period (15 a year" in html


def test_c2_annual_service_report_is_asked_for_its_service_year_on_the_page_and_in_the_api(
    demo, django_capture_on_commit_callbacks
):
    with time_machine.travel(at(TODAY), tick=False):
        form = page(english("ny-manager"), "/contracts/zj-einvoice/reports/")
        assert '<option value="SY2026" selected>' in form
        with django_capture_on_commit_callbacks(execute=False):
            response = english("ny-manager").post(
                "/contracts/zj-einvoice/reports/request/",
                {"kind": "annual", "year": "SY2026", "quarter": ""},
            )
    assert response.status_code == 302
    report = ServiceReport.objects.get(contract=demo["zj-einvoice"], kind=ReportKind.ANNUAL)
    assert (report.period_start, report.period_end) == (D("2026-03-01"), D("2027-03-01"))
    assert report.files.get().filename == "年度服务报告-zj-einvoice-20260301-20270228-v1.pdf"

    with (
        time_machine.travel(at(TODAY), tick=False),
        django_capture_on_commit_callbacks(execute=False),
    ):
        api = token_client("ny-manager").post(
            "/api/v1/reports/",
            {
                "contract": "zj-einvoice",
                "kind": "quarterly",
                "year": 2026,
                "quarter": 2,
                "basis": "service",
            },
            format="json",
        )
    assert api.status_code == 202, api.content
    quarterly = ServiceReport.objects.get(contract=demo["zj-einvoice"], kind=ReportKind.QUARTERLY)
    assert (quarterly.period_start, quarterly.period_end) == (D("2026-06-01"), D("2026-09-01"))


def test_c4_annual_report_of_its_service_year_lists_its_service_quarters(demo):
    contract = demo["fd-internet"]
    year = periods.parse(contract, "SY2026").period
    lines = quarter_by_quarter(contract, year, at("2027-07-01 00:00"))
    assert [line.period.start for line in lines] == [
        D("2026-07-01"),
        D("2026-10-01"),
        D("2027-01-01"),
        D("2027-04-01"),
    ]


def test_a_calendar_year_report_made_before_keeps_its_period_and_name(demo):
    contract = demo["zj-einvoice"]
    report = ServiceReport.objects.create(
        contract=contract,
        kind=ReportKind.ANNUAL,
        period_start=D("2026-01-01"),
        period_end=D("2027-01-01"),
    )
    file_row = report.files.create(
        version=1, requested_by=demo_user("ny-manager"), requested_at=at(TODAY)
    )
    assert file_row.filename == "年度服务报告-zj-einvoice-2026-v1.pdf"
    assert report.period.label == "2026"
