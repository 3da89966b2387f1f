"""Reporting periods: quarters and years of Shanghai calendar days, end excluded."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from reports.periods import SHANGHAI, Period


def test_a_quarter_runs_from_its_first_day_to_the_first_day_of_the_next():
    assert Period.quarter(2026, 3) == Period(dt.date(2026, 7, 1), dt.date(2026, 10, 1))
    assert Period.quarter(2026, 4) == Period(dt.date(2026, 10, 1), dt.date(2027, 1, 1))
    assert Period.quarter(2026, 1).days == 90 and Period.quarter(2026, 3).days == 92
    assert Period.quarter(2028, 1).days == 91  # leap year
    assert Period.quarter(2026, 3).last_day == dt.date(2026, 9, 30)


def test_a_year_is_the_calendar_year():
    assert Period.year(2026) == Period(dt.date(2026, 1, 1), dt.date(2027, 1, 1))
    assert Period.year(2026).is_year and not Period.year(2026).is_quarter


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        ("2026-01-01", (2026, 1)),
        ("2026-03-31", (2026, 1)),
        ("2026-09-30", (2026, 3)),
        ("2026-10-01", (2026, 4)),
        ("2026-12-31", (2026, 4)),
    ],
)
def test_current_quarter(today, expected):
    assert Period.current_quarter(dt.date.fromisoformat(today)) == Period.quarter(*expected)


def test_bounds_are_shanghai_midnights():
    start, end = Period.quarter(2026, 3).bounds()
    assert start == dt.datetime(2026, 7, 1, tzinfo=SHANGHAI)
    assert start == dt.datetime(2026, 6, 30, 16, 0, tzinfo=dt.UTC)
    assert end == dt.datetime(2026, 9, 30, 16, 0, tzinfo=dt.UTC)
    assert start.utcoffset() == dt.timedelta(hours=8)


def test_label_in_english_and_param_for_urls():
    with translation.override("en"):
        assert Period.quarter(2026, 3).label == "2026 Q3"
        assert Period.year(2026).label == "2026"
        assert Period(dt.date(2026, 7, 1), dt.date(2026, 8, 15)).label == "2026-07-01 – 2026-08-14"
    assert Period.quarter(2026, 3).param == "2026-Q3"


def test_parse_quarter_reads_what_param_writes_and_refuses_the_rest():
    assert Period.parse_quarter("2026-Q3") == Period.quarter(2026, 3)
    assert Period.parse_quarter("2026-q1") == Period.quarter(2026, 1)
    for bad in ("2026-Q5", "2026Q3", "Q3-2026", "", "2026-Q3; DROP", "1900-Q1", "２０２６-Q3"):
        with pytest.raises(ValueError):
            Period.parse_quarter(bad)


def test_previous_and_next_cross_years():
    assert Period.quarter(2026, 1).previous() == Period.quarter(2025, 4)
    assert Period.quarter(2026, 4).next() == Period.quarter(2027, 1)
    assert Period.quarter(2026, 3).next().previous() == Period.quarter(2026, 3)
    assert Period.year(2026).next() == Period.year(2027)


def test_months_lists_every_month_the_period_touches():
    assert Period.quarter(2026, 4).months() == [
        dt.date(2026, 10, 1),
        dt.date(2026, 11, 1),
        dt.date(2026, 12, 1),
    ]
    assert len(Period.year(2026).months()) == 12
    assert Period(dt.date(2026, 7, 15), dt.date(2026, 8, 2)).months() == [
        dt.date(2026, 7, 1),
        dt.date(2026, 8, 1),
    ]


def test_overlap_with_a_contract_term():
    q1 = Period.quarter(2026, 1)
    assert q1.overlap(dt.date(2026, 3, 1), dt.date(2027, 2, 28)) == Period(
        dt.date(2026, 3, 1), dt.date(2026, 4, 1)
    )
    assert q1.overlap(dt.date(2026, 4, 1), dt.date(2027, 3, 31)) is None


def test_a_period_must_end_after_it_starts():
    with pytest.raises(ValueError):
        Period(dt.date(2026, 7, 1), dt.date(2026, 7, 1))
