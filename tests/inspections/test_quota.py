"""On-site inspections count towards the on-site-day quota (C2: at least 10 days a year)."""

from __future__ import annotations

import datetime as dt

import pytest

from inspections import services
from reports import figures
from reports.periods import Period
from tests.inspections.conftest import answer_all, at, zj_quarter
from tickets.models import Worklog

pytestmark = pytest.mark.django_db

Q4 = Period.quarter(2026, 4)


def perform(inspection, engineer, mode, start, end):
    inspection = services.start(inspection=inspection, by=engineer, mode=mode, now=at(start))
    answer_all(inspection)
    return services.complete(inspection=inspection, by=engineer, now=at(end))


def test_an_on_site_inspection_counts_its_date_as_an_on_site_day(demo, engineer):
    perform(zj_quarter(demo), engineer, "on_site", "2026-11-20 09:30", "2026-11-20 12:40")
    onsite = figures.onsite_days(demo["zj-einvoice"], Q4)
    assert (onsite.dates, onsite.from_inspections) == ((dt.date(2026, 11, 20),), 1)
    assert onsite.yearly_minimum == 10


def test_a_remote_inspection_is_no_on_site_day(demo, engineer):
    perform(zj_quarter(demo), engineer, "remote", "2026-11-20 09:30", "2026-11-20 12:40")
    assert figures.onsite_days(demo["zj-einvoice"], Q4).days == 0


def test_an_inspection_over_two_days_counts_both(demo, engineer):
    perform(zj_quarter(demo), engineer, "on_site", "2026-11-19 15:00", "2026-11-20 11:00")
    assert figures.onsite_days(demo["zj-einvoice"], Q4).dates == (
        dt.date(2026, 11, 19),
        dt.date(2026, 11, 20),
    )


def test_a_day_with_on_site_work_and_an_inspection_counts_once(demo, engineer):
    inspection = perform(
        zj_quarter(demo), engineer, "on_site", "2026-11-20 09:30", "2026-11-20 12:40"
    )
    ticket = services.open_ticket(
        result=inspection.results.get(name="电子票据用户表空间使用率"),  # 93.5 %: abnormal
        by=engineer,
        service_class=inspection.contract.service_classes.get(code="level-2"),
        now=at("2026-11-20 12:45"),
    )
    Worklog.objects.create(
        ticket=ticket,
        engineer=engineer,
        work_date=dt.date(2026, 11, 20),
        minutes=60,
        mode="on_site",
        description="表空间扩容",
    )
    onsite = figures.onsite_days(demo["zj-einvoice"], Q4)
    assert (onsite.days, onsite.from_worklogs, onsite.from_inspections) == (1, 1, 1)


def test_an_unfinished_inspection_counts_nothing_yet(demo, engineer):
    services.start(
        inspection=zj_quarter(demo), by=engineer, mode="on_site", now=at("2026-11-20 09:30")
    )
    assert figures.onsite_days(demo["zj-einvoice"], Q4).days == 0
