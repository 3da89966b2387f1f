"""GET /api/v1/portfolio/: the vendor manager's overview of their contracts, as the portal's
/portfolio/ shows it, for the vendor's managers only, each token seeing its own vendor's."""

from __future__ import annotations

import pytest
import time_machine

from contracts.models import Membership, Organization, Role
from reports.portfolio import portfolio
from tests.api.conftest import token_client
from tests.factories import ContractFactory, VendorFactory, demo_user
from tests.reports.conftest import NOW, yn_quarter  # noqa: F401 (a fixture)
from tests.reports.test_portfolio import work_across_contracts  # noqa: F401 (a fixture)
from tests.tickets.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def at_now():
    with time_machine.travel(at(NOW), tick=False):
        yield


def overview(username: str, **token) -> tuple[int, dict]:
    answer = token_client(username, **token).get("/api/v1/portfolio/")
    return answer.status_code, answer.json()


def test_a_managers_token_reads_the_figures_the_portal_shows(work_across_contracts, at_now):  # noqa: F811
    status, body = overview("ny-manager")
    assert status == 200, body
    shown = portfolio(demo_user("ny-manager"), at(NOW))
    assert body["today"] == "2026-09-30"
    assert [row["contract"]["code"] for row in body["contracts"]] == [
        row.contract.code for row in shown.rows
    ]
    for row, expected in zip(body["contracts"], shown.rows, strict=True):
        assert row["compliance_percent"] == (
            None if expected.compliance is None else f"{expected.compliance:.1f}"
        )
        assert row["meets_target"] == expected.meets_target
        assert (row["open_tickets"], row["open_breaches"]) == (
            expected.open_tickets,
            expected.open_breaches,
        )
        assert row["quarter"]["param"] == expected.quarter.param
        assert row["year"]["first_day"] == expected.year.period.start.isoformat()
    rows = {row["contract"]["code"]: row for row in body["contracts"]}
    # The hand-checked figures of work_across_contracts.
    assert rows["yn-his"]["open_breaches"] > 0
    assert rows["zj-einvoice"]["onsite_days"]["days"] == 2  # the Saturday does not count
    assert rows["gz-logistics"]["person_days"]["person_days"] == "0.69"  # 330 min / 480
    assert rows["yn-his"]["contract"]["hospital"]["code"] == "YN"


@pytest.mark.parametrize("username", ["ny-dispatcher", "ny-engineer", "yn-it", "yn-reporter"])
def test_the_overview_is_for_the_vendors_managers(demo, username):
    status, body = overview(username)
    assert status == 403
    assert "vendor's managers" in body["message"]


def test_the_refusal_speaks_the_callers_language(demo):
    status, body = overview("ny-dispatcher", language="zh-hans")
    assert status == 403
    assert body["message"] == "合同概览仅供服务商项目经理查看。"


def test_a_token_sees_its_own_vendors_contracts_only(demo, at_now):
    other = VendorFactory()
    theirs = ContractFactory(vendor=other, hospital=Organization.objects.get(code="YN"))
    manager = demo_user("ny-manager")
    Membership.objects.create(user=manager, organization=other, role=Role.VENDOR_MANAGER)
    ny = Organization.objects.get(code="NYYX")

    def codes(organization) -> set[str]:
        from rest_framework.test import APIClient

        from api.tokens import issue_token

        _token, raw = issue_token(user=manager, organization=organization, name="overview")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
        answer = client.get("/api/v1/portfolio/")
        assert answer.status_code == 200, answer.content
        return {row["contract"]["code"] for row in answer.json()["contracts"]}

    assert codes(other) == {theirs.code}
    assert theirs.code not in codes(ny)
    assert codes(ny) == {row.contract.code for row in portfolio(manager, at(NOW), [ny.pk]).rows}


def test_a_manager_elsewhere_is_refused_for_an_organisation_they_do_not_manage(demo):
    from rest_framework.test import APIClient

    from api.tokens import issue_token

    dispatcher = demo_user("ny-dispatcher")
    other = VendorFactory()
    Membership.objects.create(user=dispatcher, organization=other, role=Role.VENDOR_MANAGER)
    _token, raw = issue_token(
        user=dispatcher, organization=Organization.objects.get(code="NYYX"), name="overview"
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert client.get("/api/v1/portfolio/").status_code == 403


def test_the_overview_costs_the_same_queries_however_many_contracts(demo, at_now):
    import datetime as dt

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import WorkdayCalendarFactory

    client = token_client("ny-manager")

    def rows_and_queries() -> tuple[int, int]:
        client.get("/api/v1/portfolio/")  # the token's first use of the minute is recorded
        with CaptureQueriesContext(connection) as captured:
            answer = client.get("/api/v1/portfolio/")
        assert answer.status_code == 200
        return len(answer.json()["contracts"]), len(captured)

    few, queries_for_few = rows_and_queries()
    calendar = WorkdayCalendarFactory()
    for month in range(1, 6):  # each with its own service year, on-site minimum and quota
        ContractFactory(
            vendor=Organization.objects.get(code="NYYX"),
            starts_on=dt.date(2025, month, 1),
            ends_on=dt.date(2027, 12, 31),
            calendar=calendar,
            min_onsite_days=10,
            person_day_quota=15,
        )
    more, queries_for_more = rows_and_queries()
    assert more == few + 5
    assert queries_for_more == queries_for_few
