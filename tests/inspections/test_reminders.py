"""The beat task plans ahead and reminds the engineer and the hospital before an inspection
falls due, and reports it once when it is overdue."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from inspections import notices, services
from inspections.tasks import plan_and_remind
from notifications.models import Notification
from tests.factories import demo_user
from tests.inspections.conftest import at, zj_quarter

pytestmark = pytest.mark.django_db

D = dt.date.fromisoformat


def sent(event):
    return sorted(
        (row.recipient.username, row.subject)
        for row in Notification.objects.filter(event=event).select_related("recipient")
    )


def test_reminders_go_out_once_seven_days_before_the_due_date(demo):
    inspection = zj_quarter(demo)  # due 2026-11-30
    services.assign(
        inspection=inspection, engineer=demo_user("ny-engineer"), by=demo_user("ny-dispatcher")
    )
    assert notices.remind_due(D("2026-11-22")) == 0
    assert notices.remind_due(D("2026-11-23")) >= 1
    reminded = [name for name, _ in sent("inspection_due") if "2026-09-01" in _]
    assert sorted(reminded) == ["ny-engineer", "zj-it"]
    assert notices.remind_due(D("2026-11-24")) == 0  # once


def test_an_unassigned_inspection_reminds_the_dispatchers(demo):
    notices.remind_due(D("2026-11-23"))
    recipients = {name for name, subject in sent("inspection_due") if "zj-einvoice" in subject}
    assert recipients == {"ny-dispatcher", "zj-it"}


def test_an_overdue_inspection_is_reported_once_and_a_done_one_never(demo, performed):
    with time_machine.travel(at("2026-12-01 07:00"), tick=False):
        first = plan_and_remind()
        after_first = sent("inspection_overdue")
        second = plan_and_remind()
    overdue = sent("inspection_overdue")
    assert first["overdue"] > 0 and second["overdue"] == 0
    assert overdue == after_first  # the second run tells nobody again
    # zj's current quarter was performed; C3 and C5 Q4 (due 12-31) are not overdue yet,
    # so what is overdue are the untouched earlier inspections of the demo contracts.
    assert not any("2026-09-01" in subject and "zj-einvoice" in subject for _, subject in overdue)
    per_person = [name for name, subject in overdue]
    assert len(per_person) == len(set(zip(per_person, [s for _, s in overdue], strict=True)))
    assert any(subject.startswith("[yn-his]") for _, subject in overdue)
