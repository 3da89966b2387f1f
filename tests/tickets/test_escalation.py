"""The breach sweep records each warning and breach once and tells the escalation chain."""

from __future__ import annotations

import math
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from notifications.models import Notification
from tests.factories import demo_user
from tests.tickets.conftest import at, file_ticket, local
from tickets import services
from tickets.escalation import sweep

pytestmark = pytest.mark.django_db

CLOCK_EVENTS = ("clock_warned", "clock_breached")


def test_warning_at_80_percent_then_breach_each_recorded_once(demo):
    ticket = file_ticket(demo["yn-his"], "level-1", "2026-11-03 10:00")
    assert sweep(at("2026-11-03 10:23")).warned == 0
    first = sweep(at("2026-11-03 10:24"))  # 80 % of the 30-minute respond clock
    assert (first.warned, first.breached) == (1, 0)
    assert sweep(at("2026-11-03 10:25")).warned == 0
    breach = sweep(at("2026-11-03 10:31"))
    assert breach.breached == 1
    respond = ticket.clocks.get(name="respond")
    assert local(respond.warned_at) == "2026-11-03 10:24"
    assert local(respond.breached_at) == "2026-11-03 10:30"
    assert sweep(at("2026-11-03 10:40")).breached == 0


def test_warnings_go_to_vendor_side_and_breaches_climb_to_hospital_it(demo):
    file_ticket(demo["yn-his"], "level-1", "2026-11-03 10:00")
    sweep(at("2026-11-03 10:24"))
    warned = set(
        Notification.objects.filter(event="clock_warned").values_list(
            "recipient__username", flat=True
        )
    )
    assert warned == {"ny-dispatcher"}  # unassigned: the dispatcher stands in for the engineer
    sweep(at("2026-11-03 10:31"))
    breached = set(
        Notification.objects.filter(event="clock_breached").values_list(
            "recipient__username", flat=True
        )
    )
    assert breached == {"ny-dispatcher", "ny-manager", "yn-it"}


def test_met_and_paused_clocks_are_not_swept(demo):
    ticket = file_ticket(demo["yn-his"], "level-3", "2026-11-03 10:00")
    engineer = demo_user("ny-engineer")
    services.acknowledge(
        note="已联系院方，承诺处理方案。", ticket=ticket, by=engineer, now=at("2026-11-03 10:05")
    )
    services.hold(
        ticket=ticket,
        by=engineer,
        reason="third_party",
        consent_by="李明",
        now=at("2026-11-03 10:10"),
    )
    result = sweep(at("2026-11-10 10:00"))
    assert (result.warned, result.breached) == (0, 0)


@pytest.mark.django_db(transaction=True)
def test_two_workers_sweeping_at_once_record_and_notify_each_clock_once(demo):
    if connection.vendor != "postgresql":
        pytest.skip("row locks with SKIP LOCKED need PostgreSQL")
    for minute in range(20):
        file_ticket(demo["yn-his"], "level-1", f"2026-11-03 10:{minute:02d}")
    results, errors = [], []

    def worker():
        try:
            results.append(sweep(at("2026-11-03 12:00")))
        except Exception as exc:  # pragma: no cover - surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    # 20 tickets: every respond clock is past its warning and its deadline; arrive and
    # resolve (6 h) are not yet at 80 %.
    assert sum(r.warned for r in results) == 20
    assert sum(r.breached for r in results) == 20
    keys = list(Notification.objects.values_list("dedupe_key", flat=True))
    assert len(keys) == len(set(keys))


def insert_statements(rows: int) -> int:
    """The INSERT statements one bulk insert of `rows` notices takes on this database: one on
    PostgreSQL, however many rows; on SQLite as many as its 999 parameters a statement
    need (Django splits the rows into batches of connection.ops.bulk_batch_size)."""
    if not rows:
        return 0
    fields = [
        field
        for field in Notification._meta.concrete_fields
        if not field.generated and field is not Notification._meta.pk
    ]
    batch = max(connection.ops.bulk_batch_size(fields, [Notification()] * rows), 1)
    return math.ceil(rows / batch)


def test_a_sweep_reads_and_writes_in_a_fixed_number_of_queries_however_many_clocks_fall_due(
    demo,
):
    # The premise that once failed (27 queries against 26): "the batch's notices go in with
    # one INSERT", so five times the clocks cost the same statements. One bulk insert is one
    # statement on PostgreSQL only; SQLite takes 999 parameters a statement (62 notices of 16
    # columns), and the many clocks' 75 breach notices crossed that line where the few
    # clocks' 15 did not. Nothing here depends on the wall clock (every moment is given to the
    # services), so what stays equal between the few and the many is every read and write
    # other than those inserts, and the inserts are exactly the statements the notices need.
    def sweep_counting(when: str) -> tuple[int, int, int, dict[str, int]]:
        """(clocks recorded, queries, of which INSERT statements of notices, warning and
        breach notices written so far)"""
        with CaptureQueriesContext(connection) as captured:
            result = sweep(at(when))
        inserts = [
            query
            for query in captured.captured_queries
            if query["sql"].startswith('INSERT INTO "notifications_notification"')
        ]
        written = {
            event: Notification.objects.filter(event=event).count() for event in CLOCK_EVENTS
        }
        return (
            result.warned + result.breached,
            len(captured.captured_queries),
            len(inserts),
            written,
        )

    for code in ("yn-his", "fd-internet"):
        file_ticket(demo[code], "level-1", "2026-11-03 10:00")
    few, few_queries, few_inserts, after_few = sweep_counting("2026-11-06 10:00")
    for code in ("yn-his", "fd-internet"):
        for _ in range(5):
            file_ticket(demo[code], "level-1", "2026-11-10 10:00")
    many, many_queries, many_inserts, after_many = sweep_counting("2026-11-13 10:00")
    assert many == 5 * few
    # Recipients, channels, subscriptions and escalation steps are read once per batch, and
    # the batch's notices go in with one bulk insert per warning and breach: not a query per
    # clock, and no statement more than the database's limit on parameters asks for.
    assert many_queries - many_inserts == few_queries - few_inserts
    assert few_inserts == sum(insert_statements(after_few[event]) for event in CLOCK_EVENTS) == 2
    assert many_inserts == sum(
        insert_statements(after_many[event] - after_few[event]) for event in CLOCK_EVENTS
    )
    if connection.vendor == "postgresql":  # one statement, any size
        assert many_inserts == few_inserts


def test_a_role_nobody_holds_costs_the_sweep_no_query_of_its_own(demo):
    # The sweep reads each party's people once per batch; a role on the chain that nobody
    # active holds (郁南's only hospital IT has left) is no one, not a query per batch.
    def sweep_counting(when: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            sweep(at(when))
        return len(captured.captured_queries)

    file_ticket(demo["yn-his"], "level-1", "2026-11-03 10:00")
    staffed = sweep_counting("2026-11-06 10:00")
    User.objects.filter(username="yn-it").update(is_active=False)
    unstaffed_ticket = file_ticket(demo["yn-his"], "level-1", "2026-11-10 10:00")
    assert sweep_counting("2026-11-13 10:00") == staffed
    told = Notification.objects.filter(ticket=unstaffed_ticket, event="clock_breached")
    assert set(told.values_list("recipient__username", flat=True)) == {
        "ny-dispatcher",
        "ny-manager",
    }
