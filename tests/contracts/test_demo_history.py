"""`load_demo` with its history: every contract's past, written through the real services,
keeps the contract's own rules, adds up to what the dashboard shows, and a second load
changes nothing.

The history (the last three months of each contract, up to NOW) is built once for this
module in a transaction rolled back at its end; each test runs in a savepoint inside it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
import time_machine
from django.apps import apps
from django.db import transaction
from django.db.models import Sum
from django.test import override_settings
from django.utils import timezone

from contracts.demo.loader import load_demo
from contracts.models import Contract
from inspections.models import Inspection, InspectionState
from notifications.models import Notification, NotificationStatus
from reports.figures import quarter_summary
from reports.models import RenderState, ServiceReport
from reports.periods import Period
from tests.session_demo import FAST_HASHERS, quiet_brokers, settle_deferred_checks
from tickets.clocks import opening_time, schedule
from tickets.models import (
    ConsentChannel,
    ConsentRequest,
    ConsentState,
    Event,
    Extension,
    Outage,
    Pause,
    PauseReason,
    Ticket,
    TicketClock,
    Worklog,
)
from tickets.recurrence import occurrences

MONTHS = 3
# A Monday morning with all five contracts in force: the history ends here whatever day the
# suite runs (time stands at NOW, ticking, for the whole module).
NOW = "2026-12-07 10:30 +08:00"
# Every app the history writes to: each of their tables is counted before and after.
HISTORY_APPS = ("tickets", "inspections", "knowledge", "reports", "notifications", "audit")


@pytest.fixture(scope="module")
def history(django_db_setup, django_db_blocker) -> Iterator[dict[str, Contract]]:
    with (
        time_machine.travel(NOW, tick=True),
        override_settings(PASSWORD_HASHERS=FAST_HASHERS),
        quiet_brokers(),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        contracts = {c.code: c for c in load_demo(history=True, months=MONTHS)}
        settle_deferred_checks()
        try:
            yield contracts
        finally:
            transaction.set_rollback(True)


def counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for app_label in HISTORY_APPS
        for model in apps.get_app_config(app_label).get_models()
    }


def test_loading_the_demo_again_changes_nothing(history, db):
    before = counts()
    states = dict(Ticket.objects.values_list("number", "state"))
    assert before["tickets.Ticket"] > 0
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS), quiet_brokers():
        load_demo(history=True, months=MONTHS)
    assert counts() == before
    assert dict(Ticket.objects.values_list("number", "state")) == states


def test_every_contract_has_a_history_and_an_open_queue_today(history, db):
    now = timezone.now()
    for code in history:
        tickets = Ticket.objects.filter(contract__code=code)
        assert tickets.filter(state="closed").exists(), code
        assert tickets.open().exists(), code
    upcoming = Ticket.objects.open().filter(next_due_at__gt=now)
    assert upcoming.filter(next_due_at__lt=now + dt.timedelta(hours=12)).exists()
    assert upcoming.filter(next_due_at__gt=now + dt.timedelta(days=1)).exists()


def test_numbers_follow_the_order_tickets_were_reported(history, db):
    for code in history:
        numbers = list(
            Ticket.objects.filter(contract__code=code)
            .order_by("created_at", "pk")
            .values_list("number", flat=True)
        )
        assert numbers == sorted(numbers), code


def _pauses_until(ticket_pauses, end: dt.datetime | None):
    return [(p.started_at, p.ended_at) for p in ticket_pauses if end is None or p.started_at < end]


def test_every_clocks_deadline_is_what_the_clock_engine_computes_for_its_facts(history, db):
    clocks = (
        TicketClock.objects.filter(is_active=True, started_at__isnull=False)
        .select_related("ticket__contract", "calendar", "due_by_opening_of")
        .prefetch_related("ticket__pauses")
    )
    checked = 0
    for clock in clocks:
        expected = schedule(
            started_at=clock.started_at,
            total_minutes=clock.total_minutes,
            warn_percent=clock.ticket.contract.warning_threshold_percent,
            # A met clock stood still only for the holds before it was met.
            pauses=_pauses_until(clock.ticket.pauses.all(), clock.met_at),
            calendar=clock.calendar,
            # C4's nights and holidays: due no later than the hospital's next opening.
            opening_wt=opening_time(clock.due_by_opening_of),
            extension_minutes=clock.extension_minutes,
        )
        assert clock.due_at == expected.due_at, (clock.ticket.number, clock.name)
        if clock.met_at is not None and clock.due_at is not None:
            assert (clock.breached_at is not None) == (clock.met_at > clock.due_at), (
                clock.ticket.number,
                clock.name,
            )
        checked += 1
    assert checked > 100


def test_every_hold_and_extension_rests_on_a_consent_given_by_the_hospitals_own_person(history, db):
    pauses = Pause.objects.exclude(reason=PauseReason.AWAITING_CONFIRMATION)
    extensions = Extension.objects.all()
    assert pauses.exists() and extensions.exists()
    for granted in [*pauses, *extensions]:
        consent = granted.consent  # the request it came from (tickets.services.consent)
        hospital = consent.ticket.contract.hospital
        assert consent.state == ConsentState.GRANTED
        assert consent.decided_by.memberships.filter(organization=hospital).exists()
        # The clocks stood still (or gained time) from the hospital's answer, never before.
        assert consent.decided_at >= consent.requested_at
        if isinstance(granted, Pause):
            assert granted.started_at == consent.decided_at
    channels = set(ConsentRequest.objects.values_list("channel", flat=True))
    assert {ConsentChannel.PHONE, ConsentChannel.PORTAL} <= channels


def test_a_few_deadlines_were_missed_and_most_explained(history, db):
    breached = TicketClock.objects.filter(breached_at__isnull=False, met_at__isnull=False)
    met = TicketClock.objects.filter(met_at__isnull=False, due_at__isnull=False)
    assert 0 < breached.count() < met.count() * 0.15
    assert breached.exclude(breach_reason="").exists()


def test_c5_outages_add_up_to_the_dashboards_downtime_within_8_hours(history, db):
    contract = history["gz-logistics"]
    now = timezone.now()
    year = Period.year(timezone.localdate().year)
    outages = Outage.objects.filter(ticket__contract=contract)
    assert outages.exists()
    assert all(outage.ticket.level == 1 for outage in outages)
    recorded = sum(((o.ended_at - o.started_at) for o in outages), dt.timedelta())
    hours = Decimal(recorded.total_seconds() / 3600).quantize(Decimal("0.01"))
    shown = quarter_summary(contract, year, now).downtime
    assert shown.downtime_hours == hours
    assert shown.downtime_hours <= contract.allowed_downtime_hours


def test_c5_person_days_add_up_to_the_dashboards_and_stay_within_the_quota(history, db):
    contract = history["gz-logistics"]
    year = Period.year(timezone.localdate().year)
    minutes = Worklog.objects.filter(
        contract=contract, counts_against_quota=True, work_date__year=year.start.year
    ).aggregate(total=Sum("minutes"))["total"]
    assert minutes
    shown = quarter_summary(contract, year, timezone.now()).person_days
    assert shown.minutes == minutes
    assert shown.person_days <= contract.person_day_quota


def test_c2_on_site_days_count_worklogs_and_inspections(history, db):
    contract = history["zj-einvoice"]
    shown = quarter_summary(contract, Period.year(timezone.localdate().year), timezone.now())
    assert shown.onsite.from_worklogs > 0
    assert shown.onsite.days >= shown.onsite.from_worklogs


def test_c4_third_occurrence_within_90_days_raises_level2_to_level1(history, db):
    contract = history["fd-internet"]
    linked = Ticket.objects.filter(contract=contract, recurrence_of__isnull=False).order_by(
        "created_at"
    )
    assert linked.count() >= 2
    for ticket in linked:
        raised = Event.objects.filter(
            ticket=ticket, action="tickets.ticket.level_changed", data__automatic=True
        ).exists()
        assert raised == (occurrences(ticket) >= contract.recurrence_count), ticket.number
        if raised:
            assert ticket.level == 1


def test_c4_changes_ran_only_with_an_approved_plan(history, db):
    changes = Ticket.objects.filter(contract=history["fd-internet"], kind="change")
    finished = changes.filter(state__in=("done", "rolled_back"))
    assert finished.exists()
    for change in finished:
        assert change.upgrade_plan and change.rollback_plan
        assert change.events.filter(action="tickets.ticket.approve_plan").exists()


def test_inspections_past_their_due_date_were_all_done_on_schedule(history, db):
    today = timezone.localdate()
    # Those due before the months built are outside this history (as in a fresh contract).
    built_from = today - dt.timedelta(days=round(MONTHS * 30.4) - 1)
    assert not Inspection.objects.overdue(today).filter(due_on__gte=built_from).exists()
    done = Inspection.objects.filter(state__in=(InspectionState.COMPLETED, InspectionState.SIGNED))
    assert done.exists()
    for inspection in done:
        started = timezone.localtime(inspection.started_at).date()
        assert inspection.window_starts_on <= started <= inspection.due_on, inspection.title


def test_abnormal_inspection_items_opened_tickets(history, db):
    from inspections.models import InspectionResult

    findings = InspectionResult.objects.filter(verdict="fail")
    assert findings.exists()
    assert all(result.ticket_id for result in findings)


def test_past_quarters_have_final_reports_with_improvements_queued_for_the_worker(history, db):
    reports = ServiceReport.objects.filter(kind="quarterly")
    assert reports.exists()
    for report in reports:
        assert report.final_at is not None and report.improvements
        assert report.files.filter(is_final=True, state=RenderState.QUEUED).exists()


def test_messages_about_the_past_are_recorded_as_sent_not_sent_now(history, db):
    assert Notification.objects.exists()
    assert not Notification.objects.filter(status=NotificationStatus.PENDING).exists()
    for sent_at, created_at in Notification.objects.values_list("sent_at", "created_at")[:50]:
        assert sent_at == created_at
