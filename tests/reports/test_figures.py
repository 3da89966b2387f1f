"""The figures of a quarter, each checked against numbers counted by hand from the data set
in conftest.py (2026 Q3 of yn-his, as of 2026-09-30 12:00)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from contracts.models import Contract
from reports import figures
from reports.figures import (
    DurationStats,
    Tally,
    nearest_rank,
    prorated,
    quarter_summary,
)
from reports.periods import Period
from sla.calendar import working_time
from sla.models import ServiceCalendar
from tests.factories import demo_user
from tests.reports.conftest import file, log, phoned_in, work
from tests.tickets.conftest import at
from tickets import services
from tickets.models import TicketClock

pytestmark = pytest.mark.django_db

Q2, Q3 = Period.quarter(2026, 2), Period.quarter(2026, 3)


def d(text: str) -> Decimal:
    return Decimal(text)


# --- tickets by kind, level, system, month ------------------------------------------------


def test_tickets_are_counted_in_the_quarter_they_were_reported_in(yn_quarter):
    contract = yn_quarter.contract
    by_kind = figures.tickets_by_kind(contract, Q3)
    # T1 T2 T3 T4 T5 T7 (T0 and T6 were reported in Q2); the cancelled T7 counts too.
    assert [(row.key, row.count) for row in by_kind] == [("fault", 6)]
    by_level = figures.tickets_by_level(contract, Q3)
    assert [(row.key, row.label, row.count) for row in by_level] == [
        (1, "一级故障", 3),  # T1 T2 T5
        (2, "二级故障", 2),  # T3 T4
        (3, "三级故障", 0),  # T6 belongs to Q2
        (4, "四级故障", 1),  # T7
    ]
    assert [(row.key, row.count) for row in figures.tickets_by_kind(contract, Q2)] == [("fault", 2)]


def test_tickets_by_channel_count_each_way_the_hospital_reported_in_the_quarter(yn_quarter):
    contract = yn_quarter.contract
    phoned_in(contract, reported="2026-09-20 09:40", entered="2026-09-20 10:00")
    rows = figures.tickets_by_channel(contract, Q3)
    # T1 T2 T3 T4 T5 T7 came in by the portal; the call above by phone, counted from 09:40.
    assert [(row.key, row.label, row.count) for row in rows] == [
        ("portal", "门户", 6),
        ("phone", "电话", 1),
    ]
    summary = figures.quarter_summary(contract, Q3, yn_quarter.now)
    assert summary.by_channel == rows
    assert sum(row.count for row in rows) == summary.tickets_total


def test_tickets_by_system_name_the_system_most_tickets_first(yn_quarter):
    contract = yn_quarter.contract
    first, second = list(contract.systems.all()[:2])
    rows = figures.tickets_by_system(contract, Q3)
    assert [(row.key, row.label, row.count) for row in rows] == [
        (first.pk, first.name, 4),  # T1 T2 T4 T5
        (second.pk, second.name, 2),  # T3 T7
    ]


def test_tickets_by_month_split_by_level_with_every_month_of_the_quarter(yn_quarter):
    monthly = figures.tickets_by_month(yn_quarter.contract, Q3)
    assert monthly.levels == (1, 2, 4)
    assert monthly.labels == ("一级故障", "二级故障", "四级故障")
    assert [(row.month, row.counts, row.total) for row in monthly.months] == [
        (dt.date(2026, 7, 1), (2, 0, 1), 3),  # T1 T2 | T7
        (dt.date(2026, 8, 1), (0, 1, 0), 1),  # T3
        (dt.date(2026, 9, 1), (1, 1, 0), 2),  # T5 | T4
    ]
    assert monthly.total == 6


def test_months_are_cut_at_shanghai_midnight(demo):
    contract = demo["yn-his"]
    file(contract, "level-2", "2026-08-01 00:30")  # 2026-07-31 16:30 UTC
    file(contract, "level-2", "2026-07-31 23:59")
    monthly = figures.tickets_by_month(contract, Q3)
    assert [row.total for row in monthly.months] == [1, 1, 0]


def test_tickets_without_a_level_form_one_other_part(demo):
    contract = demo["cd-nutrition"]
    file(contract, "usage-support", "2026-07-07 09:00")
    file(contract, "level-2", "2026-07-08 09:00")
    monthly = figures.tickets_by_month(contract, Q3)
    assert monthly.levels == (2, None)
    with translation.override("en"):
        assert str(monthly.labels[1]) == "Other kinds"
    assert monthly.months[0].counts == (1, 1)
    kinds = figures.tickets_by_kind(contract, Q3)
    assert [(row.key, row.count) for row in kinds] == [("fault", 1), ("service_request", 1)]


# --- SLA compliance ----------------------------------------------------------------------


def tallies(compliance):
    return {
        row.clock: (row.tally.on_time, row.tally.breached, row.tally.pending, row.tally.percent)
        for row in compliance.by_clock
    }


def test_compliance_per_clock_counts_clocks_due_or_met_in_the_quarter(yn_quarter):
    compliance = figures.sla_compliance(yn_quarter.contract, Q3, yn_quarter.now)
    assert tallies(compliance) == {
        # on time T1 T3 T4 T7; breached T2 (late), T5 (running past due), T6 (met late in Q3)
        "respond": (4, 3, 0, d("57.1")),
        # on time T1 T2 T3 T6; breached T4 (running past due); pending T5; T7's is inactive
        "arrive": (4, 1, 1, d("80.0")),
        # on time T1; breached T2 T3 (late), T4 (running past due); pending T5
        "resolve": (1, 3, 1, d("25.0")),
    }
    overall = compliance.overall
    assert (overall.on_time, overall.breached, overall.pending) == (9, 7, 2)
    assert overall.percent == d("56.3")  # 9 / 16 = 56.25 %, rounded half up


def test_compliance_per_level_uses_the_level_the_ticket_has(yn_quarter):
    compliance = figures.sla_compliance(yn_quarter.contract, Q3, yn_quarter.now)
    rows = {
        row.level: (row.label, row.tally.on_time, row.tally.breached, row.tally.pending)
        for row in compliance.by_level
    }
    assert rows == {
        1: ("一级故障", 4, 3, 2),  # T1 3 on time; T2 respond+resolve late; T5 respond late
        2: ("二级故障", 3, 3, 0),  # T3 respond+arrive, T4 respond; T3 resolve, T4 arr+res
        3: ("三级故障", 1, 1, 0),  # T6 arrive on time, respond late
        4: ("四级故障", 1, 0, 0),  # T7 respond
    }
    level_1 = compliance.by_level[0]
    assert [(row.clock, row.tally.percent) for row in level_1.by_clock] == [
        ("respond", d("33.3")),
        ("arrive", d("100.0")),
        ("resolve", d("50.0")),
    ]
    assert [row.tally.percent for row in compliance.by_level] == [
        d("57.1"),
        d("50.0"),
        d("50.0"),
        d("100.0"),
    ]


def test_a_clock_met_after_its_due_time_counts_as_breached(demo):
    contract = demo["yn-his"]
    ticket = work(file(contract, "level-2", "2026-07-06 10:00"), ack="2026-07-06 11:05")
    # Even where no breach was recorded on the clock, meeting it late is a breach.
    TicketClock.objects.filter(ticket=ticket, name="respond").update(breached_at=None)
    compliance = figures.sla_compliance(contract, Q3, at("2026-07-06 11:10"))
    respond = compliance.for_clock("respond").tally
    assert (respond.on_time, respond.breached, respond.percent) == (0, 1, d("0.0"))
    (breach,) = figures.breaches(contract, Q3, at("2026-07-06 11:10"))
    assert (breach.clock, breach.minutes_late) == ("respond", 5)


def test_a_clock_met_exactly_at_its_due_time_is_on_time(demo):
    contract = demo["yn-his"]
    work(file(contract, "level-2", "2026-07-06 10:00"), ack="2026-07-06 11:00")
    respond = figures.sla_compliance(contract, Q3, at("2026-07-07 00:00")).for_clock("respond")
    assert (respond.tally.on_time, respond.tally.breached) == (1, 0)


def test_a_running_clock_past_due_is_breached_before_the_sweep_records_it(demo):
    contract = demo["yn-his"]
    ticket = file(contract, "level-1", "2026-07-06 10:00")
    assert not ticket.clocks.filter(breached_at__isnull=False).exists()
    respond = figures.sla_compliance(contract, Q3, at("2026-07-06 10:31")).for_clock("respond")
    assert (respond.tally.on_time, respond.tally.breached, respond.tally.pending) == (0, 1, 0)
    still_in_time = figures.sla_compliance(contract, Q3, at("2026-07-06 10:29"))
    assert still_in_time.for_clock("respond").tally == Tally(on_time=0, breached=0, pending=1)


def test_an_extension_agreed_by_the_hospital_moves_the_deadline_a_clock_is_judged_by(demo):
    contract = demo["cd-nutrition"]  # level 3: respond 30 min, resolve 60 min (+60 allowed)
    engineer = demo_user("rk-engineer")
    extended = file(contract, "level-3", "2026-07-06 10:00")
    services.acknowledge(
        note="已联系院方，承诺处理方案。", ticket=extended, by=engineer, now=at("2026-07-06 10:10")
    )
    services.extend_clock(
        ticket=extended,
        by=engineer,
        clock="resolve",
        minutes=30,
        reason="需要院方导出数据",
        consent_person=demo_user("cd-it"),
        now=at("2026-07-06 10:50"),
    )
    services.resolve(ticket=extended, by=engineer, note="已修复", now=at("2026-07-06 11:20"))
    plain = file(contract, "level-3", "2026-07-06 14:00")
    services.acknowledge(
        note="已联系院方，承诺处理方案。", ticket=plain, by=engineer, now=at("2026-07-06 14:05")
    )
    services.resolve(ticket=plain, by=engineer, note="已修复", now=at("2026-07-06 15:20"))
    resolve = figures.sla_compliance(contract, Q3, at("2026-07-07 00:00")).for_clock("resolve")
    # 11:20 is within 10:00 + 60 + 30 min; 15:20 is 20 minutes past 15:00.
    assert (resolve.tally.on_time, resolve.tally.breached, resolve.tally.percent) == (
        1,
        1,
        d("50.0"),
    )


def test_compliance_is_none_when_nothing_was_due(demo):
    contract = demo["yn-his"]
    compliance = figures.sla_compliance(contract, Q3, at("2026-09-30 12:00"))
    assert [row.clock for row in compliance.by_clock] == ["respond", "arrive", "resolve"]
    assert all(row.tally.percent is None for row in compliance.by_clock)
    assert compliance.overall.percent is None and compliance.by_level == ()
    file(contract, "level-2", "2026-09-30 11:30")  # all three clocks still running
    pending = figures.sla_compliance(contract, Q3, at("2026-09-30 12:00")).for_clock("respond")
    assert pending.tally == Tally(on_time=0, breached=0, pending=1)
    assert pending.tally.percent is None


def test_only_the_clocks_the_sla_table_sets_are_listed(demo):
    compliance = figures.sla_compliance(demo["zj-einvoice"], Q3, at("2026-09-30 12:00"))
    assert [row.clock for row in compliance.by_clock] == ["resolve"]


def test_a_clock_due_in_one_quarter_and_met_late_in_the_next_counts_in_both(yn_quarter):
    # T6's respond clock: due 2026-06-30 12:00 (Q2), met 2026-07-01 09:00 (Q3).
    q2 = figures.sla_compliance(yn_quarter.contract, Q2, yn_quarter.now).for_clock("respond")
    assert (q2.tally.on_time, q2.tally.breached) == (1, 1)  # T0 on time, T6 late
    q3_breaches = figures.breaches(yn_quarter.contract, Q3, yn_quarter.now)
    assert yn_quarter.tickets["T6"].number in {breach.ticket_number for breach in q3_breaches}


def test_a_level_change_that_removes_a_clock_takes_it_out_of_the_count(demo):
    contract = demo["yn-his"]
    ticket = file(contract, "level-2", "2026-07-06 10:00")
    services.change_level(
        ticket=ticket,
        by=demo_user("ny-dispatcher"),
        service_class=contract.service_classes.get(code="level-4"),
        note="仅为配置咨询",
        now=at("2026-07-06 10:10"),
    )
    compliance = figures.sla_compliance(contract, Q3, at("2026-07-20 00:00"))
    # Level 4 has no resolve clock: the level-2 resolve clock no longer applies.
    assert compliance.for_clock("resolve").tally == Tally()
    assert compliance.for_clock("respond").tally.breached == 1  # 2 h, never answered


# --- breaches ----------------------------------------------------------------------------


def test_every_breach_of_the_quarter_is_listed_with_how_late_it_was(yn_quarter):
    t = yn_quarter.tickets
    rows = figures.breaches(yn_quarter.contract, Q3, yn_quarter.now)
    assert [
        (row.ticket_number, row.level, row.clock, row.due_at, row.met_at, row.minutes_late)
        for row in rows
    ] == [
        # In working hours (08:30–17:30): 12:00–17:30 and 08:30–09:00, not 21 h of clock time.
        (t["T6"].number, 3, "respond", at("2026-06-30 12:00"), at("2026-07-01 09:00"), 360),
        (t["T2"].number, 1, "respond", at("2026-07-14 09:30"), at("2026-07-14 09:45"), 15),
        (t["T2"].number, 1, "resolve", at("2026-07-14 15:00"), at("2026-07-14 16:00"), 60),
        (t["T3"].number, 2, "resolve", at("2026-08-03 20:00"), at("2026-08-03 21:00"), 60),
        (t["T4"].number, 2, "arrive", at("2026-09-30 08:00"), None, 240),
        (t["T4"].number, 2, "resolve", at("2026-09-30 08:00"), None, 240),
        (t["T5"].number, 1, "respond", at("2026-09-30 11:30"), None, 30),
    ]
    assert rows[0].level_label == "三级故障" and rows[0].ticket_title == "系统故障"
    assert [row.still_open for row in rows] == [False] * 4 + [True] * 3


def test_open_breaches_are_the_running_clocks_past_due_now(yn_quarter):
    t = yn_quarter.tickets
    rows = figures.open_breaches(yn_quarter.contract, yn_quarter.now)
    assert [(row.ticket_number, row.clock, row.minutes_late) for row in rows] == [
        (t["T4"].number, "arrive", 240),
        (t["T4"].number, "resolve", 240),
        (t["T5"].number, "respond", 30),
    ]
    # Five hours later T5's arrive and resolve clocks (due 17:00) have run out as well.
    later = figures.open_breaches(yn_quarter.contract, at("2026-09-30 17:00:30"))
    assert [(row.ticket_number, row.clock, row.minutes_late) for row in later] == [
        (t["T4"].number, "arrive", 541),  # 9 h 0 min 30 s: a part of a minute counts
        (t["T4"].number, "resolve", 541),
        (t["T5"].number, "respond", 331),
        (t["T5"].number, "arrive", 1),
        (t["T5"].number, "resolve", 1),
    ]


def test_the_dashboard_reads_the_earliest_open_breaches_and_counts_the_rest(yn_quarter):
    contract, now, t = yn_quarter.contract, yn_quarter.now, yn_quarter.tickets
    later = at("2026-09-30 17:00:30")
    with CaptureQueriesContext(connection) as queries:
        shown = figures.open_breaches_now(contract, later, first=2)
    assert shown.total == 5 and shown.more and bool(shown)
    assert shown.first == figures.open_breaches(contract, later)[:2]
    assert [(row.ticket_number, row.clock) for row in shown.first] == [
        (t["T4"].number, "arrive"),
        (t["T4"].number, "resolve"),
    ]
    assert len(queries) == 3  # the two rows, their calendar, the count
    # Fewer than asked for: all of them, and no count to make.
    with CaptureQueriesContext(connection) as queries:
        every = figures.open_breaches_now(contract, now, first=50)
    assert (
        every.total == 3 and not every.more and every.first == figures.open_breaches(contract, now)
    )
    assert len(queries) == 2
    nothing = figures.open_breaches_now(contract, at("2026-07-01 00:00"), first=50)
    assert nothing.total == 0 and not nothing and nothing.first == ()


def test_minutes_late_counts_a_part_of_a_minute_and_never_goes_below_zero(demo):
    around_the_clock = working_time(ServiceCalendar.objects.get(code="24x7"))
    due = at("2026-07-01 10:00")
    assert figures.minutes_late(around_the_clock, due, at("2026-07-01 10:00"), due) == 0
    assert figures.minutes_late(around_the_clock, due, due + dt.timedelta(seconds=1), due) == 1
    assert figures.minutes_late(around_the_clock, due, None, due + dt.timedelta(minutes=90)) == 90
    assert figures.minutes_late(around_the_clock, due, due - dt.timedelta(minutes=5), due) == 0


def test_minutes_late_are_the_working_minutes_of_the_clocks_own_calendar(demo):
    office = working_time(ServiceCalendar.objects.get(code="cn-work-0830-1730"))
    around_the_clock = working_time(ServiceCalendar.objects.get(code="24x7"))
    due = at("2026-07-01 17:30")  # a Wednesday, the end of the working day
    arrived = at("2026-07-01 22:32")
    assert figures.minutes_late(office, due, arrived, arrived) == 0  # no working time passed
    assert figures.minutes_late(around_the_clock, due, arrived, arrived) == 302
    # The next morning: 08:30 to 09:05 of working time.
    assert figures.minutes_late(office, due, at("2026-07-02 09:05"), arrived) == 35
    # Still running on Monday 10:00: Thursday 08:30 to Friday 17:30 (18 h) and Monday 1.5 h.
    assert figures.minutes_late(office, due, None, at("2026-07-06 10:00")) == 18 * 60 + 90


# --- response and resolution times -------------------------------------------------------


def test_response_and_resolution_times_of_the_tickets_reported_in_the_quarter(yn_quarter):
    timings = figures.timings(yn_quarter.contract, Q3)
    # acknowledged − reported: T1 20, T2 45, T3 30, T4 30, T7 60 (T5 not yet)
    assert timings.response == DurationStats(count=5, mean_minutes=d("37.0"), p90_minutes=d("60.0"))
    # resolved − reported: T1 330, T2 420, T3 780
    assert timings.resolution == DurationStats(
        count=3, mean_minutes=d("510.0"), p90_minutes=d("780.0")
    )


def test_p90_uses_nearest_rank():
    # rank = ceil(0.9 × n): the 9th of 10 values, the 18th of 20, the largest of 5.
    assert nearest_rank(list(range(1, 11))) == 9
    assert nearest_rank(list(range(20, 0, -1))) == 18
    assert nearest_rank([5, 1, 4, 2, 3]) == 5
    assert nearest_rank([7]) == 7
    assert nearest_rank([]) is None
    # Linear interpolation would say 9.1 for 1..10; nearest rank is always a value.
    assert nearest_rank([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50) == 5


def test_timings_are_empty_when_no_ticket_was_answered(demo):
    timings = figures.timings(demo["yn-his"], Q3)
    assert timings.response == DurationStats(count=0, mean_minutes=None, p90_minutes=None)


def test_timings_keep_seconds_to_a_tenth_of_a_minute(demo):
    contract = demo["yn-his"]
    for minutes in ("10:10:20", "10:20:40", "10:05:00"):
        work(file(contract, "level-2", "2026-07-06 10:00"), ack=f"2026-07-06 {minutes}")
    response = figures.timings(contract, Q3).response
    # 620 + 1240 + 300 = 2160 s over 3 = 720 s = 12.0 min; p90 (rank 3) 1240 s = 20.666…
    assert (response.mean_minutes, response.p90_minutes) == (d("12.0"), d("20.7"))


# --- downtime and pro-rating -------------------------------------------------------------


def test_downtime_is_counted_within_the_quarter_and_open_outages_until_now(yn_quarter):
    figure = figures.downtime(yn_quarter.contract, Q3, yn_quarter.now)
    # T2 09:00–11:30 (2.5 h) + T5 since 11:00, now 12:00 (1 h)
    assert figure.downtime_hours == d("3.50")
    assert figure.allowed_hours is None and figure.within_target is None


def test_downtime_allowance_is_prorated_to_the_quarter(demo):
    contract = demo["gz-logistics"]  # at most 8 h a year
    engineer = demo_user("ny-engineer")
    # Each level-1 fault opened its outage at its report time (C5's availability target).
    across = file(contract, "level-1", "2026-06-30 23:00")
    services.close_outage(
        ticket=across,
        by=engineer,
        outage=across.outages.get().pk,
        ended_at=at("2026-07-01 01:00"),
    )
    first = file(contract, "level-1", "2026-08-10 10:00")
    services.close_outage(
        ticket=first, by=engineer, outage=first.outages.get().pk, ended_at=at("2026-08-10 11:30")
    )
    same = file(contract, "level-1", "2026-08-10 10:30")
    services.correct_outage(
        ticket=same,
        by=engineer,
        outage=same.outages.get().pk,
        started_at=at("2026-08-10 11:00"),
        ended_at=at("2026-08-10 12:00"),
        partial=False,
        reason="收费接口 11:00 才中断",
    )
    figure = figures.downtime(contract, Q3, at("2026-09-30 12:00"))
    # 1 h after midnight of 07-01 + 10:00–12:00 merged (2 h) = 3 h
    assert figure.downtime_hours == d("3.00")
    # 8 h × 92 / 365 = 2.0164… h
    assert figure.allowed_hours == d("2.02") and figure.yearly_allowed_hours == d("8.00")
    assert figure.within_target is False
    assert figure.percent_of_allowance == d("148.5")  # 3.00 / 2.02
    q2 = figures.downtime(contract, Q2, at("2026-09-30 12:00"))
    assert q2.downtime_hours == d("1.00")
    assert q2.allowed_hours == d("1.99")  # 8 × 91 / 365 = 1.9945…
    year = figures.downtime(contract, Period.year(2026), at("2026-09-30 12:00"))
    assert (year.downtime_hours, year.allowed_hours) == (d("4.00"), d("8.00"))


def test_yearly_targets_count_only_the_days_of_the_quarter_in_the_contract_term(demo):
    contract = demo["zj-einvoice"]  # term 2026-03-01 – 2027-02-28, at least 10 on-site days
    assert prorated(10, contract, Period.quarter(2026, 1)) == d("0.85")  # 10 × 31 / 365
    assert prorated(10, contract, Period.quarter(2026, 2)) == d("2.49")  # 10 × 91 / 365
    assert prorated(10, contract, Period.quarter(2025, 4)) == d("0.00")
    assert prorated(None, contract, Period.quarter(2026, 2)) is None


def test_a_leap_year_day_is_worth_one_366th():
    contract = Contract(starts_on=dt.date(2028, 1, 1), ends_on=dt.date(2028, 12, 31))
    assert prorated(Decimal("366"), contract, Period.quarter(2028, 1)) == d("91.00")
    assert prorated(Decimal("8"), contract, Period.year(2028)) == d("8.00")


# --- on-site days, person-days -----------------------------------------------------------


def test_onsite_days_are_distinct_dates_with_onsite_work(yn_quarter):
    figure = figures.onsite_days(yn_quarter.contract, Q3)
    # 07-06, 07-14 (two engineers, one day), 08-04; 08-03 was remote; 06-30 is Q2
    assert figure.dates == (dt.date(2026, 7, 6), dt.date(2026, 7, 14), dt.date(2026, 8, 4))
    assert (figure.days, figure.from_worklogs, figure.from_inspections) == (3, 3, 0)
    assert figure.expected is None and figure.meets_minimum is None


def test_inspection_dates_join_the_onsite_days_through_the_hook(yn_quarter, monkeypatch):
    monkeypatch.setattr(
        figures,
        "onsite_dates_from_inspections",
        lambda contract, period: frozenset(
            {dt.date(2026, 7, 6), dt.date(2026, 9, 15), dt.date(2026, 10, 5)}
        ),
    )
    figure = figures.onsite_days(yn_quarter.contract, Q3)
    assert figure.days == 4  # 07-06 once, 09-15 added, 10-05 outside the quarter
    assert (figure.from_worklogs, figure.from_inspections) == (3, 2)


def test_onsite_days_against_the_prorated_yearly_minimum(demo):
    contract = demo["zj-einvoice"]  # at least 10 a year
    ticket = file(contract, "level-1", "2026-07-06 10:00")
    for day in ("2026-07-06", "2026-08-12", "2026-09-09"):
        log(ticket, day, 240, "on_site")
    figure = figures.onsite_days(contract, Q3)
    assert figure.expected == d("2.52")  # 10 × 92 / 365
    assert (figure.days, figure.meets_minimum) == (3, True)


def test_person_days_are_quota_minutes_over_480(yn_quarter):
    figure = figures.person_days(yn_quarter.contract, Q3)
    # 120 (07-14) + 300 (08-03) = 420 min = 0.875 person-days
    assert (figure.minutes, figure.person_days) == (420, d("0.88"))
    assert figure.quota is None and figure.within_quota is None


def test_person_days_against_the_prorated_yearly_quota(demo):
    contract = demo["gz-logistics"]  # at most 15 person-days a year
    ticket = file(contract, "level-2", "2026-07-06 10:00")
    for day in ("2026-07-06", "2026-07-07", "2026-07-08"):
        log(ticket, day, 480, "on_site", quota=True)
    log(ticket, "2026-07-09", 240, "remote", quota=True)
    log(ticket, "2026-07-09", 240, "remote")  # not adaptive work
    figure = figures.person_days(contract, Q3)
    assert (figure.minutes, figure.person_days) == (1680, d("3.50"))
    assert figure.quota == d("3.78")  # 15 × 92 / 365 = 3.7808…
    assert figure.within_quota is True


# --- satisfaction ------------------------------------------------------------------------


def test_satisfaction_averages_the_ratings_of_tickets_closed_in_the_quarter(yn_quarter):
    figure = figures.satisfaction(yn_quarter.contract, Q3)
    # closed in Q3: T6 2 (reported in Q2), T1 5, T2 3, T3 4; T0's 1 was in Q2; T7 cancelled
    assert figure.count == 4 and figure.mean == d("3.50")
    assert figure.distribution == ((5, 1), (4, 1), (3, 1), (2, 1), (1, 0))
    assert figure.share(5) == d("25.0")
    q2 = figures.satisfaction(yn_quarter.contract, Q2)
    assert (q2.count, q2.mean) == (1, d("1.00"))


def test_a_reopened_ticket_loses_its_rating(demo):
    contract = demo["yn-his"]
    ticket = work(
        file(contract, "level-3", "2026-07-06 10:00"),
        ack="2026-07-06 10:10",
        resolve="2026-07-06 11:00",
        rating=(5, "2026-07-06 12:00"),
    )
    services.reopen(
        ticket=ticket, by=demo_user("yn-reporter"), note="仍无法打印", now=at("2026-07-07 09:00")
    )
    assert figures.satisfaction(contract, Q3).count == 0


# --- the whole summary -------------------------------------------------------------------


def test_quarter_summary_bundles_every_figure(yn_quarter):
    summary = quarter_summary(yn_quarter.contract, Q3, yn_quarter.now)
    assert summary.tickets_total == 6
    assert summary.compliance.overall.percent == d("56.3")
    assert len(summary.breaches) == 7
    # The open breaches now are the dashboard's own (open_breaches_now), not the period's.
    assert len(figures.open_breaches(yn_quarter.contract, yn_quarter.now)) == 3
    assert summary.downtime.downtime_hours == d("3.50")
    assert summary.onsite.days == 3 and summary.person_days.person_days == d("0.88")
    assert summary.satisfaction.mean == d("3.50")
    assert summary.by_month.total == 6 and summary.period == Q3


def count_queries(contract, now) -> int:
    with CaptureQueriesContext(connection) as queries:
        quarter_summary(contract, Q3, now)
    return len(queries)


def test_quarter_summary_query_count_does_not_grow_with_tickets(yn_quarter):
    contract, now = yn_quarter.contract, yn_quarter.now
    before = count_queries(contract, now)
    for day in range(1, 21):
        ticket = work(
            file(contract, "level-1", f"2026-08-{day:02d} 10:00"),
            ack=f"2026-08-{day:02d} 10:{day + 10:02d}",
            arrive=f"2026-08-{day:02d} 15:00",
            resolve=f"2026-08-{day:02d} 17:00",
            rating=(4, f"2026-08-{day:02d} 18:00"),
        )
        log(ticket, f"2026-08-{day:02d}", 60, "on_site", quota=True)
        services.record_outage(
            ticket=ticket,
            by=demo_user("ny-engineer"),
            started_at=at(f"2026-08-{day:02d} 10:00"),
            ended_at=at(f"2026-08-{day:02d} 10:30"),
        )
    assert quarter_summary(contract, Q3, now).tickets_total == 26
    assert count_queries(contract, now) == before
    # The two breach lists read their clocks' calendars once each; on-site working days
    # read the holiday year, its dates and the calendar's overrides (sla.workdays).
    assert before <= 21
