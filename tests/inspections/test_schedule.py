"""Plans for each demo contract's whole term (DOMAIN.md): C3–C5 quarterly; C1 quarterly,
the quarter's inspection brought forward before Spring Festival and National Day, and a
half-yearly on-site revisit; C2 quarterly on site plus a yearly follow-up visit."""

from __future__ import annotations

import datetime as dt

import pytest

from inspections import services
from inspections.models import Inspection, InspectionRule
from inspections.schedule import add_months, plan_contract, term_periods
from sla.models import HolidayDate, HolidayKind, HolidayYear
from tests.factories import demo_user
from tests.inspections.conftest import at

pytestmark = pytest.mark.django_db

D = dt.date.fromisoformat


def plan(contract, purpose=None):
    rows = Inspection.objects.filter(contract=contract).order_by("due_on", "id")
    if purpose:
        rows = rows.filter(purpose=purpose)
    return [(row.window_starts_on.isoformat(), row.due_on.isoformat()) for row in rows]


def test_months_are_added_to_the_last_day_of_shorter_months():
    assert add_months(D("2026-01-31"), 1) == D("2026-02-28")
    assert add_months(D("2026-11-30"), 3) == D("2027-02-28")


def test_a_term_is_cut_into_periods_from_its_first_day():
    assert term_periods(D("2026-03-01"), D("2027-02-28"), 6) == [
        (D("2026-03-01"), D("2026-08-31")),
        (D("2026-09-01"), D("2027-02-28")),
    ]


def test_c3_c4_c5_are_inspected_once_a_quarter_of_their_term(demo):
    calendar_quarters = [
        ("2026-01-01", "2026-03-31"),
        ("2026-04-01", "2026-06-30"),
        ("2026-07-01", "2026-09-30"),
        ("2026-10-01", "2026-12-31"),
    ]
    assert plan(demo["yn-his"]) == calendar_quarters
    assert plan(demo["gz-logistics"]) == calendar_quarters
    assert plan(demo["fd-internet"]) == [
        ("2026-07-01", "2026-09-30"),
        ("2026-10-01", "2026-12-31"),
        ("2027-01-01", "2027-03-31"),
        ("2027-04-01", "2027-06-30"),
    ]


def test_c5_quarterly_inspection_carries_the_meeting_and_summary_report(demo):
    inspection = Inspection.objects.filter(contract=demo["gz-logistics"]).first()
    assert "季度会议" in inspection.instructions
    assert inspection.planned_on_site


def test_c2_quarters_follow_its_term_and_a_yearly_follow_up_visit_closes_it(demo):
    contract = demo["zj-einvoice"]
    assert plan(contract, "routine") == [
        ("2026-03-01", "2026-05-31"),
        ("2026-06-01", "2026-08-31"),
        ("2026-09-01", "2026-11-30"),
        ("2026-12-01", "2027-02-28"),
    ]
    assert plan(contract, "visit") == [("2026-03-01", "2027-02-28")]
    visit = Inspection.objects.get(contract=contract, purpose="visit")
    assert visit.template.code == "follow-up-visit" and visit.planned_on_site


def test_c1_is_inspected_quarterly_and_revisited_on_site_every_half_year_for_three_years(demo):
    contract = demo["cd-nutrition"]
    quarters = plan(contract, "routine")
    assert len(quarters) == 12
    assert quarters[0] == ("2025-01-01", "2025-01-27")  # brought forward: Spring Festival
    assert quarters[-1] == ("2027-10-01", "2027-12-31")
    visits = plan(contract, "visit")
    assert len(visits) == 6
    assert visits[1] == ("2025-07-01", "2025-12-31")


def test_c1_four_inspections_a_year_the_one_near_a_major_holiday_brought_forward_not_added(demo):
    # "1年4次巡检服务（每季度进行定期巡检，重大节假日提前巡检）"
    contract = demo["cd-nutrition"]
    assert not Inspection.objects.filter(contract=contract, purpose="pre_holiday").exists()
    rows = Inspection.objects.filter(
        contract=contract, purpose="routine", due_on__year__in=[2025, 2026]
    ).order_by("due_on")
    assert [(row.window_starts_on.isoformat(), row.due_on.isoformat()) for row in rows] == [
        ("2025-01-01", "2025-01-27"),  # Spring Festival 2025 starts on 01-28
        ("2025-04-01", "2025-06-30"),  # Labour Day is not a major holiday in C1's sense
        ("2025-07-01", "2025-09-30"),  # already the day before National Day
        ("2025-10-01", "2025-12-31"),  # National Day opens the quarter: not this one's
        ("2026-01-01", "2026-02-14"),  # Spring Festival 2026 starts on 02-15
        ("2026-04-01", "2026-06-30"),
        ("2026-07-01", "2026-09-30"),
        ("2026-10-01", "2026-12-31"),
    ]
    assert "春节" in rows.first().title
    assert "国庆节" in rows.get(due_on=D("2026-09-30")).title


def test_c1_a_holiday_year_published_later_brings_its_quarter_forward(demo):
    contract = demo["cd-nutrition"]
    assert plan_contract(contract).unpublished_years == [2027]
    HolidayDate.objects.bulk_create(
        HolidayDate(
            date=D("2027-02-06") + dt.timedelta(days=n),
            kind=HolidayKind.HOLIDAY,
            name="Spring Festival",
        )
        for n in range(8)
    )
    HolidayYear.objects.create(year=2027)
    result = plan_contract(contract)
    assert result.unpublished_years == []
    assert (result.created, result.moved) == ([], 1)
    moved = Inspection.objects.get(
        contract=contract, purpose="routine", window_starts_on=D("2027-01-01")
    )
    assert moved.due_on == D("2027-02-05")
    assert moved.title == "定期巡检 · 2027 春节"


def test_bringing_forward_needs_named_holidays_and_a_periodic_rule(demo):
    from django.core.exceptions import ValidationError

    rule = InspectionRule.objects.get(contract=demo["cd-nutrition"], purpose="routine")
    rule.holidays = ""
    with pytest.raises(ValidationError) as error:
        rule.full_clean()
    assert "holidays" in error.value.message_dict


def test_planning_again_changes_nothing(demo):
    contract = demo["zj-einvoice"]
    before = list(Inspection.objects.filter(contract=contract).values_list("pk", "due_on"))
    result = plan_contract(contract)
    assert result.created == [] and result.removed == 0
    assert list(Inspection.objects.filter(contract=contract).values_list("pk", "due_on")) == before


def test_a_changed_cadence_drops_untouched_plans_but_keeps_started_inspections(demo):
    contract = demo["zj-einvoice"]
    started = Inspection.objects.get(contract=contract, purpose="routine", due_on=D("2026-05-31"))
    services.start(
        inspection=started, by=demo_user("ny-engineer"), mode="remote", now=at("2026-05-20 10:00")
    )
    rule = InspectionRule.objects.get(contract=contract, purpose="routine")
    rule.cadence = "half_yearly"
    rule.save()
    result = plan_contract(contract)
    assert (result.removed, result.moved, result.created) == (2, 1, [])
    assert plan(contract, "routine") == [
        ("2026-03-01", "2026-05-31"),  # started: it covers the first half-year as it was
        ("2026-09-01", "2027-02-28"),  # untouched: its window now spans the half-year
    ]
