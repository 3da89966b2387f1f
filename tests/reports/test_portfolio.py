"""The overview of a vendor manager's contracts reads each figure for all of them at once, and
each batched figure is the one its contract's dashboard shows (reports/figures.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts import periods
from contracts.models import Organization
from reports.figures import (
    onsite_days,
    onsite_days_by_contract,
    open_breaches,
    open_breaches_by_contract,
    overall_compliance_by_contract,
    person_days,
    person_days_by_contract,
    sla_compliance,
)
from reports.portfolio import portfolio
from sla.models import CalendarDateOverride
from tests.factories import ContractFactory, WorkdayCalendarFactory, demo_user
from tests.reports.conftest import NOW, file, log, work, yn_quarter  # noqa: F401 (a fixture)
from tests.tickets.conftest import at

pytestmark = pytest.mark.django_db


def queries_of_the_overview(now: dt.datetime) -> tuple[int, int]:
    """(rows, queries) of the overview of ny-manager's contracts."""
    manager = demo_user("ny-manager")
    portfolio(manager, now)  # anything read once per process is read before counting
    with CaptureQueriesContext(connection) as captured:
        rows = len(portfolio(manager, now).rows)
    return rows, len(captured)


def test_the_overview_costs_the_same_queries_for_three_contracts_as_for_eleven(demo):
    now = at(NOW)
    vendor = Organization.objects.get(code="NYYX")
    three, queries_for_three = queries_of_the_overview(now)
    # Eight more contracts of the same vendor, each with its own service year (so its own
    # quarter and quota year), an on-site minimum and a person-day quota: every figure of
    # the overview is read for them too.
    calendar = WorkdayCalendarFactory()
    for month in range(1, 9):
        ContractFactory(
            vendor=vendor,
            starts_on=dt.date(2025, month, 1),
            ends_on=dt.date(2027, 12, 31),
            calendar=calendar,
            min_onsite_days=10,
            person_day_quota=15,
        )
    eleven, queries_for_eleven = queries_of_the_overview(now)
    assert (three, eleven) == (3, 11)
    assert queries_for_eleven == queries_for_three
    # The contracts and their open tickets, then one read per figure: compliance, open
    # breaches, on-site days (worklogs, inspections and the working days: three), person-days.
    assert queries_for_three <= 2 + 1 + 1 + 5 + 1, queries_for_three


@pytest.fixture
def work_across_contracts(demo, yn_quarter):  # noqa: F811
    """yn_quarter's tickets and worklogs (one on a date yn's calendar of Chinese working days
    closes), and on-site and quota work at zj and gz: on working days and on a Saturday."""
    zj, gz = demo["zj-einvoice"], demo["gz-logistics"]
    zj_ticket = work(
        file(zj, zj.service_classes.order_by("position").first().code, "2026-09-07 09:00"),
        ack="2026-09-07 09:30",
    )
    log(zj_ticket, "2026-09-07", 240, "on_site")
    log(zj_ticket, "2026-09-12", 120, "on_site")  # a Saturday
    log(zj_ticket, "2026-09-08", 60, "on_site")
    CalendarDateOverride.objects.create(
        calendar=demo["yn-his"].calendar,
        date=dt.date(2026, 8, 4),  # yn_quarter logged on-site work that day
        is_open=False,
        note="院内停电检修",
    )
    gz_ticket = work(
        file(gz, gz.service_classes.order_by("position").first().code, "2026-09-01 09:00"),
        ack="2026-09-01 09:10",
    )
    log(gz_ticket, "2026-09-01", 240, "remote", quota=True, who="ny-engineer")
    log(gz_ticket, "2026-09-02", 90, "on_site", quota=True, who="ny-engineer")
    return demo


def test_batched_figures_equal_each_contracts_own_on_a_fixed_data_set(work_across_contracts):
    now = at(NOW)
    today = now.date()
    contracts = list(work_across_contracts.values())
    quarters = {c: periods.period_at(c, periods.default_kind(c), today).period for c in contracts}
    years = {c: periods.service_year(c, today).period for c in contracts}

    compliance = overall_compliance_by_contract(quarters, now)
    breaches = open_breaches_by_contract([c.pk for c in contracts], now)
    onsite = onsite_days_by_contract(years)
    used = person_days_by_contract(years)

    for contract in contracts:
        assert compliance[contract.pk] == sla_compliance(contract, quarters[contract], now).overall
        assert breaches[contract.pk] == len(open_breaches(contract, now))
        assert onsite[contract.pk] == onsite_days(contract, years[contract])
        assert used[contract.pk] == person_days(contract, years[contract])
    # The data set reaches every branch the figures have: the comparison is not of zeros.
    yn, zj, gz = (work_across_contracts[code] for code in ("yn-his", "zj-einvoice", "gz-logistics"))
    assert compliance[yn.pk].counted > 0 and compliance[yn.pk].breached > 0
    assert breaches[yn.pk] > 0
    assert onsite[zj.pk].days == 2 and onsite[zj.pk].off_days == (dt.date(2026, 9, 12),)
    assert dt.date(2026, 8, 4) in onsite[yn.pk].off_days  # closed by yn's own calendar
    assert used[gz.pk].minutes == 330


def test_the_overview_rows_are_the_batched_figures(work_across_contracts):
    now = at(NOW)
    for row in portfolio(demo_user("ny-manager"), now).rows:
        contract = row.contract
        assert row.compliance == sla_compliance(contract, row.quarter.period, now).overall.percent
        assert row.open_breaches == len(open_breaches(contract, now))
        assert row.onsite == (
            onsite_days(contract, row.year.period) if contract.min_onsite_days else None
        )
        assert row.person_days == (
            person_days(contract, row.year.period) if contract.person_day_quota else None
        )
