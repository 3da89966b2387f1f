"""C5: "adaptive maintenance (flow changes, interfaces) at most 15 person-days a year"."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from notifications.models import Notification
from tests.factories import demo_user
from tests.tickets.conftest import file_ticket
from tickets import services
from tickets.models import QuotaWarning
from tickets.quota import burn_down

pytestmark = pytest.mark.django_db


def adaptive_ticket(demo):
    return file_ticket(demo["gz-logistics"], "adaptive-maintenance", "2026-03-02 09:00")


def log(ticket, day: str, minutes: int = 1440):
    return services.log_work(
        ticket=ticket,
        by=demo_user("ny-engineer"),
        work_date=dt.date.fromisoformat(day),
        minutes=minutes,
        mode="remote",
        description="调整医废交接流程，对接新的称重接口。",
    )


def test_c5_work_on_adaptive_maintenance_counts_against_the_quota(demo):
    worklog = log(adaptive_ticket(demo), "2026-03-02", 480)
    assert worklog.counts_against_quota  # without ticking the box


def test_c5_crossing_80_percent_of_the_quota_warns_the_manager_and_hospital_it_once(demo):
    ticket = adaptive_ticket(demo)
    for day in ("2026-03-02", "2026-03-03", "2026-04-01"):
        log(ticket, day)  # 3 × 3 person-days = 9: 60 %
    assert not QuotaWarning.objects.exists()
    log(ticket, "2026-05-06")  # 12 of 15 person-days: 80 %
    log(ticket, "2026-05-07", 480)  # 13: no second warning
    warning = QuotaWarning.objects.get()
    assert (warning.year_starts_on, warning.person_days) == (dt.date(2026, 1, 1), Decimal("12"))
    warned = Notification.objects.filter(event="quota_warned")
    assert {n.recipient.username for n in warned} == {"ny-manager", "gz-it"}


def test_c5_the_burn_down_shows_the_quota_used_month_by_month(demo):
    ticket = adaptive_ticket(demo)
    log(ticket, "2026-03-02")
    log(ticket, "2026-05-06", 720)
    figures = burn_down(demo["gz-logistics"], dt.date(2026, 5, 20))
    assert [(m.starts_on.month, m.used, m.remaining) for m in figures.months] == [
        (1, Decimal("0.00"), Decimal("15.00")),
        (2, Decimal("0.00"), Decimal("15.00")),
        (3, Decimal("3.00"), Decimal("12.00")),
        (4, Decimal("3.00"), Decimal("12.00")),
        (5, Decimal("4.50"), Decimal("10.50")),
    ]
    assert (figures.used, figures.percent, figures.running_low) == (Decimal("4.50"), 30, False)


def test_a_contract_without_a_quota_has_nothing_to_burn_down(demo):
    figures = burn_down(demo["yn-his"], dt.date(2026, 5, 20))
    assert (figures.quota, figures.remaining, figures.running_low) == (None, None, False)
